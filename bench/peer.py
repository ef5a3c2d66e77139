"""Against the peer: the hub beside Hive Gateway (GraphQL Mesh v1) on the same logical query.

The query: a firm's name, legal form, registered capital and its logistics over the last 12 months. The
hub answers it from its registry and logistics sources (``registration`` and ``logistics(months: 12)``,
as ``bench.queries`` selects them). The peer is Hive Gateway serving a supergraph that ``mesh-compose``
built with ``@omnigraph/openapi`` from OpenAPI descriptions, written for the run, of the sandbox's registry
(``GET /v1/enterprises/{creditCode}``) and logistics (``GET /v1/waybills``) endpoints; the providers' API
keys go upstream as static operation headers, and its response cache is on (in memory, or in Redis with
``--redis``). Both ask the same sandbox processes. The npm packages, pinned in ``bench.peer_gateway``, are
installed once into ``~/.cache/hub-bench/peer-…`` (Node 20 or later and npm must be on PATH).

- warm: wrk against each one's GET ``/graphql?query=…`` (the hub with its bearer token), rounds alternating
  three targets: the hub; the gateway with the first page of waybills, every field (200 a page: all of an
  ordinary firm's 12 months); the gateway with only what the hub's answer is computed from (each waybill's
  freight fee: the hub answers their count and their sum). The gateway's answer is checked first to name
  the firm and carry exactly the waybills the hub counts. Memory is read halfway through each run off the
  process that answers (the hub's granian worker, the gateway's node process).
- cold: sandboxes at 50 ms a response, one request at a time, each sample a firm that target has not
  seen; p50/p95 and what is left of p50 after the upstream round trips on the critical path.

    .venv/bin/python -m bench.peer [--rounds 4] [--duration 10] [--cold-samples 40] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx

from bench.harness import (
    Stack,
    argument_parser,
    backend_label,
    bench_stack,
)
from bench.load import LoadResult, run_load, wrk_available
from bench.peer_gateway import (
    NODE_DECLARED_MAJOR,
    NPM_INSTALL,
    PEER_FOLDER,
    PEER_PACKAGES,
    clear_redis,
    install_peer,
    run_command,
    start_gateway,
)
from bench.queries import profile_query
from bench.report import ms, percentile, rss_mib, run_and_report, section, table
from connectors.config import SANDBOX_AS_OF
from foundation.months import window
from sandbox.providers.logistics import MAX_LIMIT as WAYBILL_PAGE

MONTHS = 12
SINCE = window(SANDBOX_AS_OF, MONTHS)[0].isoformat()
"""The first day of the hub's ``logistics(months: 12)`` window over the sandbox's history."""

HUB_QUERY = profile_query(["registry", "logistics"])
FIRST_PAGE = (
    "data { waybillNo shipper { creditCode name } consignee { creditCode name } origin destination "
    "weightKg freightFee shippedAt deliveredAt status } next_cursor"
)
HUB_SIZED = "data { freightFee } next_cursor"


def gateway_query(waybills: str) -> str:
    """The registry's enterprise and the firm's waybills since :data:`SINCE`, two root fields in one query."""
    return (
        "query Peer($code: String!) { "
        "enterprise(creditCode: $code) { creditCode name legalForm registeredCapital } "
        f'waybills(party: $code, since: "{SINCE}", limit: {WAYBILL_PAGE}) {{ {waybills} }} }}'
    )


HUB = "hub"
GATEWAY_PAGE = "gateway, first page of waybills"
GATEWAY_SMALL = "gateway, hub-sized answer"
TARGETS = (HUB, GATEWAY_PAGE, GATEWAY_SMALL)
COLD_WARM_UP = 2
CANDIDATES = 20


# -- the targets and their answers --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One side of the comparison: where and what it is asked, and the process that answers."""

    name: str
    endpoint: str
    query: str
    headers: dict[str, str]
    pid: int

    def url(self, code: str) -> str:
        return f"{self.endpoint}?{urlencode({'query': self.query, 'variables': json.dumps({'code': code})})}"

    async def ask(self, http: httpx.AsyncClient, code: str) -> dict[str, Any]:
        """POST the query for ``code``: the answer's body; a RuntimeError unless HTTP 200 without errors."""
        response = await http.post(
            self.endpoint, json={"query": self.query, "variables": {"code": code}}, headers=self.headers
        )
        body: object = response.json() if response.status_code == 200 else None
        if not isinstance(body, dict) or body.get("errors") or not body.get("data"):
            raise RuntimeError(f"{self.name} ({code}): HTTP {response.status_code} {response.text[:600]}")
        return body


