"""Against the peer: the hub beside Hive Gateway (GraphQL Mesh v1) on the same logical query.

The query: a firm's name, legal form, registered capital and its logistics over the last 12 months. The
hub answers it from its registry and logistics sources (``registration`` and ``logistics(months: 12)``,
as ``bench.queries`` selects them). The peer is Hive Gateway serving a supergraph that ``mesh-compose``
built with ``@omnigraph/openapi`` from OpenAPI descriptions, written for the run, of the sandbox's registry
(``GET /v1/enterprises/{creditCode}``) and logistics (``GET /v1/waybills``) endpoints; the providers' API
keys go upstream as static operation headers, and its response cache is on (in memory, or in Redis with
``--redis``). Both ask the same sandbox processes. The npm packages, pinned below, are installed once into
``~/.cache/hub-bench/peer-…`` (Node 20 or later and npm must be on PATH).

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
import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from redis.asyncio import Redis

from bench.harness import (
    REDIS_URL,
    Server,
    Stack,
    argument_parser,
    backend_label,
    bench_stack,
    free_port,
    start_server,
)
from bench.load import LoadResult, run_load, wrk_available
from bench.queries import profile_query
from bench.report import ms, percentile, rss_mib, run_and_report, section, table
from connectors.config import SANDBOX_AS_OF
from foundation.months import window
from sandbox.providers.logistics import API_KEY as LOGISTICS_API_KEY
from sandbox.providers.logistics import MAX_LIMIT as WAYBILL_PAGE
from sandbox.providers.registry import API_KEY as REGISTRY_API_KEY

GATEWAY_VERSION = "2.15.1"  # @graphql-hive/gateway
COMPOSE_CLI_VERSION = "1.8.2"  # @graphql-mesh/compose-cli
OPENAPI_VERSION = "0.112.4"  # @omnigraph/openapi
GRAPHQL_VERSION = "16.15.0"  # graphql, the peer dependency of all three
PEER_PACKAGES = {
    "@graphql-hive/gateway": GATEWAY_VERSION,
    "@graphql-mesh/compose-cli": COMPOSE_CLI_VERSION,
    "@omnigraph/openapi": OPENAPI_VERSION,
    "graphql": GRAPHQL_VERSION,
}
PEER_FOLDER = Path("~/.cache/hub-bench").expanduser() / (
    f"peer-gateway{GATEWAY_VERSION}-compose{COMPOSE_CLI_VERSION}-openapi{OPENAPI_VERSION}-graphql{GRAPHQL_VERSION}"
)
NPM_INSTALL = ["npm", "install", "--no-audit", "--no-fund", "--save-exact"]
INSTALL_TIMEOUT_S = 900.0
INSTALLED_MARKER = "installed.json"
NODE_DECLARED_MAJOR = 22  # what the newest of the pinned packages' dependencies declare

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


# -- installing and starting the peer -----------------------------------------------------------------------


async def _run(command: Sequence[str], timeout_s: float, cwd: Path | None = None) -> str:
    """Run ``command`` to its end; its output, or a RuntimeError with the output's tail."""
    process = await asyncio.create_subprocess_exec(
        *command, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise RuntimeError(f"{command[0]} did not finish within {timeout_s:.0f} s: {command}") from None
    text = output.decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}:\n{text[-3000:]}")
    return text


def _installed(folder: Path) -> bool:
    """Whether an install of exactly :data:`PEER_PACKAGES` finished in ``folder`` (its marker says so)."""
    marker = folder / INSTALLED_MARKER
    return marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == PEER_PACKAGES


