"""Replicas: two hubs on one PostgreSQL + Redis against one, on the same warm query, and what they wait for.

Two ``hub serve`` processes share the workspace's database and cache (as replicas behind a load balancer
would); wrk loads one replica alone (``--connections``), then both at once (half the connections each),
alternating. Reported per run: requests per second (summed over the replicas), p50/p99, the audit rows
per commit, and how often a commit waited for the audit chain's advisory lock (``pg_locks`` sampled every
20 ms: the share of samples with a waiter). On this 2-core machine both replicas share the same cores, so
the ratio says whether anything serialises them (the chain head, the rate buckets, the access version), not
how far more machines would scale. docs/SCALING.md says what is shared and why.

    .venv/bin/python -m bench.replicas [--connections 32] [--duration 10] [--rounds 2] [--write]

It always runs on PostgreSQL + Redis (``--postgres --redis`` are implied).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.harness import Stack, argument_parser, bench_stack, fetch_token, start_hub
from bench.load import LoadResult, run_load, wrk_available
from bench.queries import profile_query
from bench.report import ms, run_and_report, section, table
from foundation.storage import create_engine

LOCK_SAMPLE_S = 0.02
WAITING = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
AUDIT = text("SELECT count(*), count(DISTINCT at) FROM audit_log")


@dataclass(frozen=True)
class Run:
    replicas: int
    round: int
    results: list[LoadResult]
    rows_per_commit: float
    lock_wait_share: float

    @property
    def requests_per_s(self) -> float:
        return sum(result.requests_per_s for result in self.results)

    def row(self) -> list[object]:
        return [
            f"{self.replicas} replica{'s' if self.replicas > 1 else ''}",
            self.round,
            f"{self.requests_per_s:.0f}",
            " / ".join(ms(result.p50_s) for result in self.results),
            " / ".join(ms(result.p99_s) for result in self.results),
            sum(result.non_2xx for result in self.results),
            f"{self.rows_per_commit:.1f}",
            f"{self.lock_wait_share:.0%}",
        ]


async def _audit_counts(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as connection:
        rows, commits = (await connection.execute(AUDIT)).one()
    return int(rows), int(commits)


@contextlib.asynccontextmanager
async def _lock_waits(engine: AsyncEngine) -> AsyncIterator[list[int]]:
    """Samples (waiters on an advisory lock) taken every :data:`LOCK_SAMPLE_S` while the block runs."""
    samples: list[int] = []

    async def sample() -> None:
        async with engine.connect() as connection:
            while True:
                samples.append(int((await connection.execute(WAITING)).scalar_one()))
                await asyncio.sleep(LOCK_SAMPLE_S)

    task = asyncio.create_task(sample())
    try:
        yield samples
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _measure(
    options: argparse.Namespace, engine: AsyncEngine, targets: list[tuple[str, dict[str, str]]], number: int
) -> Run:
    connections = max(options.connections // len(targets), 1)
    before = await _audit_counts(engine)
    async with _lock_waits(engine) as samples:
        results = await asyncio.gather(
            *(
                run_load("wrk", url, headers, connections=connections, duration_s=options.duration)
                for url, headers in targets
            )
        )
    after = await _audit_counts(engine)
    commits = max(after[1] - before[1], 1)
    waited = sum(1 for waiters in samples if waiters) / max(len(samples), 1)
    return Run(len(targets), number, list(results), (after[0] - before[0]) / commits, waited)


async def run(options: argparse.Namespace) -> str:
    if not wrk_available():
        raise SystemExit("bench.replicas needs wrk (apt-get install wrk)")
    options.postgres = options.redis = True
    async with bench_stack(options, size=2000, consented=50) as stack, _second(stack) as second:
        code = stack.codes[0]
        query = urlencode({"query": profile_query(), "variables": json.dumps({"code": code})})
        first = (f"{stack.hub_url}/graphql?{query}", stack.headers)
        other = (f"{second[0]}/graphql?{query}", {"Authorization": f"Bearer {second[1]}"})
        async with httpx.AsyncClient(timeout=60) as http:
            for url, headers in (first, other):
                answer = await http.get(url, headers=headers)
                if answer.status_code != 200 or answer.json().get("errors"):
                    raise RuntimeError(f"the warm query failed: {answer.status_code} {answer.text[:300]}")
        for url, headers in (first, other):  # warm-up: connections, first-use code paths
            await run_load("wrk", url, headers, connections=4, duration_s=1)
        engine = create_engine(stack.workspace.settings())
        try:
            runs = []
            for number in range(1, options.rounds + 1):
                runs.append(await _measure(options, engine, [first], number))
                runs.append(await _measure(options, engine, [first, other], number))
        finally:
            await engine.dispose()
    return report(options, runs)


@contextlib.asynccontextmanager
async def _second(stack: Stack) -> AsyncIterator[tuple[str, str]]:
    """Another ``hub serve`` on the stack's database and cache: its URL and a token of the same client."""
    async with start_hub(stack.workspace) as hub:
        async with httpx.AsyncClient(timeout=30) as http:
            token = await fetch_token(http, hub.url, stack.client)
        yield hub.url, token


def report(options: argparse.Namespace, runs: list[Run]) -> str:
    header = [
        "hubs",
        "round",
        "req/s (sum)",
        "p50",
        "p99",
        "non-2xx/errors",
        "audit rows/commit",
        "lock waits",
    ]
    one = [run.requests_per_s for run in runs if run.replicas == 1]
    two = [run.requests_per_s for run in runs if run.replicas == 2]
    ratio = (sum(two) / len(two)) / (sum(one) / len(one))
    waits = max(run.lock_wait_share for run in runs if run.replicas == 2)
    body = (
        table(header, [run.row() for run in runs])
        + f"\n\nTwo replicas / one (mean req/s): {ratio:.2f}x. The most any two-replica run's audit commits "
        f"waited for the chain's advisory lock: {waits:.0%} of the samples."
    )
    conditions = (
        f"wrk (1 thread per replica, {options.connections} connections in all, {options.duration} s per "
        f"run, {options.rounds} round(s) alternating one and two replicas), GET /graphql with a bearer "
        "token, full profile of one firm from a warm cache, PostgreSQL + Redis, each replica one granian "
        "worker, all on the same machine; lock waits: pg_locks sampled every 20 ms"
    )
    return section("replicas", "Replicas on PostgreSQL + Redis", body, conditions)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, default=2, help="one/two replica pairs, alternating")
    run_and_report("replicas", run, parser.parse_args())


if __name__ == "__main__":
    main()
