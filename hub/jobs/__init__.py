"""Jobs on taskiq: declared once (:data:`hub.jobs.queue.job`), run in process on the embedded default or by
``hub worker`` processes on a Redis stream in production."""
