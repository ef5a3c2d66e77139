"""What every benchmark stands on: sandboxes with faults, a hub on a temp database, a client and a token.

    async with bench_stack(options, size=2000, faults={"latency_ms": 50}) as stack:
        stack.hub_url, stack.token, stack.codes, stack.sandboxes.set_faults("tax", down=True)

The sandboxes and the hub each run in their own process (``bench.sandbox_server``, ``hub serve``) on free
ports, so the load generator in this process does not steal their event loop and each one's memory and
CPU can be read apart. The hub keeps its data in a temp SQLite file and the memory cache, or with
``--postgres`` / ``--redis`` in a fresh PostgreSQL database (dropped afterwards) and a fresh Redis namespace.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from audit.log import AuditLog
from auth.clients import register_client
from auth.consent import ConsentBook, consent_today
from auth.principal import READ_SCOPES
from bench.queries import Answer, post_query
from connectors.catalog import load_catalog
from connectors.config import write_sandbox_sources_file
from foundation.settings import Settings
from foundation.signing_keys import rotate_key_file
from foundation.storage import create_engine, create_session_factory
from hub.migrate import upgrade
from sandbox.control import SandboxControl

HUB_EXECUTABLE = str(Path(sys.executable).with_name("hub"))
POSTGRES_ADMIN_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("HUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
STARTUP_TIMEOUT_S = 120.0
UNLIMITED_RATE = {"rate_limit_per_minute": 10_000_000, "rate_limit_burst": 1_000_000}
"""Benchmarks measure the hub, not its per-client rate limit (tests cover that)."""


def argument_parser(description: str | None) -> argparse.ArgumentParser:
    """A parser with the module docstring as help and the flags every benchmark takes."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of a temp SQLite file")
    parser.add_argument("--redis", action="store_true", help="Redis instead of the memory cache")
    parser.add_argument("--write", action="store_true", help="update its section of BENCHMARKS.md")
    return parser


def backend_label(options: argparse.Namespace) -> str:
    database = "PostgreSQL" if options.postgres else "SQLite"
    return f"{database} + {'Redis' if options.redis else 'memory cache'}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Sandboxes:
    """The providers' process, its URLs, and their ``/_sandbox`` controls (:class:`SandboxControl`, called
    off the event loop)."""

    process: asyncio.subprocess.Process
    urls: dict[str, str]
    control: SandboxControl = field(init=False)

    def __post_init__(self) -> None:
        self.control = SandboxControl(self.urls)

    async def set_faults(self, provider: str | None = None, **faults: object) -> None:
        """Change faults of one provider, or of all when ``provider`` is None."""
        await asyncio.to_thread(self.control.set_faults, provider, **faults)

    async def reset_faults(self) -> None:
        await asyncio.to_thread(self.control.reset_faults)

    async def requests(self) -> dict[str, int]:
        """Data requests each provider has served since start or the last reset."""
        return await asyncio.to_thread(self.control.requests)

    async def requests_by_path(self) -> dict[str, dict[str, int]]:
        """``{provider: {path template: requests}}`` since start or the last reset."""
        return await asyncio.to_thread(self.control.requests_by_path)

    async def reset_requests(self) -> None:
        await asyncio.to_thread(self.control.reset_stats)

    async def credit_codes(self, limit: int, *, core: bool = False) -> list[str]:
        return await asyncio.to_thread(self.control.credit_codes, limit, core)


@contextlib.asynccontextmanager
async def start_sandboxes(
    size: int, faults: Mapping[str, object] | None = None, *, seed: int | None = None
) -> AsyncIterator[Sandboxes]:
    command = [sys.executable, "-m", "bench.sandbox_server", "--size", str(size)]
    if seed is not None:
        command += ["--seed", str(seed)]
    command += ["--faults", json.dumps(dict(faults or {}))]
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), STARTUP_TIMEOUT_S)
        if not line:
            raise RuntimeError(f"the sandbox process exited with {await process.wait()}")
        sandboxes = Sandboxes(process, json.loads(line))
        with sandboxes.control:
            yield sandboxes
    finally:
        await stop(process)


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


