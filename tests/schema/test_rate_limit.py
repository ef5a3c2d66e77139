"""Over its rate limit, a client gets 429 with Retry-After and RATE_LIMITED."""

from __future__ import annotations

from typing import Any

import pytest

from tests.schema.conftest import Graph


@pytest.fixture
def graph_overrides() -> dict[str, Any]:
    return {"rate_limit_per_minute": 1, "rate_limit_burst": 1}


async def test_over_the_limit_is_429(graph: Graph) -> None:
    statuses = [(await graph.post("{ __typename }")).status_code for _ in range(3)]
    assert statuses[0] == 200 and statuses[-1] == 429
    response = await graph.post("{ __typename }")
    assert int(response.headers["retry-after"]) >= 1
    assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_a_request_over_the_limit_is_refused_before_it_is_parsed(graph: Graph) -> None:
    assert (await graph.post("{ __typename }")).status_code == 200
    graphql_response = "application/graphql-response+json"
    response = await graph.post("{ enterprise(creditCode: ", accept=graphql_response)  # a parse error
    assert response.status_code == 429
    assert response.headers["content-type"] == graphql_response
    assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
