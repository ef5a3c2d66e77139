"""Soak: a mixed load (profiles, batches, token requests) for N minutes while upstream faults switch on and
off; errors by code, latency percentiles per time window, and the hub's resident memory at start and end.

The load generator is an async httpx loop in this process (``--workers`` concurrent clients); the hub and the
sandboxes run in their own processes. Faults cycle every ``--fault-period`` seconds through
:data:`FAULT_CYCLE`. Each window's row names the faults that were on during it.

    .venv/bin/python -m bench.soak [--minutes 5] [--workers 8] [--fault-period 20] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from bench.harness import Stack, argument_parser, backend_label, bench_stack
from bench.queries import batch_query, profile_query
from bench.report import ms, percentile, rss_mib, section, table, write_section

FAULT_CYCLE: list[tuple[str, str | None, dict[str, object]]] = [
    ("none", None, {}),
    ("tax down", "tax", {"down": True}),
    ("none", None, {}),
    ("30% 503 everywhere", None, {"error_rate": 0.3}),
    ("none", None, {}),
    ("electricity 3 s slow", "electricity", {"latency_ms": 3000}),
]
"""(label, provider or None for all five, fault settings) applied in turn."""
MIX = (("profile", 0.7), ("batch", 0.15), ("token", 0.15))


@dataclass
class Window:
    faults: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)


@dataclass
class Soak:
    stack: Stack
    window_s: float
    started: float = field(default_factory=time.perf_counter)
    windows: dict[int, Window] = field(default_factory=dict)
    fault: str = "none"

    def window(self) -> Window:
        index = int((time.perf_counter() - self.started) // self.window_s)
        window = self.windows.setdefault(index, Window())
        window.faults.add(self.fault)
        return window

    def record(self, latency: float, outcomes: list[str]) -> None:
        window = self.window()
        window.latencies.append(latency)
        window.outcomes.update(outcomes or ["ok"])


async def one_request(soak: Soak, http: httpx.AsyncClient, rng: random.Random) -> None:
    stack = soak.stack
    kind = rng.choices([name for name, _ in MIX], [weight for _, weight in MIX])[0]
    started = time.perf_counter()
    try:
        if kind == "token":
            response = await http.post(
                f"{stack.hub_url}/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(stack.client.client_id, stack.client.client_secret),
            )
            outcomes = [] if response.status_code == 200 else [f"token HTTP {response.status_code}"]
            if response.status_code == 200:
                stack.token = response.json()["access_token"]  # keeps the soak going past a token's TTL
        else:
            if kind == "profile":
                answer = await stack.query(http, profile_query(), code=rng.choice(stack.codes))
            else:
                answer = await stack.query(http, batch_query(), codes=rng.sample(stack.codes, 10))
            outcomes = [f"HTTP {answer.status}"] if answer.status != 200 else []
            outcomes += list(answer.error_codes)
    except httpx.HTTPError as error:
        outcomes = [f"client {type(error).__name__}"]
    soak.record(time.perf_counter() - started, outcomes)


async def switch_faults(soak: Soak, period_s: float, deadline: float) -> None:
    step = 0
    while time.perf_counter() < deadline:
        label, provider, faults = FAULT_CYCLE[step % len(FAULT_CYCLE)]
        await soak.stack.sandboxes.reset_faults()
        if faults:
            await soak.stack.sandboxes.set_faults(provider, **faults)
        soak.fault = label
        step += 1
        await asyncio.sleep(min(period_s, max(0.0, deadline - time.perf_counter())))
    await soak.stack.sandboxes.reset_faults()


async def run(options: argparse.Namespace) -> str:
    duration_s = options.minutes * 60
    # A short cache TTL keeps the upstreams (and so their faults) in play for the whole soak.
    sources = {"ttl_s": options.ttl}
    async with bench_stack(
        options, size=2000, consented=300, faults={"latency_ms": 10}, sources=sources
    ) as stack:
        rss_start = rss_mib(stack.hub.pid)
        soak = Soak(stack, window_s=max(5.0, duration_s / options.windows))
        deadline = soak.started + duration_s
        limits = httpx.Limits(max_connections=options.workers)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:

            async def worker(number: int) -> None:
                rng = random.Random(options.seed + number)
                while time.perf_counter() < deadline:
                    await one_request(soak, http, rng)

            await asyncio.gather(
                switch_faults(soak, options.fault_period, deadline),
                *(worker(number) for number in range(options.workers)),
            )
        rss_end = rss_mib(stack.hub.pid)
    return report(options, soak, rss_start, rss_end)


def report(options: argparse.Namespace, soak: Soak, rss_start: float, rss_end: float) -> str:
    rows = []
    totals: Counter[str] = Counter()
    for index, window in sorted(soak.windows.items()):
        totals.update(window.outcomes)
        errors = sum(count for outcome, count in window.outcomes.items() if outcome != "ok")
        rows.append(
            [
                f"{index * soak.window_s:.0f}-{(index + 1) * soak.window_s:.0f} s",
                ", ".join(sorted(window.faults)),
                len(window.latencies),
                ms(percentile(window.latencies, 0.5)),
                ms(percentile(window.latencies, 0.95)),
                ms(percentile(window.latencies, 0.99)),
                errors,
            ]
        )
    unexpected = {outcome for outcome in totals if outcome.startswith(("HTTP 5", "client", "token"))}
    body = "\n".join(
        [
            table(["window", "faults on", "requests", "p50", "p95", "p99", "errors"], rows),
            "",
            "Outcomes (a request with several field errors counts each): "
            + ", ".join(f"{outcome} {count}" for outcome, count in totals.most_common())
            + ".",
            f"Hub resident memory: {rss_start:.0f} MiB at start, {rss_end:.0f} MiB at the end.",
            "No 5xx, transport errors or failed token requests: "
            + ("met." if not unexpected else f"NOT met ({', '.join(sorted(unexpected))})."),
        ]
    )
    conditions = (
        f"{options.minutes} min, {options.workers} concurrent clients (async httpx), mix "
        + ", ".join(f"{name} {weight:.0%}" for name, weight in MIX)
        + f" (batch = 10 firms), 300 consented firms, cache TTL {options.ttl} s, sandboxes at 10 ms, "
        f"faults switching every "
        f"{options.fault_period:g} s, {backend_label(options)}"
    )
    return section("soak", "Soak: mixed load with faults switching", body, conditions)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--fault-period", type=float, default=20, help="seconds between fault changes")
    parser.add_argument("--windows", type=int, default=10, help="time windows in the report")
    parser.add_argument("--ttl", type=int, default=15, help="seconds a fetched record stays cached")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    text = asyncio.run(run(options))
    print(text)
    if options.write:
        write_section("soak", text)


if __name__ == "__main__":
    main()
