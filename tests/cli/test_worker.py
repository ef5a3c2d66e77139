"""``hub worker`` on the Redis job queue: a worker killed mid-job loses nothing (another finishes its jobs,
exactly once in effect), jobs enqueued by ``hub sync --enqueue``; no worker on the embedded default."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from connectors.config import write_sandbox_sources_file
from foundation.signing_keys import rotate_key_file
from foundation.storage.models import ConnectionState, Snapshot
from hub.cli import app
from hub.cli.worker import READY
from sandbox.control import SandboxControl
from tests.cli.test_sync import consent
from tests.fixtures.backends import REDIS_URL, Backend, require_service
from tests.schema.conftest import FAST

WORKER = [sys.executable, "-c", "from hub.cli import main; main()", "worker", "--concurrency", "4"]
FIRMS = 45  # three jobs (20, 20, 5 firms)
SOURCES = ("registry", "tax")
DRAINS: set[asyncio.Task[None]] = set()


@pytest.fixture
async def queue_env(
    backend: Backend, clean_sandbox: SandboxControl, tmp_path: Path
) -> AsyncIterator[dict[str, str]]:
    require_service(REDIS_URL, 6379, "Redis")
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    key_file = tmp_path / "signing-keys.json"
    rotate_key_file(key_file, token_ttl_s=900)
    env = {
        "HUB_DATABASE_URL": backend.database_url,
        "HUB_CACHE_URL": backend.cache_url,
        "HUB_CACHE_NAMESPACE": namespace,
        "HUB_JOBS_URL": REDIS_URL,
        "HUB_JOBS_IDLE_TIMEOUT_S": "2",
        "HUB_SOURCES_FILE": str(
            write_sandbox_sources_file(tmp_path / "sources.toml", clean_sandbox.urls, **FAST)
        ),
        "HUB_SIGNING_KEY_FILE": str(key_file),
        "HUB_PERSONAL_DATA_KEY_FILE": str(backend.personal_data_key_file),
    }
    yield env
    redis: Redis = Redis.from_url(REDIS_URL)
    async for key in redis.scan_iter(match=f"{namespace}:*"):
        await redis.delete(key)
    await redis.aclose()


async def start_worker(env: dict[str, str]) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        *WORKER, env={**os.environ, **env}, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL
    )
    assert process.stderr is not None
    said: list[str] = []
    async with asyncio.timeout(60):
        async for line in process.stderr:
            said.append(line.decode())
            if READY in said[-1]:
                break
    assert READY in said[-1], "".join(said)
    DRAINS.add(asyncio.create_task(_drain(process)))  # keep its pipe from filling up
    return process


async def _drain(process: asyncio.subprocess.Process) -> None:
    assert process.stderr is not None
    async for _ in process.stderr:
        pass


async def states(sessions: async_sessionmaker[AsyncSession]) -> dict[tuple[str, str], str]:
    async with sessions() as session:
        rows = await session.execute(
            select(ConnectionState.credit_code, ConnectionState.source, ConnectionState.status)
        )
        return {(code, source): status for code, source, status in rows}


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_a_killed_workers_jobs_are_done_by_another(
    queue_env: dict[str, str], clean_sandbox: SandboxControl, sessions: async_sessionmaker[AsyncSession]
) -> None:
    codes = clean_sandbox.credit_codes(FIRMS)
    await consent(sessions, codes, "tax")
    first = await start_worker(queue_env)
    second: asyncio.subprocess.Process | None = None
    try:
        clean_sandbox.set_faults("tax", latency_ms=4000)  # the jobs stay in flight long enough to be killed
        enqueued = await asyncio.to_thread(
            CliRunner().invoke,
            app,
            ["sync", "--no-migrate", "--all", "--enqueue", "--sources", ",".join(SOURCES)],
            env=queue_env,
        )
        assert enqueued.exit_code == 0, enqueued.output
        assert f"enqueued the refresh of {FIRMS} firms" in enqueued.stdout
        deadline = time.monotonic() + 30
        while clean_sandbox.stats("tax")["total"] == 0:  # the first worker has started its jobs
            assert time.monotonic() < deadline, "no job started"
            await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        assert not any(key[1] == "tax" for key in await states(sessions))  # killed before any finished

        clean_sandbox.reset_faults("tax")
        second = await start_worker(queue_env)
        deadline = time.monotonic() + 60
        while len(found := await states(sessions)) < FIRMS * len(SOURCES):
            assert time.monotonic() < deadline, f"only {len(found)} of {FIRMS * len(SOURCES)} refreshed"
            await asyncio.sleep(0.2)
    finally:
        clean_sandbox.reset_faults()
        await stop(first)
        if second is not None:
            await stop(second)

    assert set(found) == {(code, source) for code in codes for source in SOURCES}
    assert set(found.values()) <= {"LINKED", "NOT_FOUND_AT_SOURCE"}
    async with sessions() as session:
        per_pair = await session.execute(
            select(Snapshot.credit_code, Snapshot.source, func.count()).group_by(
                Snapshot.credit_code, Snapshot.source
            )
        )
        assert {count for _, _, count in per_pair} == {1}  # fetched twice for some, stored once


def test_no_worker_on_the_embedded_queue() -> None:
    result = CliRunner().invoke(app, ["worker"], env={"HUB_JOBS_URL": "memory://"})
    assert result.exit_code == 2
    assert "the hub runs its jobs in process" in result.output


def test_enqueue_needs_the_redis_queue() -> None:
    result = CliRunner().invoke(app, ["sync", "--all", "--enqueue"], env={"HUB_JOBS_URL": "memory://"})
    assert result.exit_code == 2
    assert "--enqueue needs HUB_JOBS_URL=redis://" in result.output
