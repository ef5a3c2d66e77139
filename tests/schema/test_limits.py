"""Depth, alias, token and cost limits: QUERY_TOO_COMPLEX, a request error,
400 with application/graphql-response+json."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.control import SandboxControl
from schema.build import HubSchema
from tests.schema.conftest import Graph

GRAPHQL_RESPONSE = "application/graphql-response+json"
CODE = "91330106AY4CL12T2M"


@pytest.fixture
def graph_overrides() -> dict[str, Any]:
    return {"max_query_depth": 4, "max_aliases": 3, "max_tokens": 200, "max_query_cost": 500}


DEEP = (
    f'{{ enterprise(creditCode: "{CODE}") '
    "{ trade { orders { edges { node { buyer { name } } } } } } }"
)
ALIASES = "{ " + " ".join(f'a{i}: enterprise(creditCode: "{CODE}") {{ name }}' for i in range(4)) + " }"
ALIASES_IN_FRAGMENT = (
    "query { ...F } fragment F on Query { "
    + " ".join(f'a{i}: enterprise(creditCode: "{CODE}") {{ name }}' for i in range(4))
    + " }"
)
TOKENS = "{ " + " ".join(["__typename"] * 250) + " }"
COSTLY = (
    f'{{ enterprise(creditCode: "{CODE}") {{ logistics {{ waybills(first: 100) '
    "{ nodes { waybillNo origin destination shipper { name } } } } } }"
)


@pytest.mark.parametrize(
    "query",
    [DEEP, ALIASES, ALIASES_IN_FRAGMENT, TOKENS, COSTLY],
    ids=["depth", "aliases", "fragment-aliases", "tokens", "cost"],
)
async def test_each_limit_answers_query_too_complex(graph: Graph, query: str) -> None:
    response = await graph.post(query, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400, response.text
    assert [error["extensions"]["code"] for error in response.json()["errors"]] == ["QUERY_TOO_COMPLEX"]


async def test_cost_counts_variables(graph: Graph, sandbox: SandboxControl) -> None:
    query = (
        "query ($c: [ID!]!) { enterprises(creditCodes: $c) { electricity { arrearsYuan } tax { grade } } }"
    )
    cheap = await graph.post(query, {"c": sandbox.credit_codes(limit=2)})
    assert cheap.status_code == 200
    assert all(error["extensions"]["code"] == "NO_CONSENT" for error in cheap.json().get("errors", []))
    costly = await graph.post(query, {"c": sandbox.credit_codes(limit=30)})
    assert costly.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


@pytest.mark.parametrize(
    "query", [f'{{ enterprise(creditCode: "{CODE}") {{ name }} }}', DEEP], ids=["ok", "deep"]
)
async def test_the_second_identical_request_is_validated_from_the_cache(graph: Graph, query: str) -> None:
    # The validation cache is keyed by query text and rule classes: it hits only when the limits' rules
    # are the same classes on every request.
    view_schema = graph.view().schema
    assert isinstance(view_schema, HubSchema)
    first = await graph.post(query)
    before = (view_schema.validation_results.hits, view_schema.validation_results.misses)
    second = await graph.post(query)
    after = (view_schema.validation_results.hits, view_schema.validation_results.misses)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 0)
    assert second.json() == first.json()