async def install_peer(folder: Path = PEER_FOLDER) -> Path:
    """The pinned packages in ``folder``, installed on first use and reused after: its node_modules."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not on PATH: the peer benchmark needs Node 20 or later and npm")
    if not await asyncio.to_thread(_installed, folder):
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        specs = [f"{package}@{version}" for package, version in PEER_PACKAGES.items()]
        print(f"installing {', '.join(specs)} into {folder}", file=sys.stderr)
        await _run([*NPM_INSTALL, "--prefix", str(folder), *specs], INSTALL_TIMEOUT_S)
        await asyncio.to_thread((folder / INSTALLED_MARKER).write_text, json.dumps(PEER_PACKAGES), "utf-8")
    return folder / "node_modules"


def _object(properties: Mapping[str, Any], *optional: str) -> dict[str, Any]:
    """A JSON schema object whose properties are all required but the ``optional`` ones."""
    return {
        "type": "object",
        "properties": dict(properties),
        "required": [name for name in properties if name not in optional],
    }


def _enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


DECIMAL = {"type": "string", "description": "a decimal string, two places for money"}
TEXT = {"type": "string"}
DAY = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "YYYY-MM-DD"}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {**TIME, "nullable": True}


def registry_openapi(url: str) -> dict[str, Any]:
    """The registry's ``GET /v1/enterprises/{creditCode}`` as the sandbox serves it (sandbox/PROTOCOL.md)."""
    person = _object({"name": TEXT, "idNumber": TEXT, "phone": TEXT})
    shareholder = _object(
        {"kind": _enum("person", "enterprise"), "name": TEXT, "idNumber": TEXT, "creditCode": TEXT,
         "shareRatio": DECIMAL},
        "idNumber", "creditCode",
    )  # fmt: skip
    manager = _object(
        {"name": TEXT, "role": _enum("chairman", "director", "general_manager", "supervisor", "cfo"),
         "idNumber": TEXT}
    )  # fmt: skip
    legal_forms = _enum(
        "limited_liability_company", "joint_stock_company", "sole_proprietorship", "partnership",
        "individual_business", "farmers_cooperative",
    )  # fmt: skip
    enterprise = _object(
        {
            "creditCode": TEXT, "name": TEXT, "legalForm": legal_forms, "registeredCapital": DECIMAL,
            "currency": TEXT, "foundedOn": {"type": "string", "format": "date"}, "industry": TEXT,
            "industryCode": TEXT, "address": TEXT, "status": _enum("active", "revoked", "deregistered"),
            "legalRepresentative": person, "isCore": {"type": "boolean"},
            "shareholders": {"type": "array", "items": shareholder},
            "seniorManagers": {"type": "array", "items": manager},
        }
    )  # fmt: skip
    operation = {
        "operationId": "enterprise",
        "parameters": [{"name": "creditCode", "in": "path", "required": True, "schema": TEXT}],
        "responses": {"200": _json_response("the firm's registration", enterprise)},
    }
    return _document("registry", url, {"/v1/enterprises/{creditCode}": {"get": operation}})


