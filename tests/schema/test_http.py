"""GraphQL over HTTP: methods, media types, status codes, authentication, GraphiQL."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from foundation.settings import Settings
from schema.http import graphql_route
from tests.schema.conftest import Graph

GRAPHQL_RESPONSE = "application/graphql-response+json"


def bearer(graph: Graph) -> dict[str, str]:
    return {"Authorization": f"Bearer {graph.token}"}


async def test_get_runs_a_query(graph: Graph) -> None:
    response = await graph.http.get(
        "/graphql",
        params={"query": '{ enterprise(creditCode: "91330106AY4CL12T2M") { name } }'},
        headers=bearer(graph),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"enterprise": None}}


async def test_graphql_response_media_type_on_success(graph: Graph) -> None:
    response = await graph.post(
        '{ enterprise(creditCode: "91330106AY4CL12T2M") { name } }', accept=GRAPHQL_RESPONSE
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)


@pytest.mark.parametrize("query", ["{ enterprise(creditCode: ", "{ nosuchfield }"])
async def test_request_errors_are_400_with_graphql_response_json(graph: Graph, query: str) -> None:
    response = await graph.post(query, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_request_errors_are_200_with_application_json(graph: Graph) -> None:
    response = await graph.post("{ nosuchfield }", accept="application/json")
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_other_methods_are_405(graph: Graph) -> None:
    response = await graph.http.put("/graphql", json={"query": "{ __typename }"}, headers=bearer(graph))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_mutation_over_get_is_405(graph: Graph) -> None:
    mutation = 'mutation { withdrawConsent(creditCode: "91330106AY4CL12T2M", sources: ["tax"]) { source } }'
    response = await graph.http.get("/graphql", params={"query": mutation}, headers=bearer(graph))
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_a_body_that_is_not_json_is_415(graph: Graph) -> None:
    response = await graph.http.post(
        "/graphql", content="{ __typename }", headers={**bearer(graph), "Content-Type": "text/plain"}
    )
    assert response.status_code == 415


async def test_malformed_json_is_400(graph: Graph) -> None:
    response = await graph.http.post(
        "/graphql", content='{"query": ', headers={**bearer(graph), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_an_unacceptable_accept_is_406(graph: Graph) -> None:
    response = await graph.post("{ __typename }", accept="text/csv")
    assert response.status_code == 406


async def test_no_token_is_401_with_a_graphql_error(graph: Graph) -> None:
    response = await graph.http.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_graphiql_for_browsers_in_dev(graph: Graph) -> None:
    response = await graph.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html;q=0, application/json"])
async def test_get_without_a_query_is_400_unless_a_browser_asks(graph: Graph, accept: str | None) -> None:
    headers = {**bearer(graph), **({"Accept": accept} if accept else {})}
    response = await graph.http.get("/graphql", headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"0", "not a number"),
        (b'"query"', "not a string"),
        (b"null", "not null"),
        (b'[{"query": "{ __typename }"}]', "batches are not supported"),
        (b'{"query": "\x80"}', "not UTF-8"),
    ],
)
async def test_a_body_that_is_not_one_json_object_is_400(graph: Graph, body: bytes, reason: str) -> None:
    response = await graph.http.post(
        "/graphql", content=body, headers={**bearer(graph), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert reason in error["message"]


async def test_get_variables_must_be_an_object(graph: Graph) -> None:
    params = {"query": "query ($c: ID!) { enterprise(creditCode: $c) { name } }", "variables": "[1]"}
    response = await graph.http.get("/graphql", params=params, headers=bearer(graph))
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_the_view_without_its_edge_executes_nothing() -> None:
    # Mounted without schema.edge (no negotiation, no principal), the view fails closed.
    app = Starlette(routes=[graphql_route(Settings.model_construct())])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        response = await http.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 500
    assert "__typename" not in response.text
