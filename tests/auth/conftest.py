"""A running hub (its lifespan, over ASGI) with its own signing-key file, on both storage backends."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from auth.clients import IssuedClient, register_client
from auth.keys import rotate_key_file
from auth.principal import ALL_SCOPES
from foundation.settings import Settings
from hub.app import create_app
from hub.services import HubServices
from tests.fixtures.backends import Backend

ISSUER = "http://127.0.0.1:8000"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "signing-keys.json"
    rotate_key_file(path, token_ttl_s=900)
    return path


@pytest.fixture
def auth_settings(backend: Backend, key_file: Path) -> Settings:
    return backend.settings(signing_key_file=key_file, rate_limit_per_minute=6000, rate_limit_burst=1000)


class Hub:
    """The app's services and an HTTP client talking to it."""

    def __init__(self, services: HubServices, http: httpx.AsyncClient) -> None:
        self.services = services
        self.http = http

    async def client(self, tenant: str = "bank-a", scopes: frozenset[str] = ALL_SCOPES) -> IssuedClient:
        return await register_client(sessions=self.services.sessions, tenant_id=tenant, scopes=scopes)

    async def token(self, client: IssuedClient, scope: str | None = None) -> str:
        form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
        answer = await self.http.post(
            "/oauth/token", data=form, auth=(client.client_id, client.client_secret)
        )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token


@pytest.fixture
async def hub(auth_settings: Settings, engine: object) -> AsyncIterator[Hub]:
    # ``engine`` (unused here) empties the PostgreSQL tables after the test.
    app = create_app(auth_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            yield Hub(app.state.services, http)


def mint(keys: KeySet, *, header: dict[str, Any] | None = None, **claims: Any) -> str:
    """A token signed by ``keys`` with valid defaults, overridden by ``claims`` (None removes a claim)."""
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "cl-x",
        "client_id": "cl-x",
        "aud": "enterprise-data-hub",
        "exp": now + 600,
        "iat": now,
        "jti": f"jti-{now}-{time.perf_counter_ns()}",
        "scope": "registry:read",
        "tenant": "bank-a",
    }
    body.update(claims)
    body = {name: value for name, value in body.items() if value is not None}
    return jwt.encode({"alg": "ES256", "typ": "at+jwt", **(header or {})}, body, keys)
