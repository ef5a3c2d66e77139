"""A failing source nulls only its own field; a snapshot stands in for a provider that is down (stale)."""

from __future__ import annotations

from sandbox.control import SandboxControl
from tests.schema.conftest import Graph

QUERY = """
query ($code: ID!) {
  enterprise(creditCode: $code) {
    name
    electricity { freshness { stale } averageMonthlyKwh }
    tax { grade freshness { stale } }
    indicators { sourcesUsed sourcesUnavailable }
  }
}
"""


async def test_one_provider_down_nulls_only_its_field(graph: Graph, sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=20)[11]
    await graph.consent([code])
    sandbox.set_faults("electricity", down=True)

    answer = await graph.query(QUERY, {"code": code})

    firm = answer["data"]["enterprise"]
    assert firm["name"]
    assert firm["electricity"] is None
    assert firm["tax"]["grade"]
    assert firm["indicators"]["sourcesUnavailable"] == ["electricity"]
    assert [error["path"] for error in answer["errors"]] == [["enterprise", "electricity"]]
    assert answer["errors"][0]["extensions"]["code"] == "SOURCE_UNAVAILABLE"
    assert answer["errors"][0]["extensions"]["source"] == "electricity"


async def test_a_snapshot_stands_in_marked_stale(graph: Graph, sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=20)[12]
    await graph.consent([code])
    fresh = await graph.query(QUERY, {"code": code})
    assert fresh["data"]["enterprise"]["electricity"]["freshness"]["stale"] is False

    await graph.services.cache.clear(namespace=graph.services.settings.cache_namespace)
    sandbox.set_faults("electricity", down=True)
    stale = await graph.query(QUERY, {"code": code})

    assert "errors" not in stale, stale
    electricity = stale["data"]["enterprise"]["electricity"]
    assert electricity["freshness"]["stale"] is True
    assert electricity["averageMonthlyKwh"] == fresh["data"]["enterprise"]["electricity"]["averageMonthlyKwh"]
    assert stale["data"]["enterprise"]["tax"]["freshness"]["stale"] is False
