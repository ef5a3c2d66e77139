"""The rate limit at the edge: one token per authenticated request, 429 with Retry-After when refused."""

from __future__ import annotations

import httpx
import pytest

from foundation.errors import RateLimited
from schema.negotiation import GRAPHQL_RESPONSE_JSON
from tests.schema.edge.apps import GOOD, StandInAuth, edge_app


@pytest.mark.parametrize(
    ("accept", "media_type"), [(None, "application/json"), (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON)]
)
async def test_over_the_limit_is_429_before_the_route(accept: str | None, media_type: str) -> None:
    auth = StandInAuth()
    auth.refusal = RateLimited("client client-1 is over its rate limit", retry_after_s=2.2)
    transport = httpx.ASGITransport(app=edge_app(auth))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        headers = {"Authorization": GOOD, **({"Accept": accept} if accept else {})}
        response = await http.post("/graphql", json={}, headers=headers)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"  # whole seconds, rounded up
    assert response.headers["content-type"] == media_type
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfterSeconds": 2.2}


async def test_unauthenticated_requests_take_nothing() -> None:
    auth = StandInAuth()
    transport = httpx.ASGITransport(app=edge_app(auth))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        assert (await http.get("/healthz", headers={"Authorization": GOOD})).status_code == 200
        assert (await http.get("/graphql", headers={"Accept": "text/html"})).status_code == 200
    assert auth.taken == []