def logistics_openapi(url: str) -> dict[str, Any]:
    """The freight platform's ``GET /v1/waybills`` (party, since, limit, cursor), newest first."""
    party = _object({"creditCode": TEXT, "name": TEXT})
    waybill = _object(
        {
            "waybillNo": TEXT, "shipper": party, "consignee": party, "origin": TEXT, "destination": TEXT,
            "weightKg": DECIMAL, "freightFee": DECIMAL, "shippedAt": TIME, "deliveredAt": NULLABLE_TIME,
            "status": _enum("delivered", "in_transit"),
        },
        "deliveredAt",
    )  # fmt: skip
    page = _object(
        {"data": {"type": "array", "items": waybill}, "next_cursor": {**TEXT, "nullable": True}},
        "next_cursor",
    )
    parameters = [
        {"name": "party", "in": "query", "required": True, "schema": TEXT},
        {"name": "since", "in": "query", "required": False, "schema": DAY},
        {"name": "limit", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": WAYBILL_PAGE, "default": 100}},
        {"name": "cursor", "in": "query", "required": False, "schema": TEXT},
    ]  # fmt: skip
    operation = {
        "operationId": "waybills",
        "parameters": parameters,
        "responses": {"200": _json_response("a page of the party's waybills", page)},
    }
    return _document("logistics", url, {"/v1/waybills": {"get": operation}})


def _json_response(description: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": dict(schema)}}}


def _document(name: str, url: str, paths: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": f"sandbox {name}", "version": "1"},
        "servers": [{"url": url}],
        "paths": dict(paths),
    }


@dataclass(frozen=True)
class PeerFiles:
    """What the run writes for the peer: OpenAPI descriptions, the compose and gateway configs."""

    directory: Path

    @property
    def supergraph(self) -> Path:
        return self.directory / "supergraph.graphql"

    def write(self, modules: Path, urls: Mapping[str, str], cache: Mapping[str, str] | None) -> None:
        self.directory.mkdir()
        # The configs import the packages by name: resolved from here, through this link.
        (self.directory / "node_modules").symlink_to(modules, target_is_directory=True)
        sources = {
            "registry": (registry_openapi(urls["registry"]), {"X-API-Key": REGISTRY_API_KEY}),
            "logistics": (logistics_openapi(urls["logistics"]), {"X-Api-Key": LOGISTICS_API_KEY}),
        }
        subgraphs = []
        for name, (document, headers) in sources.items():
            path = self.directory / f"{name}.openapi.json"
            path.write_text(json.dumps(document, indent=2), encoding="utf-8")
            options = {"source": str(path), "endpoint": urls[name], "operationHeaders": headers}
            subgraphs.append(
                f"{{ sourceHandler: loadOpenAPISubgraph({json.dumps(name)}, {json.dumps(options)}) }}"
            )
        (self.directory / "mesh.config.mjs").write_text(
            "import { defineConfig } from '@graphql-mesh/compose-cli';\n"
            "import { loadOpenAPISubgraph } from '@omnigraph/openapi';\n\n"
            f"export const composeConfig = defineConfig({{ subgraphs: [{', '.join(subgraphs)}] }});\n",
            encoding="utf-8",
        )
        settings: dict[str, object] = {
            "logging": "warn",
            # ready once the supergraph is loaded: start_server waits for /healthz
            "readinessCheckEndpoint": "/healthz",
        }
        if cache is not None:
            settings["cache"] = dict(cache)
        (self.directory / "gateway.config.mjs").write_text(
            f"export const gatewayConfig = {{ ...{json.dumps(settings)}, "
            "responseCaching: { session: () => null } };\n",  # one cache for all callers: no sessions here
            encoding="utf-8",
        )

    def gateway_command(self, modules: Path, port: int) -> list[str]:
        gateway = modules / "@graphql-hive" / "gateway" / "dist" / "bin.js"
        config = self.directory / "gateway.config.mjs"
        return [
            "node", str(gateway), "supergraph", str(self.supergraph), "--config-path", str(config),
            "--host", "127.0.0.1", "--port", str(port), "--fork", "1",
        ]  # fmt: skip


@contextlib.asynccontextmanager
async def start_gateway(stack: Stack, modules: Path, redis_prefix: str | None) -> AsyncIterator[Server]:
    """Compose the supergraph from the sandbox's registry and logistics, then serve it with Hive Gateway."""
    files = PeerFiles(stack.workspace.directory / "peer")
    cache = None if redis_prefix is None else {"type": "redis", "url": REDIS_URL, "keyPrefix": redis_prefix}
    await asyncio.to_thread(files.write, modules, stack.sandboxes.urls, cache)
    compose = [str(modules / ".bin" / "mesh-compose"), "--config-path", "mesh.config.mjs"]
    await _run([*compose, "--output", str(files.supergraph)], 300, cwd=files.directory)
    port = free_port()
    environment = {**os.environ, "NODE_ENV": "production"}
    log = files.directory / "gateway.log"
    async with start_server(files.gateway_command(modules, port), port, log, environment) as gateway:
        yield gateway


async def _clear_redis(prefix: str) -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


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
    return (await _run(["node", "--version"], 30)).strip()


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
                await _clear_redis(redis_prefix)
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
