"""The scheduler: every labelled job of the registry plus a refresh per source on its cadence; a tick sent
once however many schedulers run; in the hub process itself on the embedded default."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redis.asyncio import Redis
from taskiq import InMemoryBroker, ScheduledTask
from taskiq.brokers.shared_broker import async_shared_broker
from taskiq.message import BrokerMessage
from taskiq.schedule_sources import LabelScheduleSource

from foundation.settings import Settings
from hub.connections.schedule import DEFAULT_CRON, ClaimingScheduler, RefreshSchedule, load_jobs
from sandbox.control import SandboxControl
from tests.fixtures.backends import REDIS_URL, Backend, require_service
from tests.schema.conftest import Graph, graph_settings, running_graph


class RecordingBroker(InMemoryBroker):
    def __init__(self) -> None:
        super().__init__()
        self.kicked: list[str] = []

    async def kick(self, message: BrokerMessage) -> None:
        self.kicked.append(message.task_name)


async def test_each_source_on_its_cadence_and_every_labelled_job() -> None:
    settings = Settings(refresh_cron={"tax": "0 3 17 * *"})
    refresh = await RefreshSchedule(settings, ("tax", "trade")).get_schedules()
    assert [(task.args, task.cron, task.cron_offset) for task in refresh] == [
        (["tax"], "0 3 17 * *", "Asia/Shanghai"),
        (["trade"], DEFAULT_CRON, "Asia/Shanghai"),
    ]
    assert Settings().refresh_cron["electricity"] == "0 3 6 * *"  # after the monthly bill
    load_jobs()
    labels = LabelScheduleSource(async_shared_broker)
    await labels.startup()
    assert "connections.housekeeping" in {task.task_name for task in await labels.get_schedules()}


async def test_a_tick_is_sent_once_by_any_number_of_schedulers() -> None:
    require_service(REDIS_URL, 6379, "Redis")
    redis: Redis = Redis.from_url(REDIS_URL)
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    brokers = [RecordingBroker(), RecordingBroker()]
    task = ScheduledTask(task_name="refresh.due", labels={}, args=["tax"], kwargs={}, cron="* * * * *")
    # A fixed clock: the two schedulers see the same tick even when the test runs across a minute boundary.
    now = [datetime(2026, 12, 2, 6, 40, 59, 999_000, tzinfo=UTC)]
    try:
        schedulers = [
            ClaimingScheduler(broker, [], redis, namespace, clock=lambda: now[0]) for broker in brokers
        ]
        for scheduler in schedulers:
            await scheduler.on_ready(RefreshSchedule(Settings(), ()), task)
        assert sorted(len(broker.kicked) for broker in brokers) == [0, 1]
        now[0] += timedelta(seconds=1)  # the next minute's tick is a new one, sent once again
        for scheduler in reversed(schedulers):
            await scheduler.on_ready(RefreshSchedule(Settings(), ()), task)
    finally:
        await redis.aclose()
    assert sum(len(broker.kicked) for broker in brokers) == 2


async def test_the_embedded_hub_runs_the_scheduler_itself(
    backend: Backend, tmp_path: Path, clean_sandbox: SandboxControl, engine: object
) -> None:
    settings = graph_settings(backend, tmp_path, clean_sandbox, in_process_scheduler=True)
    async for graph in running_graph(settings):
        assert graph.services.settings.jobs_url == "memory://"
        assert graph.services.scheduling is not None


async def test_a_hub_told_not_to_schedules_nothing(graph: Graph) -> None:
    assert graph.services.settings.in_process_scheduler is False  # the tests' hubs: see Backend.settings
    assert graph.services.scheduling is None
