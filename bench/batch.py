"""Batch: ``enterprises(creditCodes:)`` with 100 codes, cold cache; upstream requests counted at the sandbox.

Each (source, firm) must be fetched once: the first endpoint of every source (the one each firm's fetch
starts with; further pages follow) must see exactly one request per distinct firm. A second batch asks
for 50 firms twice each (100 codes) and must cost the same as 50. Latency is printed beside one firm's
cold full profile measured in the same run. The profile read deadline is lifted (``read_deadline_s``
60 s): this measures the whole cold fetch, which the trade sandbox's 50 req/s limit stretches past the
default 1.5 s (a client would get the slow firms' trade as SOURCE_UNAVAILABLE and then from the cache).

    .venv/bin/python -m bench.batch [--latency-ms 20] [--write]
"""

from __future__ import annotations

import argparse
import time

import httpx

from bench.harness import Stack, argument_parser, backend_label, bench_stack
from bench.queries import batch_query, profile_query
from bench.report import ms, run_and_report, section, table

FIRST_ENDPOINTS = {
    "registry": "/v1/enterprises/{creditCode}",
    "electricity": "/api/v2/accounts",
    "logistics": "/v1/waybills",
    "tax": "/api/tax/v1/taxpayers/{creditCode}/profile",
    "trade": "/open/v1/orders",
}
"""Per source, the endpoint a firm's fetch starts with (sandbox/PROTOCOL.md); paging adds requests to it
only for firms with more than one page, so it is compared with the number of firms on its first page."""


async def run(options: argparse.Namespace) -> str:
    faults = {"latency_ms": options.latency_ms}
    async with (
        bench_stack(
            options, size=2000, consented=301, faults=faults, hub_settings={"read_deadline_s": 60}
        ) as stack,
        httpx.AsyncClient(timeout=300) as http,
    ):
        await stack.query(http, profile_query(), code=stack.codes[300])  # token, pools, imports
        # The listing starts with a core enterprise (many pages); a typical firm is further down.
        single = await timed(stack, http, profile_query(), code=stack.codes[299])
        distinct = await measure(stack, http, stack.codes[100:200])
        twice = await measure(stack, http, stack.codes[200:250] * 2)
    rows = [
        ["one typical firm", 1, ms(single), "", ""],
        ["100 distinct firms", 100, ms(distinct.seconds), distinct.describe(), distinct.errors],
        ["50 firms × 2 (duplicates)", 50, ms(twice.seconds), twice.describe(), twice.errors],
    ]
    header = [
        "query (cold cache)",
        "distinct firms",
        "latency",
        "requests at each source's first endpoint",
        "errors",
    ]
    verdict = "met" if distinct.once_each(100) and twice.once_each(50) else "NOT met"
    body = (
        table(header, rows)
        + f"\n\nEach (source, firm) fetched once: {verdict}. All requests per source, 100 distinct firms: "
        + ", ".join(f"{source} {count}" for source, count in distinct.totals.items())
        + " (paging and per-account requests included). The trade sandbox's rate limit (50 requests/s, "
        "429 with Retry-After) bounds a batch's latency from below at about trade's requests / 50 s."
    )
    conditions = (
        f"sandboxes at {options.latency_ms} ms latency (trade keeps its 50 requests/s limit), full profile "
        f"selection (all five sources) per firm, {backend_label(options)}"
    )
    return section("batch", "Batch of 100 enterprises", body, conditions)


async def timed(stack: Stack, http: httpx.AsyncClient, query: str, **variables: object) -> float:
    started = time.perf_counter()
    answer = await stack.query(http, query, **variables)
    if not answer.clean:
        raise RuntimeError(f"HTTP {answer.status}, errors {answer.error_codes}")
    return time.perf_counter() - started


class BatchResult:
    def __init__(self, seconds: float, by_path: dict[str, dict[str, int]], errors: int) -> None:
        self.seconds = seconds
        self.errors = errors
        self.first = {source: by_path[source].get(path, 0) for source, path in FIRST_ENDPOINTS.items()}
        self.totals = {source: sum(paths.values()) for source, paths in by_path.items()}

    def describe(self) -> str:
        return ", ".join(f"{source} {count}" for source, count in self.first.items())

    def once_each(self, firms: int) -> bool:
        # Paging sources may ask a first endpoint again for page 2, so they may exceed ``firms`` (never
        # fall below it); registry, electricity's accounts and tax have no paging: exactly ``firms``.
        exact = all(self.first[source] == firms for source in ("registry", "electricity", "tax"))
        return exact and all(self.first[source] >= firms for source in ("logistics", "trade"))


async def measure(stack: Stack, http: httpx.AsyncClient, codes: list[str]) -> BatchResult:
    await stack.sandboxes.reset_requests()
    started = time.perf_counter()
    answer = await stack.query(http, batch_query(), codes=codes)
    seconds = time.perf_counter() - started
    if answer.status != 200 or not answer.data:
        raise RuntimeError(f"the batch failed: HTTP {answer.status}, errors {answer.error_codes}")
    return BatchResult(seconds, await stack.sandboxes.requests_by_path(), len(answer.error_codes))


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--latency-ms", type=int, default=20, help="latency of every sandbox response")
    run_and_report("batch", run, parser.parse_args())


if __name__ == "__main__":
    main()
