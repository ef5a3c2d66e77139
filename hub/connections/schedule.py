"""The scheduler of periodic jobs: taskiq's, over every scheduled job of the registry.

Two schedule sources: taskiq's :class:`LabelScheduleSource` over the shared broker, so every job declared
``@job(…, schedule=[{"cron": …}])`` anywhere (refresh housekeeping, webhooks, alerts) is picked up, and
:class:`RefreshSchedule`, one ``refresh.due(source)`` per source the hub reads on its cadence from
``HUB_REFRESH_CRON`` (China Standard Time; a source left out: daily at 04:00).

Where it runs: on the embedded default (``memory://``) in the hub process itself (:class:`Scheduling`,
started with the services); on Redis in ``hub worker`` processes (unless ``--no-scheduler``). Any number
of them may run it: each due tick of a schedule is claimed once in Redis (``SET NX`` on the schedule and
the minute) before it is kicked, so the tick is sent by exactly one of them, and another one keeps the
schedule going when one dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from taskiq import AsyncBroker, ScheduledTask, ScheduleSource, TaskiqScheduler
from taskiq.api import run_scheduler_task
from taskiq.brokers.shared_broker import async_shared_broker
from taskiq.schedule_sources import LabelScheduleSource

from foundation.logging import get_logger
from foundation.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from hub.services import HubServices

CRON_TIMEZONE: Final = "Asia/Shanghai"
DEFAULT_CRON: Final = "0 4 * * *"
TICK_CLAIM_TTL_S: Final = 3600
log = get_logger(__name__)


class RefreshSchedule(ScheduleSource):
    """``refresh.due(source)`` per source on its cadence (stable schedule ids: one per source)."""

    def __init__(self, settings: Settings, sources: tuple[str, ...]) -> None:
        self._tasks = [
            ScheduledTask(
                task_name="refresh.due",
                labels={},
                args=[source],
                kwargs={},
                schedule_id=f"refresh.due:{source}",
                cron=settings.refresh_cron.get(source, DEFAULT_CRON),
                cron_offset=CRON_TIMEZONE,
            )
            for source in sources
        ]

    async def get_schedules(self) -> list[ScheduledTask]:
        return list(self._tasks)


class ClaimingScheduler(TaskiqScheduler):
    """Kicks a due tick only once it has claimed it in Redis (none given: one scheduler, no claim)."""

    def __init__(
        self,
        broker: AsyncBroker,
        sources: list[ScheduleSource],
        claims: Redis | None,
        namespace: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(broker, sources)
        self._claims = claims
        self._namespace = namespace
        self._clock = clock

    async def on_ready(self, source: ScheduleSource, task: ScheduledTask) -> None:
        if self._claims is not None:
            minute = self._clock().strftime("%Y%m%d%H%M")
            what = json.dumps([task.task_name, task.args, task.kwargs], sort_keys=True, default=str)
            key = f"{self._namespace}:schedule:{what}:{minute}"
            if not await self._claims.set(key, "1", nx=True, ex=TICK_CLAIM_TTL_S):
                return  # another scheduler sent this tick
        log.info("scheduled_job_kicked", task=task.task_name, args=task.args)
        await super().on_ready(source, task)


def build_scheduler(services: HubServices, claims: Redis | None = None) -> ClaimingScheduler:
    sources: list[ScheduleSource] = [
        LabelScheduleSource(async_shared_broker),
        RefreshSchedule(services.settings, services.sources.sources),
    ]
    return ClaimingScheduler(services.jobs.broker, sources, claims, services.settings.cache_namespace)


def load_jobs() -> None:
    """Import the modules declaring this package's jobs, so the registry (and its label schedules) holds
    them. Other domains' job modules are imported by the services that kick them (both the hub and
    ``hub worker`` build :class:`hub.services.HubServices`)."""
    import hub.connections.jobs  # noqa: F401


class Scheduling:
    """The scheduler running in the background of this process."""

    def __init__(self, scheduler: ClaimingScheduler) -> None:
        self.scheduler = scheduler
        self._task: asyncio.Task[Any] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(run_scheduler_task(self.scheduler), name="hub-scheduler")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