@dataclass(frozen=True)
class HubAnswer:
    name: str
    legal_form: str
    capital_yuan: Decimal
    shipments: int
    freight_yuan: Decimal

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> HubAnswer:
        enterprise = body["data"]["enterprise"]
        registration, logistics = enterprise["registration"], enterprise["logistics"]
        return cls(
            enterprise["name"],
            registration["legalForm"],
            Decimal(registration["registeredCapitalYuan"]),
            int(logistics["shipments"]),
            Decimal(logistics["freightYuan"]),
        )


def check_gateway(target: str, hub: HubAnswer, body: Mapping[str, Any]) -> None:
    """The gateway's answer must be the hub's: the firm's registration and the waybills the hub counts."""
    enterprise, page = body["data"]["enterprise"], body["data"]["waybills"]
    freight = sum((Decimal(item["freightFee"]) for item in page["data"]), Decimal(0))
    pairs = {
        "name": (hub.name, enterprise["name"]),
        "legal form": (hub.legal_form.lower(), str(enterprise["legalForm"]).lower()),
        "registered capital": (hub.capital_yuan, Decimal(enterprise["registeredCapital"])),
        "waybills": (hub.shipments, len(page["data"])),
        "freight": (hub.freight_yuan, freight),
        "next page": (None, page["next_cursor"]),
    }
    problems = [
        f"{label}: hub {ours!r}, gateway {theirs!r}"
        for label, (ours, theirs) in pairs.items()
        if ours != theirs
    ]
    if not hub.name or not page["data"] or problems:
        raise RuntimeError(
            f"{target} does not answer what the hub does: {problems}\n{json.dumps(body)[:1500]}"
        )


async def pick_firm(http: httpx.AsyncClient, hub: Target, codes: Sequence[str]) -> tuple[str, HubAnswer]:
    """The first of ``codes`` with waybills in the window, all on one page (ordinary firms, as a rule)."""
    for code in codes:
        answer = HubAnswer.of(await hub.ask(http, code))
        if 0 < answer.shipments <= WAYBILL_PAGE:
            return code, answer
    raise RuntimeError("no firm with waybills on a single page")


# -- measuring ----------------------------------------------------------------------------------------------


@dataclass
class Warm:
    runs: dict[str, list[LoadResult]] = field(default_factory=lambda: {name: [] for name in TARGETS})
    upstream: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TARGETS, 0))
    rss_mib: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TARGETS, 0.0))
    answer_bytes: dict[str, int] = field(default_factory=dict)


async def measure_warm(
    options: argparse.Namespace, stack: Stack, targets: Sequence[Target], code: str
) -> Warm:
    warm = Warm()
    async with httpx.AsyncClient(timeout=60) as http:
        for target in targets:  # the first fills the caches, the second is the answer wrk will get
            await target.ask(http, code)
            warm.answer_bytes[target.name] = len(
                (await http.get(target.url(code), headers=target.headers)).content
            )
    for target in targets:  # connections, first-use code paths, the JIT
        await run_load(options.generator, target.url(code), target.headers, connections=4, duration_s=1)
    for _ in range(options.rounds):
        for target in targets:
            await stack.sandboxes.reset_requests()
            load = asyncio.create_task(
                run_load(
                    options.generator,
                    target.url(code),
                    target.headers,
                    connections=options.connections,
                    duration_s=options.duration,
                )
            )
            await asyncio.sleep(options.duration / 2)
            warm.rss_mib[target.name] = max(warm.rss_mib[target.name], rss_mib(target.pid))
            warm.runs[target.name].append(await load)
            warm.upstream[target.name] += sum((await stack.sandboxes.requests()).values())
    return warm


@dataclass
class Cold:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in TARGETS})
    requests: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in TARGETS})
    round_trips: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in TARGETS})


