"""Soak: a mixed load (profiles, batches, token requests) for N minutes while upstream faults switch on and
off; errors by code, latency percentiles and the hub's resident memory per time window (so a reader sees
whether memory levels off), and its resident memory at start and end.

The load generator is an async httpx loop in this process (``--workers`` concurrent clients); the hub and the
sandboxes run in their own processes. Faults cycle every ``--fault-period`` seconds through
:data:`FAULT_CYCLE`. Each window's row names the faults that were on during it.

    .venv/bin/python -m bench.soak [--minutes 5] [--workers 8] [--fault-period 20] [--write]

To find what grows: ``--trace-dir DIR`` runs the hub under tracemalloc and writes a report every
``--trace-every`` seconds to DIR (Python-level memory, the allocation sites grown most since the first
report and since the previous one, object counts by type, glibc's heaps (in use and free), SQLite's own
memory, and resident memory before and after ``malloc_trim``). ``--malloc-arena-max N`` sets
``MALLOC_ARENA_MAX`` for the hub, to tell fragmentation of glibc's per-thread arenas from growth of live
objects: with SQLite, every pooled connection has its own thread, and so its own arena by default.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import random
import sys
import threading
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.harness import HUB_EXECUTABLE, Stack, argument_parser, backend_label, bench_stack
from bench.queries import batch_query, profile_query
from bench.report import ms, percentile, rss_mib, run_and_report, section, table

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
RSS_SAMPLE_S = 1.0
"""How often the hub's resident memory is read; each window reports its last sample."""


@dataclass
class Window:
    faults: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    rss_mib: list[float] = field(default_factory=list)


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


async def sample_rss(soak: Soak, deadline: float) -> None:
    """The hub's resident memory every :data:`RSS_SAMPLE_S`, into the window it was read in."""
    while time.perf_counter() < deadline:
        soak.window().rss_mib.append(rss_mib(soak.stack.hub.pid))
        await asyncio.sleep(min(RSS_SAMPLE_S, max(0.0, deadline - time.perf_counter())))


def hub_launcher(options: argparse.Namespace) -> list[str]:
    """The hub CLI itself, or (``--trace-dir``) this module's :func:`traced_hub` in front of it."""
    if options.trace_dir is None:
        return [HUB_EXECUTABLE]
    call = (
        f"from bench.soak import traced_hub; traced_hub({str(options.trace_dir)!r}, {options.trace_every!r})"
    )
    return [sys.executable, "-c", call]


async def run(options: argparse.Namespace) -> str:
    duration_s = options.minutes * 60
    # A short cache TTL keeps the upstreams (and so their faults) in play for the whole soak.
    sources = {"ttl_s": options.ttl}
    arenas = {"MALLOC_ARENA_MAX": str(options.malloc_arena_max)} if options.malloc_arena_max else None
    async with bench_stack(
        options,
        size=2000,
        consented=300,
        faults={"latency_ms": 10},
        sources=sources,
        hub_launcher=hub_launcher(options),
        hub_environment=arenas,
        hub_settings={"read_deadline_s": options.read_deadline},
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
                sample_rss(soak, deadline),
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
                f"{window.rss_mib[-1]:.0f} MiB" if window.rss_mib else "-",
            ]
        )
    unexpected = {outcome for outcome in totals if outcome.startswith(("HTTP 5", "client", "token"))}
    # The last window is cut short by the end of the run: its requests are those still in flight.
    full = [window for _, window in sorted(soak.windows.items())][:-1] or list(soak.windows.values())
    worst_p99 = max(percentile(window.latencies, 0.99) for window in full if window.latencies)
    bound = options.read_deadline + 0.5
    header = ["window", "faults on", "requests", "p50", "p95", "p99", "errors", "hub RSS at end"]
    body = "\n".join(
        [
            table(header, rows),
            "",
            "Outcomes (a request with several field errors counts each): "
            + ", ".join(f"{outcome} {count}" for outcome, count in totals.most_common())
            + ".",
            f"Hub resident memory: {rss_start:.0f} MiB at start, {rss_end:.0f} MiB at the end"
            + levelling(soak)
            + ".",
            "No 5xx, transport errors or failed token requests: "
            + ("met." if not unexpected else f"NOT met ({', '.join(sorted(unexpected))})."),
            f"p99 of every full window ≤ the read deadline + 0.5 s ({bound:g} s): worst {ms(worst_p99)}, "
            + ("met." if worst_p99 <= bound else "NOT met."),
        ]
    )
    arenas = f", MALLOC_ARENA_MAX={options.malloc_arena_max}" if options.malloc_arena_max else ""
    conditions = (
        f"{options.minutes} min, {options.workers} concurrent clients (async httpx), mix "
        + ", ".join(f"{name} {weight:.0%}" for name, weight in MIX)
        + f" (batch = 10 firms), 300 consented firms, cache TTL {options.ttl} s, sandboxes at 10 ms, "
        f"faults switching every {options.fault_period:g} s, read deadline {options.read_deadline:g} s, "
        f"{backend_label(options)}{arenas}"
    )
    return section("soak", "Soak: mixed load with faults switching", body, conditions)


