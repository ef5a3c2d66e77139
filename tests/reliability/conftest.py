"""Hubs for the reliability tests: the real app (lifespan, over ASGI) reading the session's sandbox through a
sources file with short timeouts, a client of its own tenant consented by a few firms, on both backends.

Fault scenarios run against the sandbox's ``/_sandbox/faults``; ``clean_sandbox`` resets them around each
test. Each hub gets its own cache namespace (removed afterwards), so two hubs in one test do not share a
cache but do share the database, as two replicas would.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.harness import UNLIMITED_RATE, ClientCredentials, fetch_token, prepare_access
from bench.queries import Answer, post_query
from connectors.config import write_sandbox_sources_file
from foundation.settings import Settings
from foundation.signing_keys import rotate_key_file
from hub.app import create_app
from hub.cache import build_cache, is_redis
from hub.services import HubServices
from sandbox.control import SandboxControl
from tests.fixtures.backends import Backend

HUB = "http://127.0.0.1"  # authlib refuses plain-HTTP token requests to other hosts
SHORT_TIMEOUTS: dict[str, object] = {
    "retries": 1,
    "backoff_initial_s": 0.01,
    "backoff_max_s": 0.02,
    "connect_timeout_s": 0.5,
    "timeout_s": 0.5,
    "deadline_s": 1.0,
    "max_retry_after_s": 0.2,
    "breaker_threshold": 50,
    "breaker_cooldown_s": 0.3,
}
PATIENT_SOURCES: dict[str, object] = {"timeout_s": 10.0, "deadline_s": 30.0}
"""Source overrides for what a test does not time: a loaded CI machine must not push it past a deadline
(with the short ones above, electricity's three round trips in a row once took over 1 s)."""


class RunningHub:
    """A hub under test with a bearer token of its tenant, and its services for white-box checks."""

    def __init__(self, services: HubServices, http: httpx.AsyncClient, token: str) -> None:
        self.services = services
        self.http = http
        self.token = token

    async def query(self, query: str, **variables: Any) -> Answer:
        return await post_query(self.http, HUB, self.token, query, variables)

    async def circuits(self) -> dict[str, str]:
        answer = await self.http.get("/readyz")
        circuits: dict[str, str] = answer.json()["checks"]["upstreams"]
        return circuits


HubFactory = Callable[..., AbstractAsyncContextManager[RunningHub]]


@pytest.fixture
def codes(clean_sandbox: SandboxControl) -> list[str]:
    """Ordinary firms of the universe (no core enterprise: they page for long)."""
    core = set(clean_sandbox.credit_codes(limit=100, core=True))
    return [code for code in clean_sandbox.credit_codes(limit=60) if code not in core][:40]


@pytest.fixture
async def start_hub(
    backend: Backend, tmp_path: Path, clean_sandbox: SandboxControl, codes: list[str], engine: object
) -> AsyncIterator[HubFactory]:
    """``async with start_hub(hub_settings, **source_overrides) as hub``: a hub whose tenant every firm of
    ``codes`` consented to. ``engine`` (unused here) empties the PostgreSQL tables after the test."""
    key_file = tmp_path / "signing-keys.json"
    rotate_key_file(key_file, token_ttl_s=900)
    used: list[Settings] = []
    client: list[ClientCredentials] = []

    @asynccontextmanager
    async def start(
        hub: Mapping[str, object] | None = None, **source_overrides: object
    ) -> AsyncIterator[RunningHub]:
        """``hub``: settings of the hub itself (``read_deadline_s``…); the rest: every source's config."""
        directory = tmp_path / f"hub-{len(used)}"
        directory.mkdir()
        sources = write_sandbox_sources_file(
            directory / "sources.toml", clean_sandbox.urls, **{**SHORT_TIMEOUTS, **source_overrides}
        )
        settings = backend.settings(
            sources_file=sources,
            signing_key_file=key_file,
            cache_namespace=f"test-{uuid.uuid4().hex[:12]}",
            **{**UNLIMITED_RATE, **(hub or {})},
        )
        used.append(settings)
        if not client:
            client.append(await prepare_access(settings, codes, tenant="reliability"))
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=HUB, timeout=30) as http:
                yield RunningHub(app.state.services, http, await fetch_token(http, HUB, client[0]))

    yield start
    for settings in used:
        cache = build_cache(settings)
        if is_redis(cache):
            await cache.clear(namespace=settings.cache_namespace)
        await cache.close()
