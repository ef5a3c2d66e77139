"""The job queue on both brokers: a job declared once runs with the process's services, in process on the
in-memory broker and on a receiver (what ``hub worker`` runs) from a Redis stream."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from taskiq import TaskiqDepends

from foundation.settings import Settings
from hub.jobs.queue import JobQueue, build_broker, job, runs_in_process, services_of
from tests.fixtures.backends import REDIS_URL, require_service
from tests.fixtures.jobs import receiving

SEEN: dict[str, list[str]] = {}


@job(task_name="tests.remember")
async def remember(key: str, value: str, services: Any = TaskiqDepends(services_of)) -> str:
    SEEN.setdefault(key, []).append(f"{services['name']}:{value}")
    return value


async def wait_for(key: str, count: int) -> list[str]:
    for _ in range(200):
        if len(SEEN.get(key, [])) >= count:
            return SEEN[key]
        await asyncio.sleep(0.02)
    raise AssertionError(f"{key}: {SEEN.get(key)}")


async def test_in_memory_jobs_run_in_process_with_the_services() -> None:
    queue = JobQueue(build_broker(Settings(jobs_url="memory://")))
    assert runs_in_process(queue.broker)
    await queue.start({"name": "hub"})
    try:
        key = uuid.uuid4().hex
        await remember.kiq(key, "a")
        assert await wait_for(key, 1) == ["hub:a"]
    finally:
        await queue.stop()


async def test_redis_stream_jobs_run_on_a_receiver() -> None:
    require_service(REDIS_URL, 6379, "Redis")
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    settings = Settings(jobs_url=REDIS_URL, cache_namespace=namespace)
    kicker = JobQueue(build_broker(settings))
    worker = JobQueue(build_broker(settings))
    assert not runs_in_process(kicker.broker)
    await kicker.start({"name": "hub"})
    await worker.start({"name": "worker"})
    try:
        async with receiving(worker.broker, settings):
            key = uuid.uuid4().hex
            await remember.kiq(key, "b")
            assert await wait_for(key, 1) == ["worker:b"]
    finally:
        await kicker.stop()
        await worker.stop()


@job(task_name="tests.remember_slowly")
async def remember_slowly(key: str, services: Any = TaskiqDepends(services_of)) -> None:
    await asyncio.sleep(0.05)
    SEEN.setdefault(key, []).append(services["name"])


async def test_workers_share_a_burst_of_jobs() -> None:
    """A worker claims from the stream only as many jobs as it runs at once: a burst kicked before any
    worker reads is shared, not taken whole by the first to read."""
    require_service(REDIS_URL, 6379, "Redis")
    settings = Settings(
        jobs_url=REDIS_URL, cache_namespace=f"test-{uuid.uuid4().hex[:8]}", jobs_concurrency=1
    )
    kicker, first, second = (JobQueue(build_broker(settings)) for _ in range(3))
    await kicker.start({"name": "hub"})
    await first.start({"name": "first"})
    await second.start({"name": "second"})
    key = uuid.uuid4().hex
    try:
        for _ in range(8):
            await remember_slowly.kiq(key)
        async with receiving(first.broker, settings, 1), receiving(second.broker, settings, 1):
            ran = await wait_for(key, 8)
        assert set(ran) == {"first", "second"}, ran
    finally:
        for queue in (kicker, first, second):
            await queue.stop()


def test_a_jobs_url_of_another_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="jobs URL"):
        Settings(jobs_url="amqp://127.0.0.1")
