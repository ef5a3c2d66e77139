"""A running hub (lifespan over ASGI) whose read path points at the session's sandbox, on both backends,
with an OAuth client of tenant ``bank-a`` holding every scope, and helpers to query it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from auth.clients import register_client
from auth.principal import ALL_SCOPES
from connectors.config import write_sandbox_sources_file
from foundation.settings import Settings
from foundation.signing_keys import rotate_key_file
from hub.app import create_app
from hub.services import HubServices
from sandbox.control import SandboxControl
from schema.http import GraphQLView
from tests.fixtures.backends import Backend
from tests.fixtures.sources import SOURCE_NAMES

TENANT = "bank-a"
FAST: dict[str, Any] = {
    "retries": 1,
    "backoff_initial_s": 0.01,
    "backoff_max_s": 0.02,
    # Generous timeouts: the sandbox shares the test process's cores; a loaded CI machine is slow, not down.
    "connect_timeout_s": 5.0,
    "timeout_s": 10.0,
    "deadline_s": 30.0,
    "breaker_threshold": 50,
    "breaker_cooldown_s": 0.2,
}


class Graph:
    """The hub under test: its services, an HTTP client and a bearer token of ``bank-a``."""

    def __init__(
        self, services: HubServices, http: httpx.AsyncClient, token: str, app: Starlette | None = None
    ) -> None:
        self.services = services
        self.http = http
        self.token = token
        self.app = app

    def view(self) -> GraphQLView:
        """The app's ``/graphql`` endpoint."""
        assert self.app is not None
        return next(
            route.endpoint
            for route in self.app.routes
            if isinstance(route, Route) and isinstance(route.endpoint, GraphQLView)
        )

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        accept: str = "application/json",
    ) -> httpx.Response:
        body: dict[str, Any] = {"query": query, **({"variables": variables} if variables else {})}
        headers = {"Authorization": f"Bearer {token or self.token}", "Accept": accept}
        return await self.http.post("/graphql", json=body, headers=headers)

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, **options: Any
    ) -> dict[str, Any]:
        response = await self.post(query, variables, **options)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The answer's data, asserting it came without errors."""
        answer = await self.query(query, variables)
        assert "errors" not in answer, answer["errors"]
        data: dict[str, Any] = answer["data"]
        return data

    async def consent(self, credit_codes: Sequence[str], sources: Sequence[str] = SOURCE_NAMES) -> None:
        today = date.today()
        await self.services.auth.consents.grant_many(
            tenant_id=TENANT,
            client_id=None,
            credit_codes=list(credit_codes),
            sources=list(sources),
            valid_from=today - timedelta(days=1),
            valid_until=today + timedelta(days=30),
            evidence_ref="test consent form",
        )

    async def token_with(self, scopes: frozenset[str], tenant: str = TENANT) -> str:
        issued = await register_client(sessions=self.services.sessions, tenant_id=tenant, scopes=scopes)
        answer = await self.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(issued.client_id, issued.client_secret),
        )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token


def graph_settings(backend: Backend, tmp_path: Path, sandbox: SandboxControl, **overrides: Any) -> Settings:
    key_file = tmp_path / "signing-keys.json"
    rotate_key_file(key_file, token_ttl_s=900)
    values: dict[str, Any] = {
        "signing_key_file": key_file,
        "sources_file": write_sandbox_sources_file(tmp_path / "sources.toml", sandbox.urls, **FAST),
        "rate_limit_per_minute": 60000,
        "rate_limit_burst": 10000,
        **overrides,
    }
    return backend.settings(**values)


async def running_graph(settings: Settings) -> AsyncIterator[Graph]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        services: HubServices = app.state.services
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=30) as http:
            graph = Graph(services, http, token="", app=app)
            graph.token = await graph.token_with(ALL_SCOPES)
            yield graph


@pytest.fixture
def graph_overrides() -> dict[str, Any]:
    """Settings a test module overrides (limits, env)."""
    return {}


@pytest.fixture
async def graph(
    backend: Backend,
    tmp_path: Path,
    clean_sandbox: SandboxControl,
    engine: object,
    graph_overrides: dict[str, Any],
) -> AsyncIterator[Graph]:
    # ``engine`` (unused here) empties the PostgreSQL tables after the test.
    settings = graph_settings(backend, tmp_path, clean_sandbox, **graph_overrides)
    async for running in running_graph(settings):
        yield running
