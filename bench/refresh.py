"""Refresh on the job queue: 2,000 consented firms × every source refreshed by ``hub worker`` processes on
the Redis broker, jobs put there by ``hub sync --all --enqueue`` (``refresh.firms`` jobs of 20 firms).

Every firm consents to every source. Several rounds (default 3): the first writes every snapshot and
connection state, the others find the same content (nothing new written, no event). A round's time runs
from the enqueue to the last connection state's attempt of that round; the workers' resident memory is
read after they start and after each round (goal: flat from the second round to the last).

    .venv/bin/python -m bench.refresh [--workers 2] [--concurrency 4] [--latency-ms 20] [--rounds 3]
        [--postgres] [--redis]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.harness import (
    HUB_EXECUTABLE,
    REDIS_URL,
    Workspace,
    argument_parser,
    backend_label,
    prepare_access,
    start_sandboxes,
    stop,
    workspace,
)
from bench.report import rss_mib, run_and_report, section, table
from connectors.catalog import load_catalog
from foundation.storage import create_engine, create_session_factory
from foundation.storage.models import ConnectionState
from hub.cli.worker import READY

SIZE = 2000
GOAL_S = 60.0
ROUND_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Round:
    seconds: float
    pairs: int
    rss_mib: list[float]
    workers_cpu_s: float
    sandbox_cpu_s: float


def cpu_s(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def start_worker(space: Workspace, concurrency: int) -> asyncio.subprocess.Process:
    log = await asyncio.to_thread((space.directory / "workers.log").open, "ab")
    command = [HUB_EXECUTABLE, "worker", "--no-scheduler", "--concurrency", str(concurrency)]
    process = await asyncio.create_subprocess_exec(
        *command, env=space.environment(jobs_url=REDIS_URL), stderr=asyncio.subprocess.PIPE, stdout=log
    )
    log.close()
    assert process.stderr is not None
    said = b""
    async with asyncio.timeout(120):
        while READY.encode() not in said:
            line = await process.stderr.readline()
            if not line:
                raise RuntimeError(f"hub worker exited with {await process.wait()}")
            said = line
    asyncio.get_running_loop().create_task(_drain(process))
    return process


async def _drain(process: asyncio.subprocess.Process) -> None:
    assert process.stderr is not None
    while await process.stderr.readline():
        pass


async def one_round(
    space: Workspace, workers: list[asyncio.subprocess.Process], sandbox_pid: int, expected: int
) -> Round:
    cpu_before = sum(cpu_s(worker.pid) for worker in workers), cpu_s(sandbox_pid)
    engine = create_engine(space.settings())
    sessions = create_session_factory(engine)
    started, clock = datetime.now(UTC), time.perf_counter()
    enqueue = await asyncio.create_subprocess_exec(
        HUB_EXECUTABLE,
        "sync",
        "--no-migrate",
        "--all",
        "--enqueue",
        env=space.environment(jobs_url=REDIS_URL),
        stdout=asyncio.subprocess.DEVNULL,
    )
    if await enqueue.wait() != 0:
        raise RuntimeError("hub sync --enqueue failed")
    query = select(func.count()).where(ConnectionState.last_attempt_at >= started)
    try:
        while True:
            async with sessions() as session:
                done = int((await session.execute(query)).scalar_one())
            if done >= expected:
                break
            if time.perf_counter() - clock > ROUND_TIMEOUT_S:
                raise TimeoutError(f"{done} of {expected} refreshed in {ROUND_TIMEOUT_S:.0f} s")
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()
    seconds = time.perf_counter() - clock
    return Round(
        seconds,
        done,
        [rss_mib(worker.pid) for worker in workers],
        sum(cpu_s(worker.pid) for worker in workers) - cpu_before[0],
        cpu_s(sandbox_pid) - cpu_before[1],
    )


async def run(options: argparse.Namespace) -> str:
    faults = {"latency_ms": options.latency_ms, "rate_limit_per_s": options.rate_limit}
    async with start_sandboxes(SIZE, faults) as sandboxes, workspace(options, sandboxes.urls) as space:
        codes = await sandboxes.credit_codes(SIZE)
        await prepare_access(space.settings(), codes)
        expected = SIZE * len(load_catalog().names)
        workers = [await start_worker(space, options.concurrency) for _ in range(options.workers)]
        try:
            at_start = [rss_mib(worker.pid) for worker in workers]
            rounds = [
                await one_round(space, workers, sandboxes.process.pid, expected)
                for _ in range(options.rounds)
            ]
            upstream = sum((await sandboxes.requests()).values())
        finally:
            for worker in workers:
                await stop(worker)
    rows = [
        [
            label,
            f"{result.seconds:.1f} s",
            f"{result.pairs:,}",
            f"{result.pairs / result.seconds:.0f}",
            " / ".join(f"{mib:.0f}" for mib in result.rss_mib) + " MiB",
            f"{result.workers_cpu_s:.1f} s",
            f"{result.sandbox_cpu_s:.1f} s",
        ]
        for label, result in zip(_labels(len(rounds)), rounds, strict=True)
    ]
    first, second, last = rounds[0], rounds[1], rounds[-1]
    verdict = "met" if first.seconds < GOAL_S else "NOT met"
    growth = max(b / a for a, b in zip(second.rss_mib, last.rss_mib, strict=True))
    body = "\n".join(
        [
            table(
                [
                    "round",
                    "enqueue → last state",
                    "(firm, source)",
                    "per s",
                    "workers' RSS after",
                    "workers' CPU",
                    "sandboxes' CPU",
                ],
                rows,
            ),
            "",
            f"Workers' RSS after start: {' / '.join(f'{mib:.0f}' for mib in at_start)} MiB; "
            f"from the second round to the last at most {growth:.2f}× (goal: flat; the first fills the "
            "process's caches and pools).",
            f"{SIZE:,} firms × {len(load_catalog().names)} sources with {options.workers} workers: "
            f"{first.seconds:.1f} s (goal < {GOAL_S:.0f} s: {verdict}); "
            f"{upstream:,} upstream requests in {len(rounds)} rounds. CPU of workers and sandboxes in the "
            "first round "
            f"{first.workers_cpu_s + first.sandbox_cpu_s:.0f} s: on {os.cpu_count()} idle cores no less "
            f"than {(first.workers_cpu_s + first.sandbox_cpu_s) / (os.cpu_count() or 1):.0f} s.",
        ]
    )
    conditions = (
        f"{SIZE} firms all consenting to every source, sandboxes at {options.latency_ms} ms latency and "
        f"{options.rate_limit:g} requests/s per credential, `hub worker --concurrency {options.concurrency}` "
        f"× {options.workers} on the Redis broker, {backend_label(options)}, workers and sandboxes in "
        "separate processes"
    )
    return section("refresh", "Refresh on the job queue", body, conditions)


def _labels(count: int) -> list[str]:
    return ["1 (new content)", *(f"{number} (unchanged)" for number in range(2, count + 1))]


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--concurrency", type=int, default=4, help="jobs in flight per worker (20 firms a job)"
    )
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="at least 2: the first writes new content")
    parser.add_argument("--rate-limit", type=float, default=500)
    run_and_report("refresh", run, parser.parse_args())


if __name__ == "__main__":
    main()
