"""The job queue: taskiq, on a Redis stream in production, in memory on the embedded default.

A job is declared once, ``@job(task_name="…")`` on taskiq's shared broker, so any broker finds it; it is
kicked with ``await some_job.kiq(…)`` and reads the process's services from its context
(:func:`services_of`). ``HUB_JOBS_URL`` chooses the broker:

- ``memory://`` (the default: ``make demo`` runs on a bare machine): taskiq's in-memory broker runs each job
  in this process, in the background, as it is kicked. Nothing survives a restart.
- ``redis://host:port/db``: taskiq-redis's stream broker. Delivery is acknowledged: a job a worker took but
  did not finish (killed) is handed to another worker once it has been idle ``HUB_JOBS_IDLE_TIMEOUT_S``.
  ``hub worker`` processes consume it, on any number of machines; the hub only kicks. Jobs must therefore be
  idempotent (a redelivered job may have half run).
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from taskiq import AsyncBroker, Context, InMemoryBroker, TaskiqDepends
from taskiq.brokers.shared_broker import async_shared_broker

from foundation.settings import Settings

job: Final = async_shared_broker.task
"""Declare a job: ``@job(task_name="webhooks.deliver")`` (found by whichever broker runs)."""


def build_broker(settings: Settings) -> AsyncBroker:
    """The broker ``HUB_JOBS_URL`` names (not started)."""
    if settings.jobs_url.startswith("redis"):
        from taskiq_redis import RedisStreamBroker

        namespace = settings.cache_namespace
        return RedisStreamBroker(
            url=settings.jobs_url,
            queue_name=f"{namespace}:jobs",
            consumer_group_name=f"{namespace}:workers",
            idle_timeout=int(settings.jobs_idle_timeout_s * 1000),
            # A read claims its messages for this worker: taskiq-redis's 100 a read let the first worker
            # to read take a whole burst of jobs while the others idled. Read what can run at once.
            xread_count=settings.jobs_concurrency,
        )
    return InMemoryBroker(max_async_tasks=settings.jobs_concurrency)


def runs_in_process(broker: AsyncBroker) -> bool:
    """Whether kicked jobs run in this process (the in-memory broker) rather than on ``hub worker``."""
    return isinstance(broker, InMemoryBroker)


class JobQueue:
    """The process's broker, started with the services its jobs run with."""

    def __init__(self, broker: AsyncBroker) -> None:
        self.broker = broker

    async def start(self, services: Any) -> None:
        """Kick shared jobs to this broker and give them ``services``; ``services`` is the process's
        :class:`hub.services.HubServices` (typed loosely: the services hold the queue)."""
        self.broker.state.services = services
        async_shared_broker.default_broker(self.broker)
        await self.broker.startup()

    async def stop(self, drain_s: float = 10.0) -> None:
        """Stop; in process, the jobs still running first finish (for ``drain_s`` at most, then they are
        cancelled): a job cut off while the services close would leave a database connection behind."""
        if isinstance(self.broker, InMemoryBroker):
            await _drain(self.broker, drain_s)
        await self.broker.shutdown()


async def _drain(broker: InMemoryBroker, drain_s: float) -> None:
    running = broker._running_tasks  # the in-memory broker's own record of what runs (no public one)
    try:
        async with asyncio.timeout(drain_s):
            while running:  # a job may kick another while we wait
                await asyncio.gather(*list(running), return_exceptions=True)
    except TimeoutError:
        for task in list(running):
            task.cancel()
        await asyncio.gather(*list(running), return_exceptions=True)


def services_of(context: Context = TaskiqDepends()) -> Any:
    """A job's services (its dependency: ``services: Any = TaskiqDepends(services_of)``)."""
    return context.state.services
