"""Federation (_service, _entities), the committed schema.graphql, and prod: no introspection, masking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLError

from foundation.errors import SourceUnavailable
from sandbox.control import SandboxControl
from schema.build import sdl
from schema.errors import map_error
from tests.schema.conftest import Graph

ROOT = Path(__file__).resolve().parents[2]


def test_schema_graphql_is_what_hub_schema_export_prints() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == sdl(), "schema.graphql drifted: run `hub schema export -o schema.graphql`"


async def test_service_sdl_and_entities(graph: Graph, sandbox: SandboxControl) -> None:
    codes = sandbox.credit_codes(limit=2)
    answer = await graph.query(
        "query ($r: [_Any!]!) { _service { sdl } _entities(representations: $r) "
        "{ ... on Enterprise { creditCode name } } }",
        {"r": [{"__typename": "Enterprise", "creditCode": code} for code in [*codes, "91330106AY4CL12T2M"]]},
    )
    assert '@key(fields: "creditCode")' in answer["data"]["_service"]["sdl"]
    assert [entity and entity["creditCode"] for entity in answer["data"]["_entities"]] == [*codes, None]


async def test_entities_answers_a_bad_representation_in_its_place(
    graph: Graph, sandbox: SandboxControl
) -> None:
    [code] = sandbox.credit_codes(limit=1)
    representations: list[object] = [
        {"__typename": "Nope", "creditCode": code},
        {"__typename": "Enterprise", "creditCode": code},
        {"__typename": "Enterprise"},
        {"creditCode": code},
        "Enterprise",
    ]
    answer = await graph.query(
        "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Enterprise { creditCode } } }",
        {"r": representations},
    )
    assert answer["data"]["_entities"] == [None, {"creditCode": code}, None, None, None]
    errors = {error["path"][1]: error for error in answer["errors"]}
    assert sorted(errors) == [0, 2, 3, 4]
    assert {error["extensions"]["code"] for error in errors.values()} == {"BAD_REQUEST"}
    assert errors[0]["extensions"]["typename"] == "Nope"
    assert "unknown entity type 'Nope'" in errors[0]["message"]
    assert "creditCode" in errors[2]["message"]


@pytest.fixture
def graph_overrides() -> dict[str, Any]:
    return {"env": "prod"}


async def test_prod_refuses_introspection_but_serves_the_subgraph_sdl(graph: Graph) -> None:
    refused = await graph.query("{ __schema { types { name } } }")
    assert refused["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    served = await graph.query("{ _service { sdl } }")
    assert "type Enterprise" in served["data"]["_service"]["sdl"]


async def test_prod_has_no_graphiql(graph: Graph) -> None:
    response = await graph.http.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in response.text.lower()


def test_prod_masks_unexpected_errors_and_source_failure_reasons() -> None:
    leak = RuntimeError("/srv/hub/db.py: password=hunter2")
    internal = GraphQLError("boom", original_error=leak, path=["a"])
    masked = map_error(internal, production=True)
    assert masked.message == "Internal server error."
    assert masked.extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert "hunter2" not in str(masked.formatted)

    down = SourceUnavailable("tax", "connect to http://10.0.0.7:8443 refused")
    failed = map_error(GraphQLError(str(down), original_error=down, path=["a"]), production=True)
    assert failed.message == "source tax is unavailable"
    assert failed.extensions == {"code": "SOURCE_UNAVAILABLE", "source": "tax"}

    in_dev = map_error(GraphQLError(str(down), original_error=down, path=["a"]), production=False)
    assert "10.0.0.7" in in_dev.message


async def test_prod_suggests_no_names(graph: Graph) -> None:
    answer = await graph.query(
        '{ enterprise(creditCode: "91330106AY4CL12T2M") { nam registratio { status } } }'
    )
    messages = [error["message"] for error in answer["errors"]]
    assert messages and all("Did you mean" not in message for message in messages), messages
    assert all(error["extensions"]["code"] == "BAD_REQUEST" for error in answer["errors"])


async def test_the_subgraph_sdl_needs_the_federation_scope(graph: Graph) -> None:
    token = await graph.token_with(frozenset({"registry:read", "tax:read"}))
    answer = await graph.query("{ _service { sdl } }", token=token)
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"] == {"code": "FORBIDDEN", "scope": "federation"}
