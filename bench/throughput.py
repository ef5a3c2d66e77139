"""Warm throughput: the same full-profile query answered from cache under concurrent load, beside a bare
starlette endpoint returning the same JSON bytes (the ceiling: uvicorn's pure-Python HTTP, as issue 7's
goal was set; ``bench.serving`` measures against a bare app on the hub's own server), each in its own process.

The query is sent once first so every source is cached; during the measured run no upstream is asked
(checked at the sandboxes). The load generator is wrk when installed (``--generator httpx`` otherwise).
Rounds alternate hub and ceiling so both see the same machine conditions.

    .venv/bin/python -m bench.throughput [--connections 32] [--duration 10] [--rounds 2] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import text

from bench.harness import Stack, argument_parser, backend_label, bench_stack, free_port, start_server
from bench.load import LoadResult, run_load, wrk_available
from bench.queries import profile_query
from bench.report import ms, rss_mib, run_and_report, section, table
from foundation.storage import create_engine, create_session_factory
from hub.cache import build_cache
from hub.sources.reader import SourceReader

GOAL_SHARE = 0.5


FIRMS = ("typical firm", "core enterprise")


async def run(options: argparse.Namespace) -> str:
    async with bench_stack(options, size=2000, consented=2000) as stack:
        core = (await stack.sandboxes.credit_codes(1, core=True))[0]
        typical = next(code for code in stack.codes if code != core)
        rows: list[list[object]] = []
        shares: dict[str, float] = {}
        notes: list[str] = []
        generator = options.generator
        for firm, code in zip(FIRMS, (typical, core), strict=True):
            measured = await measure(options, stack, code)
            rows += measured.rows(firm)
            shares[firm] = measured.share
            notes.append(
                f"{firm} ({code}): answer {measured.body_bytes} bytes, cached records "
                f"{measured.cached_kib:.0f} KiB, upstream requests during the runs {measured.upstream}, "
                f"hub memory {measured.rss[0]:.0f} → {measured.rss[1]:.0f} MiB{measured.cpu_note()}"
            )
    return report(options, generator, rows, shares, notes)


@dataclass
class Measured:
    results: dict[str, list[LoadResult]]
    upstream: int
    rss: tuple[float, float]
    body_bytes: int
    cached_kib: float
    cpu: list[tuple[float, float, float]]

    def cpu_note(self) -> str:
        """Hub CPU per request (all threads; the event-loop thread) and audit rows per commit, averaged."""
        if not self.cpu:
            return ""
        total, loop, rows = (sum(run[i] for run in self.cpu) / len(self.cpu) for i in range(3))
        return (
            f", hub CPU per request {total * 1e6:.0f} µs ({loop * 1e6:.0f} µs on the event-loop thread), "
            f"audit rows per commit {rows:.1f}"
        )

    @property
    def share(self) -> float:
        hub = sum(result.requests_per_s for result in self.results["hub"])
        return hub / sum(result.requests_per_s for result in self.results["ceiling"])

    def rows(self, firm: str) -> list[list[object]]:
        rows: list[list[object]] = []
        pairs = zip(self.results["hub"], self.results["ceiling"], strict=True)
        for round_number, (hub, ceiling) in enumerate(pairs, 1):
            for name, result in (("hub", hub), ("bare starlette", ceiling)):
                rows.append(
                    [
                        firm,
                        round_number,
                        name,
                        f"{result.requests_per_s:.0f}",
                        ms(result.p50_s),
                        ms(result.p99_s),
                        result.requests,
                        result.non_2xx,
                    ]
                )
        return rows


async def measure(options: argparse.Namespace, stack: Stack, code: str) -> Measured:
    query_string = urlencode({"query": profile_query(), "variables": json.dumps({"code": code})})
    hub_url = f"{stack.hub_url}/graphql?{query_string}"
    async with httpx.AsyncClient(timeout=60, headers=stack.headers) as http:
        await http.get(hub_url)  # fills the cache
        answer = await http.get(hub_url)
    if answer.status_code != 200 or answer.json().get("errors"):
        raise RuntimeError(f"the warm query failed: HTTP {answer.status_code} {answer.text[:500]}")
    cached_kib = await cached_record_kib(stack, code)
    body_file = stack.workspace.directory / "answer.json"
    await asyncio.to_thread(body_file.write_bytes, answer.content)
    port = free_port()
    # The ceiling of issue 7's goal: uvicorn's pure-Python HTTP (bench.serving sets the hub's own server's).
    command = [
        sys.executable, "-m", "bench.ceiling", "--port", str(port), "--body", str(body_file),
        "--server", "uvicorn-h11",
    ]  # fmt: skip
    results: dict[str, list[LoadResult]] = {"hub": [], "ceiling": []}
    cpu: list[tuple[float, float, float]] = []  # per hub run: CPU s/request (all, loop thread), rows/commit
    async with start_server(command, port, stack.workspace.directory / "ceiling.log") as ceiling:
        targets = {"hub": hub_url, "ceiling": f"{ceiling.url}/graphql?{query_string}"}
        for url in targets.values():  # warm-up: connections, first-use code paths
            await run_load(options.generator, url, stack.headers, connections=4, duration_s=1)
        await stack.sandboxes.reset_requests()
        rss_before = rss_mib(stack.hub.pid)
        for _ in range(options.rounds):
            for target, url in targets.items():
                profiler = await _start_py_spy(options, stack.hub.pid, code) if target == "hub" else None
                cpu_before = _thread_cpu_s(stack.hub.pid) if target == "hub" else None
                audit_before = await _audit_rows_and_groups(stack) if target == "hub" else None
                result = await run_load(
                    options.generator,
                    url,
                    stack.headers,
                    connections=options.connections,
                    duration_s=options.duration,
                )
                results[target].append(result)
                if cpu_before is not None and audit_before is not None:
                    cpu_after = _thread_cpu_s(stack.hub.pid)
                    audit_after = await _audit_rows_and_groups(stack)
                    requests = max(result.requests, 1)
                    cpu.append(
                        (
                            (sum(cpu_after.values()) - sum(cpu_before.values())) / requests,
                            (cpu_after[stack.hub.pid] - cpu_before[stack.hub.pid]) / requests,
                            (audit_after[0] - audit_before[0]) / max(audit_after[1] - audit_before[1], 1),
                        )
                    )
                if profiler is not None:
                    profiler.send_signal(signal.SIGINT)
                    await profiler.wait()
        rss_after = rss_mib(stack.hub.pid)
    upstream = sum((await stack.sandboxes.requests()).values())
    return Measured(results, upstream, (rss_before, rss_after), len(answer.content), cached_kib, cpu)


def _thread_cpu_s(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each thread of ``pid``, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        seconds[int(task.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


async def _audit_rows_and_groups(stack: Stack) -> tuple[int, int]:
    """Audit rows and commits so far (a group commit gives its rows one timestamp), SQLite only."""
    settings = stack.workspace.settings()
    if not settings.uses_sqlite:
        return 0, 0
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            rows, groups = (
                await connection.execute(text("SELECT count(*), count(DISTINCT at) FROM audit_log"))
            ).one()
    finally:
        await engine.dispose()
    return int(rows), int(groups)


async def _start_py_spy(
    options: argparse.Namespace, pid: int, code: str
) -> asyncio.subprocess.Process | None:
    """``--py-spy DIR``: sample the hub process during its runs (a speedscope file per firm and round)."""
    if options.py_spy is None:
        return None
    options.py_spy.mkdir(parents=True, exist_ok=True)
    output = options.py_spy / f"hub-{code}-{time.strftime('%H%M%S')}.speedscope.json"
    command = ["py-spy", "record", "--pid", str(pid), "--rate", "250", "--format", "speedscope"]
    return await asyncio.create_subprocess_exec(
        *command,
        "--output",
        str(output),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def cached_record_kib(stack: Stack, code: str) -> float:
    """Size of the five records the hub decodes from its cache for each answer (their JSON form)."""
    settings = stack.workspace.settings()
    engine = create_engine(settings)
    cache = build_cache(settings, namespace=f"{settings.cache_namespace}-sizes")
    reader = SourceReader.create(settings, create_session_factory(engine), cache)
    try:
        sizes = [
            len(json.dumps((await reader.get(source, code)).record.model_dump(mode="json")))
            for source in reader.sources
        ]
    finally:
        await reader.aclose()
        await cache.close()
        await engine.dispose()
    return sum(sizes) / 1024


def report(
    options: argparse.Namespace,
    generator: str,
    rows: list[list[object]],
    shares: dict[str, float],
    notes: list[str],
) -> str:
    verdicts = ", ".join(
        f"{firm} {share:.0%} ({'met' if share >= GOAL_SHARE else 'NOT met'})"
        for firm, share in shares.items()
    )
    header = ["firm", "round", "server", "req/s", "p50", "p99", "requests", "non-2xx/errors"]
    body = (
        table(header, rows)
        + f"\n\nHub throughput / ceiling (goal ≥ {GOAL_SHARE:.0%}): {verdicts}.\n\n"
        + "\n".join(f"- {note}" for note in notes)
    )
    conditions = (
        f"load generator {generator} (1 thread, {options.connections} connections, "
        f"{options.duration} s per run, {options.rounds} round(s) alternating hub and ceiling), GET /graphql "
        f"with a bearer token, full profile (all five sources) from a warm cache, "
        f"{backend_label(options)}, the hub as hub serve runs it (granian), the ceiling on uvicorn (h11), "
        "one worker each, all on the same machine"
    )
    return section("throughput", "Warm throughput vs a bare starlette ceiling", body, conditions)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, default=2, help="hub/ceiling pairs, alternating")
    default_generator = "wrk" if wrk_available() else "httpx"
    parser.add_argument("--generator", choices=["wrk", "httpx"], default=default_generator)
    parser.add_argument(
        "--py-spy",
        type=Path,
        default=None,
        help="profile the hub with py-spy during its runs into this folder",
    )
    run_and_report("throughput", run, parser.parse_args())


if __name__ == "__main__":
    main()
