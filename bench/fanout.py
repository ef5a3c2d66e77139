"""Fan-out: a full profile (all five sources) against sandboxes with 50 ms latency each, cold cache.

Every sample asks for an ordinary enterprise the hub has not seen (no cache, no snapshot), one request at
a time (core enterprises page through many orders and waybills; the batch benchmark covers them).
Side by side in the same run, in rotating order, it also asks for each source alone (with the registry's
``name``, which every enterprise query reads). The claim is the ratio of the full profile to the slowest
single source: parallel fan-out costs about the slowest upstream, not their sum. The sum of the single
sources is printed beside it: what fetching them one after the other would cost.

    .venv/bin/python -m bench.fanout [--samples 30] [--latency-ms 50] [--write]
"""

from __future__ import annotations

import argparse
import time

import httpx

from bench.harness import argument_parser, backend_label, bench_stack
from bench.queries import SOURCE_SELECTIONS, profile_query
from bench.report import ms, percentile, run_and_report, section, table

GOAL_RATIO = 1.15
WARM_UP = 3


async def run(options: argparse.Namespace) -> str:
    shapes = {"all five": profile_query()}
    shapes |= {source: profile_query([source]) for source in SOURCE_SELECTIONS}
    codes_needed = WARM_UP + options.samples * len(shapes)
    faults = {"latency_ms": options.latency_ms}
    size = max(2000, codes_needed)
    async with bench_stack(options, size=size, consented=size, faults=faults) as stack:
        # Ordinary firms only, for every shape alike: a core enterprise (2% of firms, ~10 pages of orders
        # and waybills) drawn by one shape and not another would measure the firm, not the fan-out.
        core = set(await stack.sandboxes.credit_codes(size, core=True))
        codes = iter([code for code in stack.codes if code not in core][:codes_needed])
        latencies: dict[str, list[float]] = {name: [] for name in shapes}
        upstream_requests: dict[str, int] = dict.fromkeys(shapes, 0)
        async with httpx.AsyncClient(timeout=60) as http:
            for _ in range(WARM_UP):  # the electricity token, connection pools, first-use imports
                await stack.query(http, shapes["all five"], code=next(codes))
            names = list(shapes)
            for sample in range(options.samples):
                rotated = names[sample % len(names) :] + names[: sample % len(names)]
                for name in rotated:
                    await stack.sandboxes.reset_requests()
                    started = time.perf_counter()
                    answer = await stack.query(http, shapes[name], code=next(codes))
                    latencies[name].append(time.perf_counter() - started)
                    if not answer.clean:
                        raise RuntimeError(f"{name}: HTTP {answer.status}, errors {answer.error_codes}")
                    upstream_requests[name] += sum((await stack.sandboxes.requests()).values())
    requests_per_firm = {name: count / options.samples for name, count in upstream_requests.items()}
    return report(options, latencies, requests_per_firm)


def report(options: argparse.Namespace, latencies: dict[str, list[float]], requests: dict[str, float]) -> str:
    singles = [name for name in latencies if name != "all five"]
    p50 = {name: percentile(values, 0.5) for name, values in latencies.items()}
    p95 = {name: percentile(values, 0.95) for name, values in latencies.items()}
    slowest = max(singles, key=lambda name: p50[name])
    rows: list[list[object]] = [
        [name, ms(p50[name]), ms(p95[name]), f"{requests[name]:.1f}"] for name in [*singles, "all five"]
    ]
    rows.append(["sum of the five alone (sequential)", ms(sum(p50[name] for name in singles)), "", ""])
    ratio50, ratio95 = p50["all five"] / p50[slowest], p95["all five"] / p95[slowest]
    verdict = "met" if max(ratio50, ratio95) <= GOAL_RATIO else "NOT met"
    body = (
        table(["query (cold cache)", "p50", "p95", "upstream requests per query"], rows)
        + f"\n\nFull profile / slowest single source ({slowest}): p50 {ratio50:.2f}×, p95 {ratio95:.2f}× "
        f"(goal ≤ {GOAL_RATIO}×: {verdict}). A single upstream round trip is {options.latency_ms} ms; "
        "sources that page or need a token make several sequential round trips."
    )
    conditions = (
        f"{options.samples} cold samples per query, one request at a time, sandboxes at "
        f"{options.latency_ms} ms latency, {backend_label(options)}, hub and sandboxes in separate processes"
    )
    return section("fanout", "Fan-out: full profile vs one upstream", body, conditions)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--samples", type=int, default=30, help="cold requests per query shape")
    parser.add_argument("--latency-ms", type=int, default=50, help="latency of every sandbox response")
    run_and_report("fanout", run, parser.parse_args())


if __name__ == "__main__":
    main()