def levelling(soak: Soak) -> str:
    """Growth over the first and the second half of the run, from the windows' last samples."""
    samples = [window.rss_mib[-1] for _, window in sorted(soak.windows.items()) if window.rss_mib]
    if len(samples) < 3:
        return ""
    middle = len(samples) // 2
    first, second = samples[middle] - samples[0], samples[-1] - samples[middle]
    return f" (+{first:.0f} MiB over the first half of the windows, {second:+.0f} MiB over the second)"


def traced_hub(directory: str, every_s: float, frames: int = 1) -> None:
    """Run the hub CLI (``hub serve ...`` from this process's arguments) under tracemalloc keeping
    ``frames`` frames per allocation, with a thread that writes a memory report to ``directory`` every
    ``every_s`` seconds (see the module docstring)."""
    tracemalloc.start(frames)
    from hub.cli import main as hub_main

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    thread = threading.Thread(target=_trace_reports, args=(out, every_s), name="soak-trace", daemon=True)
    thread.start()
    sys.argv = ["hub", *sys.argv[1:]]
    hub_main()


def _trace_reports(out: Path, every_s: float) -> None:
    ignore = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
        tracemalloc.Filter(False, __file__),
    ]
    libc = ctypes.CDLL("libc.so.6")
    started = time.monotonic()
    first: tracemalloc.Snapshot | None = None
    first_types: Counter[str] = Counter()
    previous: tracemalloc.Snapshot | None = None
    number = 0
    while True:
        time.sleep(every_s)
        number += 1
        snapshot = tracemalloc.take_snapshot().filter_traces(ignore)
        types = Counter(type(thing).__qualname__ for thing in gc.get_objects())
        current, peak = tracemalloc.get_traced_memory()
        heap = _MallInfo2.read(libc)
        before_trim = rss_mib()
        libc.malloc_trim(0)
        lines = [
            f"report {number} at {time.monotonic() - started:.0f} s",
            f"traced (Python) memory {current / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB, "
            f"tracemalloc's own {tracemalloc.get_tracemalloc_memory() / 2**20:.1f} MiB; "
            f"gc objects {types.total()}; threads {threading.active_count()}",
            f"RSS {before_trim:.1f} MiB, after malloc_trim {rss_mib():.1f} MiB; malloc: {heap.describe()}; "
            f"SQLite {_sqlite_memory()}",
        ]
        if first is None:
            first, first_types = snapshot, types
        else:
            lines += ["", "Grown most since report 1 (by line):"]
            lines += [str(stat) for stat in snapshot.compare_to(first, "lineno")[:25]]
            if previous is not None:
                lines += ["", "Grown most since the previous report (by line):"]
                lines += [str(stat) for stat in snapshot.compare_to(previous, "lineno")[:15]]
            lines += ["", "Object counts grown most since report 1:"]
            grown = sorted(((types[name] - first_types[name], name) for name in types), reverse=True)
            lines += [f"{count:+8d} {name}" for count, name in grown[:20]]
            if tracemalloc.get_traceback_limit() > 1:
                lines += ["", "Grown most since report 1 (by traceback):"]
                for stat in snapshot.compare_to(first, "traceback")[:8]:
                    lines += [str(stat), *(f"    {frame}" for frame in stat.traceback.format())]
        previous = snapshot
        (out / f"trace-{number:03d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


class _MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2`` (all arenas; sizes in bytes)."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
            "keepcost",
        )
    ]  # fmt: skip

    @classmethod
    def read(cls, libc: ctypes.CDLL) -> _MallInfo2:
        libc.mallinfo2.restype = cls
        info: _MallInfo2 = libc.mallinfo2()
        return info

    def describe(self) -> str:
        mib = 2**20
        return (
            f"heaps {self.arena / mib:.1f} MiB ({self.uordblks / mib:.1f} in use, "
            f"{self.fordblks / mib:.1f} free in {self.ordblks} chunks), "
            f"mmapped {self.hblkhd / mib:.1f} MiB in {self.hblks} blocks"
        )


def _sqlite_memory() -> str:
    """What SQLite's allocator holds now and at most (all connections of the process)."""
    try:
        sqlite = ctypes.CDLL("libsqlite3.so.0")
    except OSError:
        return "unknown"
    sqlite.sqlite3_memory_used.restype = sqlite.sqlite3_memory_highwater.restype = ctypes.c_int64
    used, highest = sqlite.sqlite3_memory_used(), sqlite.sqlite3_memory_highwater(0)
    return f"{used / 2**20:.1f} MiB (highest {highest / 2**20:.1f} MiB)"


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--fault-period", type=float, default=20, help="seconds between fault changes")
    parser.add_argument("--windows", type=int, default=10, help="time windows in the report")
    parser.add_argument("--ttl", type=int, default=15, help="seconds a fetched record stays cached")
    parser.add_argument(
        "--read-deadline", type=float, default=1.5, help="the hub's HUB_READ_DEADLINE_S (its default)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--trace-dir", type=Path, default=None, help="run the hub under tracemalloc, reports here"
    )
    parser.add_argument("--trace-every", type=float, default=60, help="seconds between tracemalloc reports")
    parser.add_argument(
        "--trace-frames", type=int, default=1, help="frames kept per allocation (more is much slower)"
    )
    parser.add_argument("--malloc-arena-max", type=int, default=None, help="MALLOC_ARENA_MAX for the hub")
    run_and_report("soak", run, parser.parse_args())


if __name__ == "__main__":
    main()
