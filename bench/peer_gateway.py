"""The peer of ``bench.peer``: Hive Gateway (GraphQL Mesh v1) installed from npm, composed from OpenAPI
descriptions of the sandbox's registry and logistics endpoints, and served with its response cache.

The npm packages, pinned here, are installed once into ``~/.cache/hub-bench/peer-…`` (Node 20 or later and
npm on PATH); each run writes the descriptions and configs into its workspace, composes the supergraph with
``mesh-compose`` and starts ``hive-gateway`` on it (the cache in memory, or in Redis under a prefix).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench.harness import REDIS_URL, Server, Stack, free_port, start_server
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


async def run_command(command: Sequence[str], timeout_s: float, cwd: Path | None = None) -> str:
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
        await run_command([*NPM_INSTALL, "--prefix", str(folder), *specs], INSTALL_TIMEOUT_S)
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
    await run_command([*compose, "--output", str(files.supergraph)], 300, cwd=files.directory)
    port = free_port()
    environment = {**os.environ, "NODE_ENV": "production"}
    log = files.directory / "gateway.log"
    async with start_server(files.gateway_command(modules, port), port, log, environment) as gateway:
        yield gateway


async def clear_redis(prefix: str) -> None:
    """Delete the gateway's response cache (its keys under ``prefix``)."""
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
