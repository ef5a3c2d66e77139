"""Authentication at the edge: an admitted /graphql request's bearer token becomes starlette's
``request.user`` before the route runs, or the request is answered 401 there; other requests pass."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from schema.negotiation import GRAPHQL_RESPONSE_JSON
from tests.schema.edge.apps import EXPIRED, GOOD, StandInAuth, edge_app


@pytest.fixture
def auth() -> StandInAuth:
    return StandInAuth()


@pytest.fixture
async def http(auth: StandInAuth) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=edge_app(auth))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


async def test_the_principal_is_the_requests_user(http: httpx.AsyncClient, auth: StandInAuth) -> None:
    response = await http.post("/graphql", json={}, headers={"Authorization": GOOD})
    assert response.status_code == 200
    assert response.json() == {
        "principal": True,
        "user": "client-1",
        "authenticated": True,
        "scopes": ["admin", "tax:read"],
    }
    assert auth.taken == [1]  # the rate limit's token, after authentication


@pytest.mark.parametrize(
    ("accept", "media_type"), [(None, "application/json"), (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON)]
)
@pytest.mark.parametrize("authorization", [None, "Bearer junk", "Basic abc"])
async def test_a_refused_token_is_401_with_the_bearer_challenge(
    http: httpx.AsyncClient, auth: StandInAuth, authorization: str | None, accept: str | None, media_type: str
) -> None:
    headers = {
        **({"Authorization": authorization} if authorization else {}),
        **({"Accept": accept} if accept else {}),
    }
    response = await http.get("/graphql", params={"query": "{ __typename }"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="hub"'
    assert response.headers["content-type"] == media_type
    assert response.json() == {"errors": [{"message": EXPIRED, "extensions": {"code": "UNAUTHENTICATED"}}]}
    assert auth.taken == []  # refused before the rate limit


async def test_other_routes_and_the_graphiql_page_pass_unauthenticated(
    http: httpx.AsyncClient, auth: StandInAuth
) -> None:
    unauthenticated = {"principal": False, "user": False, "authenticated": False, "scopes": []}
    for path, headers in [
        ("/healthz", {"Authorization": "Bearer junk"}),
        ("/graphql", {"Accept": "text/html", "Authorization": "Bearer junk"}),  # a browser: GraphiQL
    ]:
        response = await http.get(path, headers=headers)
        assert (response.status_code, response.json()) == (200, unauthenticated), path
    assert auth.taken == []