async def measure_cold(
    options: argparse.Namespace, stack: Stack, targets: Sequence[Target], codes: Iterator[str]
) -> Cold:
    """One request at a time, a firm new to the target each time, in rotating order."""
    await stack.sandboxes.set_faults(latency_ms=options.latency_ms)
    cold = Cold()
    async with httpx.AsyncClient(timeout=60) as http:
        for target in targets:
            for _ in range(COLD_WARM_UP):
                await target.ask(http, next(codes))
        for sample in range(options.cold_samples):
            shift = sample % len(targets)
            for target in [*targets[shift:], *targets[:shift]]:
                code = next(codes)
                await stack.sandboxes.reset_requests()
                started = time.perf_counter()
                await target.ask(http, code)
                cold.latencies[target.name].append(time.perf_counter() - started)
                by_path = await stack.sandboxes.requests_by_path()
                per_source = [sum(paths.values()) for paths in by_path.values()]
                cold.requests[target.name].append(sum(per_source))
                # Sources are asked side by side, a source's pages one after the other.
                cold.round_trips[target.name].append(max(per_source))
    await stack.sandboxes.reset_faults()
    return cold


async def node_version() -> str:
    return (await run_command(["node", "--version"], 30)).strip()


async def run(options: argparse.Namespace) -> str:
    modules = await install_peer()
    redis_prefix = f"hub-bench-peer-{os.getpid()}-{time.time_ns()}:" if options.redis else None
    async with bench_stack(options, size=2000, consented=2000) as stack:
        try:
            async with start_gateway(stack, modules, redis_prefix) as gateway:
                hub = Target(HUB, f"{stack.hub_url}/graphql", HUB_QUERY, stack.headers, stack.hub.pid)
                page, small = (
                    Target(name, f"{gateway.url}/graphql", gateway_query(selection), {}, gateway.pid)
                    for name, selection in ((GATEWAY_PAGE, FIRST_PAGE), (GATEWAY_SMALL, HUB_SIZED))
                )
                core = set(await stack.sandboxes.credit_codes(2000, core=True))
                ordinary = [code for code in stack.codes if code not in core]
                async with httpx.AsyncClient(timeout=60) as http:
                    code, firm = await pick_firm(http, hub, ordinary[:CANDIDATES])
                    for target in (page, small):
                        check_gateway(target.name, firm, await target.ask(http, code))
                warm = await measure_warm(options, stack, (hub, page, small), code)
                cold = await measure_cold(options, stack, (hub, page, small), iter(ordinary[CANDIDATES:]))
        finally:
            if redis_prefix is not None:
                await clear_redis(redis_prefix)
    return report(options, warm, cold, firm, code, await node_version())


# -- the report ---------------------------------------------------------------------------------------------

CAVEATS = f"""
- The gateway's query asks two root fields (`enterprise`, `waybills`), which it fetches side by side, as
  the hub fetches its two sources; the window is `since: "{SINCE}", limit: {WAYBILL_PAGE}`, one page. The hub
  reads 24 months of waybills, {WAYBILL_PAGE} a page, and computes the 12 months' count and freight itself.
- The gateway authenticates no caller, checks no scope or consent and writes no audit row, and its response
  cache is one for every caller. The hub checks the bearer token, the scopes and the consent on every
  request, keeps its answers per tenant and writes each answer's audit row durably before sending it.
"""


def _mean(runs: Sequence[LoadResult], figure: str) -> float:
    return sum(float(getattr(run, figure)) for run in runs) / len(runs)


def warm_summary(warm: Warm) -> str:
    """The warm table and the hub ÷ gateway ratios of the means over the rounds."""
    rows = [
        [name, number, f"{run.requests_per_s:.0f}", ms(run.p50_s), ms(run.p99_s), run.non_2xx]
        for name, runs in warm.runs.items()
        for number, run in enumerate(runs, 1)
    ]

    def ratio(name: str, figure: str) -> float:
        return _mean(warm.runs[HUB], figure) / _mean(warm.runs[name], figure)

    ratios = "; ".join(
        f"against the {name.removeprefix('gateway, ')}: req/s {ratio(name, 'requests_per_s'):.2f}×, "
        f"p50 {ratio(name, 'p50_s'):.2f}×, p99 {ratio(name, 'p99_s'):.2f}×"
        for name in (GATEWAY_PAGE, GATEWAY_SMALL)
    )
    upstream = ", ".join(f"{name} {count}" for name, count in warm.upstream.items())
    memory = ", ".join(f"{name} {rss:.0f} MiB" for name, rss in warm.rss_mib.items())
    return (
        table(["warm target", "round", "req/s", "p50", "p99", "non-2xx/errors"], rows)
        + f"\n\nHub ÷ gateway (means over the rounds) {ratios}. Upstream requests during the warm runs: "
        + f"{upstream}. Memory halfway through the runs (the process that answers, the most seen): {memory}."
    )


