"""Keeping the cyclic garbage collector's passes few and short in the long-running hub process."""

from __future__ import annotations

import gc
from typing import Final

SERVING_THRESHOLDS: Final = (10_000, 20, 10)
"""The collector's thresholds while serving (CPython's default: 700, 10, 10).

With the default, a young collection ran every 700 allocations, i.e. every few requests under load, and
moved the objects of the requests in flight (alive then, garbage a moment later) into the older
generations; once those made up a quarter of the old generation, a full collection walked the whole heap
of cached records, 130-250 ms each on this kind of machine. A warm hub made 76-103 full collections in
a 20 s run of wrk, and 85 during the 2,000-firm warm-up of the products benchmark; with these thresholds
1-6, and in A/B runs of that wrk load 14.5k → 16.1k req/s at the same p99 (BENCHMARKS.md, 2026-12-04).
Cycles are still collected: a young collection runs every 10,000 net allocations.
"""


def prepare_collector() -> int:
    """Before serving: move every object alive now (modules, the schema, the app) to the collector's
    permanent generation, so full collections stop walking them, and set :data:`SERVING_THRESHOLDS`;
    returns how many objects are frozen.

    Under warm load the full collections walked the whole import-time heap each time: the p99 latency was
    ~85 ms against ~28 ms with the freeze (throughput bench, BENCHMARKS.md). Call it once the app is
    built, before serving. What is frozen is never collected, so only what lives as long as the process
    may be alive here; garbage already made is collected first.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)
    return gc.get_freeze_count()
