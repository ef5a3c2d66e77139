"""The hub's /graphql edge in order: what a client without a (valid) token is told first is what is wrong
with its request's method, Accept or body type; GraphiQL and the public routes need no token."""

from __future__ import annotations

import pytest

from tests.schema.conftest import Graph

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.mark.parametrize("authorization", [None, "Bearer junk"])
async def test_request_shape_refusals_come_before_authentication(
    graph: Graph, authorization: str | None
) -> None:
    token = {"Authorization": authorization} if authorization else {}
    put = await graph.http.put("/graphql", json={"query": "{ __typename }"}, headers=token)
    assert (put.status_code, put.headers["allow"]) == (405, "GET, POST")
    csv = await graph.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={**token, "Accept": "text/csv"}
    )
    assert csv.status_code == 406
    text = await graph.http.post(
        "/graphql",
        content="{ __typename }",
        headers={**token, "Content-Type": "text/plain", "Accept": GRAPHQL_RESPONSE},
    )
    assert text.status_code == 415
    assert text.headers["content-type"] == GRAPHQL_RESPONSE
    for refused in (put, csv, text):
        assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_401_speaks_the_media_type_negotiated(graph: Graph) -> None:
    response = await graph.post("{ __typename }", token="junk", accept=GRAPHQL_RESPONSE)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="hub"'
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_graphiql_and_the_public_routes_need_no_token(graph: Graph) -> None:
    junk = {"Authorization": "Bearer junk"}
    page = await graph.http.get("/graphql", headers={**junk, "Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    for path in ("/healthz", "/.well-known/jwks.json", "/.well-known/oauth-authorization-server"):
        assert (await graph.http.get(path, headers=junk)).status_code == 200, path
    assert (await graph.http.get("/graphiql/assets/graphiql.min.css")).status_code == 200
