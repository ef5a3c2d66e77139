"""The ``hub`` command line. Each command group lives in its own module and registers in
:mod:`hub.cli.commands`, which is imported only when the command line runs (or ``hub.cli.app`` is asked
for): a ``hub sync`` worker process (:func:`hub.cli.sync.worker_main`) then starts without the server,
schema and audit modules, ~0.6 s of CPU per worker.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "app":
        from hub.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    from hub.cli.commands import app

    app()