def cold_summary(cold: Cold, latency_ms: int) -> str:
    rows: list[list[object]] = []
    for name in TARGETS:
        p50 = percentile(cold.latencies[name], 0.5)
        trips = round(percentile(cold.round_trips[name], 0.5))
        requests = sum(cold.requests[name]) / len(cold.requests[name])
        p95 = percentile(cold.latencies[name], 0.95)
        rows.append([name, ms(p50), ms(p95), f"{requests:.1f}", trips, ms(p50 - trips * latency_ms / 1000)])
    header = [
        "cold target", "p50", "p95", "upstream requests per query", "round trips (critical path, median)",
        f"p50 − round trips × {latency_ms} ms",
    ]  # fmt: skip
    return table(header, rows)


def report(options: argparse.Namespace, warm: Warm, cold: Cold, firm: HubAnswer, code: str, node: str) -> str:
    versions = ", ".join(f"`{package}` {version}" for package, version in PEER_PACKAGES.items())
    sizes = ", ".join(f"{name} {size} bytes" for name, size in warm.answer_bytes.items())
    peer = (
        f"- The peer: Hive Gateway on Node {node}; packages {versions}, installed by "
        f"`{' '.join(NPM_INSTALL)} --prefix ~/.cache/hub-bench/{PEER_FOLDER.name} <package@version…>`; "
        "composed by `mesh-compose --config-path mesh.config.mjs` from two `loadOpenAPISubgraph` sources "
        "(the OpenAPI descriptions this module writes, the API keys as `operationHeaders`); served by "
        "`NODE_ENV=production hive-gateway supergraph supergraph.graphql --config-path gateway.config.mjs "
        "--fork 1` with `responseCaching: { session: () => null }`."
    )
    if int(node.removeprefix("v").split(".")[0]) < NODE_DECLARED_MAJOR:
        peer += (
            " Some of their dependencies (commander 15, `@whatwg-node/*` 2) declare Node "
            f"{NODE_DECLARED_MAJOR} or later: npm warns, and they ran on this one."
        )
    body = (
        f"{warm_summary(warm)}\n\nThe warm firm, {code}, has {firm.shipments} waybills in {MONTHS} months; "
        f"answers: {sizes}.\n\n{cold_summary(cold, options.latency_ms)}\n\n{peer}\n{CAVEATS.strip()}"
    )
    conditions = (
        f"warm: load generator {options.generator} (1 thread, {options.connections} connections, "
        f"{options.duration} s per run, {options.rounds} round(s) alternating the three targets), "
        "GET /graphql (the hub with a bearer token), one ordinary firm from a warm cache; cold: "
        f"{options.cold_samples} samples per target, one request at a time, a firm new to it each, "
        f"sandboxes at {options.latency_ms} ms latency; the hub on {backend_label(options)} as hub serve "
        "runs it (granian, one worker); the gateway as one node process, its response cache in "
        f"{'Redis' if options.redis else 'memory'}; all on the same machine, asking the same sandboxes"
    )
    title = "Against the peer: Hive Gateway (GraphQL Mesh v1)"
    return section(section_name(options), title, body, conditions)


def section_name(options: argparse.Namespace) -> str:
    return "peer-postgres-redis" if options.postgres and options.redis else "peer"


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured warm run")
    parser.add_argument("--rounds", type=int, default=4, help="warm runs of each target, alternating")
    parser.add_argument("--cold-samples", type=int, default=40, help="cold requests per target")
    parser.add_argument("--latency-ms", type=int, default=50, help="latency of every sandbox response (cold)")
    default_generator = "wrk" if wrk_available() else "httpx"
    parser.add_argument("--generator", choices=["wrk", "httpx"], default=default_generator)
    options = parser.parse_args()
    run_and_report(section_name(options), run, options)


if __name__ == "__main__":
    main()
