"""``hub worker``: runs the jobs of the Redis job queue (``HUB_JOBS_URL=redis://…``), on any machine.

A worker builds the hub's services (as ``hub serve`` does), then runs taskiq's receiver over the queue's
stream, ``--concurrency`` jobs at a time, and (unless ``--no-scheduler``) the scheduler of periodic jobs;
any number of workers may run the scheduler, each tick is sent once (:mod:`hub.connections.schedule`).
A job is acknowledged once it has run: the jobs of a worker killed mid-way are handed to another worker
after ``HUB_JOBS_IDLE_TIMEOUT_S``. On the embedded default (``memory://``) the hub runs its jobs itself and
there is nothing for a worker to do: it refuses to start.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated, Any, Final

import typer
from redis.asyncio import Redis
from taskiq import TaskiqDepends
from taskiq.api import run_receiver_task

from foundation.logging import configure_logging, get_logger
from foundation.settings import Settings
from hub.cache import is_redis
from hub.cli.settings_option import settings_or_exit
from hub.connections.schedule import Scheduling, build_scheduler
from hub.gc_freeze import prepare_collector
from hub.jobs.queue import job, runs_in_process, services_of
from hub.malloc import limit_malloc_arenas
from hub.services import HubServices

READY: Final = "hub worker: ready"
log = get_logger(__name__)


@job(task_name="jobs.nudge")
async def nudge(services: Any = TaskiqDepends(services_of)) -> None:
    """Nothing: its delivery makes a receiver look for jobs of dead workers (see :func:`_reclaim`)."""


async def _reclaim(settings: Settings, redis: Redis) -> None:
    """taskiq-redis hands another worker the unacknowledged jobs of a dead one only after a read that
    brought new messages; on a quiet queue they would wait for the next kick. So while some job has been
    idle past the timeout, kick a :func:`nudge`."""
    namespace = settings.cache_namespace
    idle_ms = int(settings.jobs_idle_timeout_s * 1000)
    while True:
        await asyncio.sleep(max(0.5, settings.jobs_idle_timeout_s / 2))
        try:
            stuck = await redis.xpending_range(
                f"{namespace}:jobs", f"{namespace}:workers", min="-", max="+", count=1, idle=idle_ms
            )
        except Exception as error:  # no stream yet, or Redis away for a moment: try again later
            log.warning("worker_reclaim_check_failed", error=type(error).__name__)
            continue
        if stuck:
            await nudge.kiq()


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", min=1, max=10_000, help="Jobs in flight (default HUB_JOBS_CONCURRENCY)."
        ),
    ] = None,
    scheduler: Annotated[
        bool,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Also run the scheduler of periodic jobs (each tick sent once).",
        ),
    ] = True,
) -> None:
    """Run jobs from the Redis job queue (and the scheduler) until interrupted."""
    limit_malloc_arenas()
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    if not settings.jobs_url.startswith("redis"):
        typer.echo(
            "error: HUB_JOBS_URL is memory://: the hub runs its jobs in process; "
            "set HUB_JOBS_URL=redis://… for workers",
            err=True,
        )
        raise typer.Exit(2)
    asyncio.run(_run(settings, concurrency or settings.jobs_concurrency, scheduler=scheduler))


async def _run(settings: Settings, concurrency: int, *, scheduler: bool) -> None:
    # The broker reads as many jobs at a time as run at once (hub.jobs.queue.build_broker).
    services = await HubServices.start(settings.model_copy(update={"jobs_concurrency": concurrency}))
    assert not runs_in_process(services.jobs.broker)
    # A memory cache is this worker's own: records refreshed into it would only be held until exit.
    services.sources.refresh_cache = is_redis(services.cache)
    prepare_collector()  # as the hub's server does: jobs churn through records as requests do
    redis: Redis = Redis.from_url(settings.jobs_url)
    scheduling = Scheduling(build_scheduler(services, claims=redis)) if scheduler else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    tasks = [
        asyncio.create_task(run_receiver_task(services.jobs.broker, max_async_tasks=concurrency)),
        asyncio.create_task(_reclaim(settings, redis)),
    ]
    try:
        if scheduling is not None:
            scheduling.start()
        typer.echo(READY, err=True)
        await stop.wait()
    finally:
        if scheduling is not None:
            await scheduling.stop()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await redis.aclose()
        await services.close()