@dataclass
class Workspace:
    """A temp directory with the hub's database, signing keys and sources file, and its settings."""

    directory: Path
    database_url: str
    cache_url: str
    sources_file: Path
    signing_key_file: Path
    namespace: str = field(default_factory=lambda: f"bench-{uuid.uuid4().hex[:10]}")

    def settings_values(self, **overrides: object) -> dict[str, object]:
        values: dict[str, object] = {
            "env": "dev",
            "database_url": self.database_url,
            "cache_url": self.cache_url,
            "cache_namespace": self.namespace,
            "sources_file": self.sources_file,
            "signing_key_file": self.signing_key_file,
            "log_level": "WARNING",
            **UNLIMITED_RATE,
        }
        values.update(overrides)
        return values

    def settings(self, **overrides: object) -> Settings:
        return Settings(**self.settings_values(**overrides))  # type: ignore[arg-type]

    def environment(self, **overrides: object) -> dict[str, str]:
        """This process's environment plus ``HUB_*`` variables for a ``hub`` subprocess."""
        values = self.settings_values(**overrides)
        return {**os.environ, **{f"HUB_{key.upper()}": str(value) for key, value in values.items()}}


async def _postgres_admin(statement: str) -> None:
    engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


@contextlib.asynccontextmanager
async def workspace(
    options: argparse.Namespace, urls: Mapping[str, str], **source_overrides: object
) -> AsyncIterator[Workspace]:
    """A migrated database (temp SQLite, or a fresh PostgreSQL one), keys and a sources file for ``urls``."""
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as name:
        directory = Path(name)
        database = f"hub_bench_{uuid.uuid4().hex[:10]}"
        if options.postgres:
            await _postgres_admin(f'CREATE DATABASE "{database}"')
            database_url = urlsplit(POSTGRES_ADMIN_URL)._replace(path=f"/{database}").geturl()
        else:
            database_url = f"sqlite+aiosqlite:///{directory / 'hub.db'}"
        keys = directory / "signing-keys.json"
        await asyncio.to_thread(rotate_key_file, keys, token_ttl_s=900)
        space = Workspace(
            directory=directory,
            database_url=database_url,
            cache_url=REDIS_URL if options.redis else "memory://",
            sources_file=write_sandbox_sources_file(directory / "sources.toml", urls, **source_overrides),
            signing_key_file=keys,
        )
        try:
            await asyncio.to_thread(upgrade, space.settings())
            yield space
        finally:
            if options.postgres:
                await _postgres_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            if options.redis:
                await _clear_redis_namespace(space.settings())


async def _clear_redis_namespace(settings: Settings) -> None:
    from hub.cache import build_cache

    cache = build_cache(settings)
    await cache.clear(namespace=settings.cache_namespace)
    await cache.close()


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str


async def prepare_access(
    settings: Settings,
    credit_codes: list[str],
    *,
    tenant: str = "bench",
    scopes: frozenset[str] = READ_SCOPES,
) -> ClientCredentials:
    """A tenant, its OAuth client with ``scopes``, and consent from every firm for every source."""
    engine = create_engine(settings)
    sessions = create_session_factory(engine)
    try:
        issued = await register_client(sessions=sessions, tenant_id=tenant, scopes=scopes)
        today = consent_today()
        book = ConsentBook(sessions, AuditLog(sessions))
        for start in range(0, len(credit_codes), 500):
            await book.grant_many(
                tenant_id=tenant,
                client_id=None,
                credit_codes=credit_codes[start : start + 500],
                sources=load_catalog().consent_names(),
                valid_from=today - timedelta(days=1),
                valid_until=today + timedelta(days=365),
                evidence_ref="benchmark consent",
            )
    finally:
        await engine.dispose()
    return ClientCredentials(issued.client_id, issued.client_secret)


async def fetch_token(http: httpx.AsyncClient, hub_url: str, client: ClientCredentials) -> str:
    """An access token by the client credentials grant at the hub's ``/oauth/token``."""
    response = await http.post(
        f"{hub_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.client_secret),
    )
    token: str = response.raise_for_status().json()["access_token"]
    return token


