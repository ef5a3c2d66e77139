"""What an attacker sees of the query limits: small documents that ask for exponential work are refused
at once while the hub keeps answering; ``_entities`` and aliases do not escape the batch cap or the cost."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

import pytest

from sandbox.control import SandboxControl
from schema import limits
from tests.schema.conftest import Graph

GRAPHQL_RESPONSE = "application/graphql-response+json"
CODE = "91330106AY4CL12T2M"
MAX_COST = 2000


@pytest.fixture
def graph_overrides() -> dict[str, Any]:
    return {"max_query_cost": MAX_COST}


def doubling(levels: int) -> str:
    """~40 bytes a level: each fragment spreads the one before twice, so its expansion doubles."""
    fragments = ["fragment F0 on Enterprise { registration { legalForm } }"]
    fragments += [f"fragment F{i} on Enterprise {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return f'query {{ enterprise(creditCode: "{CODE}") {{ ...F{levels} }} }} ' + " ".join(fragments)


# Fields sharing a response name are compared pairwise by graphql-core's validation (quadratic): within
# the token limit, about half a second of CPU on this machine.
CONFLICTING = f'{{ enterprise(creditCode: "{CODE}") {{ ' + " ".join(["a: name a: industry"] * 300) + " } }"


def codes_of(response: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in response["errors"]]


@pytest.mark.parametrize("levels", [12, 18, 24, 30])
async def test_fragments_doubling_level_after_level_are_refused_at_once(
    graph: Graph, levels: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = doubling(levels)
    assert len(document) < 1500
    visits = {"shape": 0, "cost": 0}
    for name, analysis in (("shape", limits._Shapes), ("cost", limits._Costing)):
        monkeypatch.setattr(analysis, "selection_set", _counted(analysis.selection_set, visits, name))
    started = time.perf_counter()
    response = await graph.post(document, accept=GRAPHQL_RESPONSE)
    elapsed = time.perf_counter() - started
    assert response.status_code == 400, response.text
    assert codes_of(response.json()) == ["QUERY_TOO_COMPLEX"]
    # Before: the analyses doubled with each level (~5 s at 20 levels, years at 30). Each fragment is
    # analysed once now: the work grows with the levels (a count, not a clock, so a busy machine agrees),
    # and the whole request, graphql-core's own rules included, stays far from exponential time.
    assert visits["shape"] <= 2 * (levels + 3) and visits["cost"] <= 2 * (levels + 3), visits
    assert elapsed < 10.0


def _counted(method: Any, visits: dict[str, int], name: str) -> Any:
    def counting(self: Any, selection_set: Any) -> Any:
        visits[name] += 1
        return method(self, selection_set)

    return counting


async def _healthz_latencies(graph: Graph, attack: asyncio.Task[Any]) -> list[float]:
    latencies = []
    while not attack.done():
        started = time.perf_counter()
        response = await graph.http.get("/healthz")
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200
        await asyncio.sleep(0.01)
    return latencies


@pytest.mark.parametrize("document", [doubling(30), CONFLICTING], ids=["doubling", "conflicting-fields"])
async def test_the_hub_keeps_answering_while_a_costly_document_is_refused(
    graph: Graph, document: str
) -> None:
    # Garbage collection pauses the process whatever the request does: kept out of this measure.
    gc.disable()
    try:
        attack = asyncio.create_task(graph.post(document, accept=GRAPHQL_RESPONSE))
        latencies = await _healthz_latencies(graph, attack)
        response = await attack
    finally:
        gc.enable()
    assert response.status_code == 400
    assert set(codes_of(response.json())) <= {"QUERY_TOO_COMPLEX", "BAD_REQUEST"}
    # Validation of a new document runs beside the event loop, never on it.
    assert max(latencies, default=0.0) < 0.25, latencies


async def test_entities_take_at_most_the_batch_size(graph: Graph, sandbox: SandboxControl) -> None:
    representations = [{"__typename": "Enterprise", "creditCode": code} for code in sandbox.credit_codes(101)]
    response = await graph.post(
        "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Enterprise { creditCode } } }",
        {"r": representations},
        accept=GRAPHQL_RESPONSE,
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_REQUEST", "argument": "representations"}
    assert "at most 100" in error["message"]


async def test_entities_cost_grows_with_the_representations(graph: Graph, sandbox: SandboxControl) -> None:
    query = (
        "query ($r: [_Any!]!) { _entities(representations: $r) "
        "{ ... on Enterprise { electricity { months { kwh } } tax { grade } } } }"
    )

    def representations(count: int) -> list[dict[str, str]]:
        return [{"__typename": "Enterprise", "creditCode": code} for code in sandbox.credit_codes(count)]

    few = await graph.post(query, {"r": representations(5)})
    assert few.status_code == 200
    assert "QUERY_TOO_COMPLEX" not in codes_of(few.json())
    many = await graph.post(query, {"r": representations(100)}, accept=GRAPHQL_RESPONSE)
    assert many.status_code == 400
    [error] = many.json()["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"] > MAX_COST


async def test_aliases_multiply_the_firms_a_request_names(graph: Graph, sandbox: SandboxControl) -> None:
    # Ten aliases of a full batch: 1,000 firms in one request, each field under the cap on its own.
    query = (
        "query ($c: [ID!]!) { "
        + " ".join(f"a{i}: enterprises(creditCodes: $c) {{ name }}" for i in range(10))
        + " }"
    )
    response = await graph.post(query, {"c": sandbox.credit_codes(100)}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "firms": 1000, "maxFirms": 100}


async def test_one_list_over_the_batch_size_is_a_bad_request_before_anything_runs(
    graph: Graph, sandbox: SandboxControl
) -> None:
    sandbox.reset_stats()
    response = await graph.post(
        "query ($c: [ID!]!) { enterprises(creditCodes: $c) { name } }",
        {"c": sandbox.credit_codes(101)},
        accept=GRAPHQL_RESPONSE,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_REQUEST", "argument": "creditCodes"}
    assert sandbox.stats("registry")["total"] == 0
