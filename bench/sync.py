"""Sync: ``hub sync --all`` over the sandbox universe at 20 ms latency: wall time and peak resident memory,
for two universe sizes side by side (memory must stay flat as the universe grows). ``--workers`` (default:
the number of cores) is passed to ``hub sync``; the peak is that of the largest process (a worker's).

``hub sync`` runs as a subprocess under ``bench.peak_rss`` (exact peak from getrusage). The sandbox's
per-credential rate limit is set by ``--rate-limit`` for every provider (trade's own default is 50/s, which
alone would bound 2,000 firms' ~4,600 trade requests at ~90 s); the figure used is printed.

    .venv/bin/python -m bench.sync [--sizes 2000 10000] [--latency-ms 20] [--rate-limit 500] [--workers 2]
        [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass

from bench.harness import (
    HUB_EXECUTABLE,
    argument_parser,
    backend_label,
    prepare_access,
    start_sandboxes,
    workspace,
)
from bench.report import section, table, write_section

GOAL_WALL_S = 60.0
GOAL_SIZE = 2000


@dataclass(frozen=True)
class SyncRun:
    size: int
    returncode: int
    wall_s: float
    peak_rss_mib: float
    upstream_requests: int
    summary: str


async def sync_once(options: argparse.Namespace, size: int) -> SyncRun:
    faults = {"latency_ms": options.latency_ms, "rate_limit_per_s": options.rate_limit}
    async with start_sandboxes(size, faults) as sandboxes, workspace(options, sandboxes.urls) as space:
        # `hub sync --all` refreshes every consented (firm, source): every firm of the universe consents.
        await prepare_access(space.settings(), await sandboxes.credit_codes(size))
        report_file = space.directory / "peak.json"
        log_path = space.directory / "sync.log"
        command = [sys.executable, "-m", "bench.peak_rss", str(report_file), HUB_EXECUTABLE, "sync", "--all"]
        command += [
            "--no-migrate",
            "--concurrency",
            str(options.concurrency),
            "--workers",
            str(options.workers),
        ]
        log = await asyncio.to_thread(log_path.open, "wb")
        with log:
            process = await asyncio.create_subprocess_exec(
                *command, env=space.environment(), stdout=log, stderr=asyncio.subprocess.STDOUT
            )
            await process.wait()
        figures = json.loads(await asyncio.to_thread(report_file.read_text))
        output = await asyncio.to_thread(log_path.read_text, errors="replace")
        upstream = sum((await sandboxes.requests()).values())
    return SyncRun(
        size=size,
        returncode=int(figures["returncode"]),
        wall_s=float(figures["wall_s"]),
        peak_rss_mib=float(figures["peak_rss_mib"]),
        upstream_requests=upstream,
        summary="\n".join(output.strip().splitlines()[-12:]),
    )


async def run(options: argparse.Namespace) -> tuple[str, list[SyncRun]]:
    runs = [await sync_once(options, size) for size in options.sizes]
    rows = [
        [
            f"{run.size:,}",
            f"{run.wall_s:.1f} s",
            f"{run.size / run.wall_s:.0f}",
            f"{run.peak_rss_mib:.0f} MiB",
            f"{run.upstream_requests:,}",
            run.returncode,
        ]
        for run in runs
    ]
    header = ["firms", "wall time", "firms/s", "peak RSS", "upstream requests", "exit code"]
    smallest, largest = runs[0], runs[-1]
    growth = largest.peak_rss_mib / smallest.peak_rss_mib
    lines = [
        table(header, rows),
        "",
        f"Peak memory {largest.size:,} vs {smallest.size:,} firms: {growth:.2f}× "
        f"for {largest.size / smallest.size:.0f}× the firms (goal: flat).",
    ]
    at_goal = next((run for run in runs if run.size == GOAL_SIZE), None)
    if at_goal is not None:
        verdict = "met" if at_goal.wall_s < GOAL_WALL_S and at_goal.returncode == 0 else "NOT met"
        wall = f"{at_goal.wall_s:.1f} s"
        lines.append(
            f"Wall time at {GOAL_SIZE:,} firms with {options.workers} worker(s): {wall} "
            f"(goal < {GOAL_WALL_S:.0f} s: {verdict})."
        )
    conditions = (
        f"sandboxes at {options.latency_ms} ms latency and {options.rate_limit:g} requests/s per credential, "
        f"all five sources, `--workers {options.workers} --concurrency {options.concurrency}` (per worker), "
        f"{backend_label(options)}, "
        "hub sync and sandboxes in separate processes"
    )
    return section("sync", "Bulk sync of the universe", "\n".join(lines), conditions), runs


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000], help="universe sizes")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--rate-limit", type=float, default=500, help="sandbox requests/s per credential")
    parser.add_argument("--concurrency", type=int, default=16, help="hub sync --concurrency (per worker)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="hub sync --workers")
    options = parser.parse_args()
    text, runs = asyncio.run(run(options))
    print(text)
    for finished in runs:
        print(f"\n--- hub sync output, {finished.size} firms (tail) ---\n{finished.summary}")
    if options.write:
        write_section("sync", text)


if __name__ == "__main__":
    main()