def child_pids(pid: int) -> list[int]:
    """The direct children of ``pid`` (Linux /proc), e.g. a server's worker processes."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children += [int(child) for child in task.read_text().split()]
        except OSError:
            continue  # the thread ended meanwhile
    return children


@dataclass
class Server:
    """A server subprocess answering HTTP at ``url`` (``GET /healthz`` → 200 once it is up)."""

    process: asyncio.subprocess.Process
    url: str

    @property
    def pid(self) -> int:
        """The process that answers: the server's one worker where it forks workers (granian, as ``hub
        serve`` runs it), the started process itself otherwise. Memory and CPU are read off this one."""
        workers = child_pids(self.process.pid)
        return workers[0] if len(workers) == 1 else self.process.pid


@contextlib.asynccontextmanager
async def start_server(
    command: list[str], port: int, log_path: Path, environment: Mapping[str, str] | None = None
) -> AsyncIterator[Server]:
    """Run ``command`` (which must listen on 127.0.0.1:``port``), output to ``log_path``; stop it after."""
    log = await asyncio.to_thread(log_path.open, "wb")
    with log:
        process = await asyncio.create_subprocess_exec(
            *command, env=dict(environment or os.environ), stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_until_healthy(url, process, log_path)
        yield Server(process, url)
    finally:
        await stop(process)


@contextlib.asynccontextmanager
async def start_hub(
    space: Workspace,
    *,
    launcher: Sequence[str] = (HUB_EXECUTABLE,),
    extra_environment: Mapping[str, str] | None = None,
    **settings: object,
) -> AsyncIterator[Server]:
    """``hub serve`` on a free port with the workspace's settings; its output goes to ``hub.log``.

    ``launcher`` is the argv that runs the hub CLI (a wrapper may start it under a tracer), and
    ``extra_environment`` adds variables such as ``MALLOC_ARENA_MAX`` to the hub process only.
    """
    port = free_port()
    environment = {**space.environment(host="127.0.0.1", port=port, **settings), **(extra_environment or {})}
    command = [*launcher, "serve", "--no-migrate"]
    async with start_server(command, port, space.directory / "hub.log", environment) as server:
        yield server


async def wait_until_healthy(url: str, process: asyncio.subprocess.Process, log: Path) -> None:
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT_S
    async with httpx.AsyncClient(timeout=2) as http:
        while asyncio.get_running_loop().time() < deadline:
            if process.returncode is not None:
                output = await asyncio.to_thread(log.read_text, errors="replace")
                raise RuntimeError(f"{url} exited with {process.returncode}:\n{output[-3000:]}")
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not answer /healthz within {STARTUP_TIMEOUT_S} s")


@dataclass
class Stack:
    """Sandboxes, a hub with a client of tenant ``bench`` consented by ``codes``, and a token."""

    sandboxes: Sandboxes
    workspace: Workspace
    hub: Server
    client: ClientCredentials
    token: str
    codes: list[str]

    @property
    def hub_url(self) -> str:
        return self.hub.url

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def query(self, http: httpx.AsyncClient, query: str, **variables: Any) -> Answer:
        return await post_query(http, self.hub.url, self.token, query, variables)


@contextlib.asynccontextmanager
async def bench_stack(
    options: argparse.Namespace,
    *,
    size: int = 2000,
    consented: int = 2000,
    faults: Mapping[str, object] | None = None,
    sources: Mapping[str, object] | None = None,
    hub_settings: Mapping[str, object] | None = None,
    hub_launcher: Sequence[str] = (HUB_EXECUTABLE,),
    hub_environment: Mapping[str, str] | None = None,
    scopes: frozenset[str] = READ_SCOPES,
    seed: int | None = None,
) -> AsyncIterator[Stack]:
    """Everything up, in order; ``consented`` firms of the universe consent (the first ones listed), and
    the client holds ``scopes``. ``hub_launcher`` and ``hub_environment``: see :func:`start_hub`."""
    async with start_sandboxes(size, faults, seed=seed) as sandboxes:
        codes = await sandboxes.credit_codes(consented)
        async with workspace(options, sandboxes.urls, **dict(sources or {})) as space:
            client = await prepare_access(space.settings(), codes, scopes=scopes)
            hub_process = start_hub(
                space, launcher=hub_launcher, extra_environment=hub_environment, **dict(hub_settings or {})
            )
            async with hub_process as hub:
                async with httpx.AsyncClient(timeout=30) as http:
                    token = await fetch_token(http, hub.url, client)
                yield Stack(sandboxes, space, hub, client, token, codes)
