"""``Enterprise.connections`` over HTTP: the tenant's own consents decide, scopes pick the rows, and a
100-firm list costs one read of the states, no upstream call."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import event

from hub.connections.refresh import refresh_firm
from sandbox.control import SandboxControl
from tests.connections.test_refresh import grant
from tests.schema.conftest import TENANT, Graph

CONNECTIONS = """
query ($codes: [ID!]!) {
  enterprises(creditCodes: $codes) {
    creditCode
    connections {
      source status statusSince lastAttemptAt lastSuccessAt lastError { code }
      coverage { firstMonth lastMonth } consentExpiresOn
    }
  }
}"""
CODES_ONLY = "query ($codes: [ID!]!) { enterprises(creditCodes: $codes) { creditCode } }"


def rows(answer: dict[str, Any]) -> list[dict[str, dict[str, Any]]]:
    assert "errors" not in answer, answer["errors"]
    return [{row["source"]: row for row in firm["connections"]} for firm in answer["data"]["enterprises"]]


async def test_each_tenant_sees_its_own_consents(graph: Graph, clean_sandbox: SandboxControl) -> None:
    code, expiring, withdrawn = clean_sandbox.credit_codes(3)
    await grant(graph, [code, withdrawn], ["tax", "electricity"])
    await graph.services.auth.consents.grant(
        tenant_id=TENANT,
        client_id=None,
        credit_code=expiring,
        sources=["tax"],
        valid_from=date.today() - timedelta(days=1),
        valid_until=date.today() + timedelta(days=3),
        evidence_ref="doc-2",
    )
    for firm in (code, expiring, withdrawn):
        await refresh_firm(graph.services, firm)
    await graph.services.auth.consents.withdraw(
        tenant_id=TENANT, client_id=None, credit_code=withdrawn, sources=["tax"]
    )
    other = await graph.token_with(frozenset({"consent:read"}), tenant="bank-b")

    mine = rows(await graph.query(CONNECTIONS, {"codes": [code, expiring, withdrawn]}))
    theirs = rows(await graph.query(CONNECTIONS, {"codes": [code]}, token=other))

    tax = mine[0]["tax"]
    assert tax["status"] == "LINKED" and tax["lastError"] is None and tax["lastSuccessAt"]
    assert tax["coverage"]["firstMonth"] < tax["coverage"]["lastMonth"]
    assert tax["consentExpiresOn"] == (date.today() + timedelta(days=60)).isoformat()
    assert mine[0]["registry"]["status"] == "LINKED" and mine[0]["registry"]["coverage"] is None
    assert mine[0]["trade"]["status"] == "PENDING_CONSENT" and mine[0]["trade"]["lastAttemptAt"] is None
    assert mine[1]["tax"]["status"] == "CONSENT_EXPIRING"
    assert mine[2]["tax"]["status"] == "CONSENT_WITHDRAWN" and mine[2]["tax"]["coverage"] is None
    assert mine[2]["electricity"]["status"] in {"LINKED", "NOT_FOUND_AT_SOURCE"}
    # Another bank learns nothing of bank-a's consents, nor that the hub refreshes the firm.
    assert {row["status"] for row in theirs[0].values()} == {"PENDING_CONSENT"}
    assert all(row["lastAttemptAt"] is None and row["coverage"] is None for row in theirs[0].values())


async def test_rows_follow_the_scopes(graph: Graph, clean_sandbox: SandboxControl) -> None:
    (code,) = clean_sandbox.credit_codes(1)
    tax_only = await graph.token_with(frozenset({"tax:read"}))
    nothing = await graph.token_with(frozenset({"products:write"}))

    assert list(rows(await graph.query(CONNECTIONS, {"codes": [code]}, token=tax_only))[0]) == ["tax"]
    denied = await graph.query(CONNECTIONS, {"codes": [code]}, token=nothing)
    assert {error["extensions"]["code"] for error in denied["errors"]} == {"FORBIDDEN"}


async def test_a_hundred_firms_cost_one_read_and_no_upstream_call(
    graph: Graph, clean_sandbox: SandboxControl
) -> None:
    codes = clean_sandbox.credit_codes(100)
    await grant(graph, codes[:10], ["tax"])
    await graph.query(CODES_ONLY, {"codes": codes})  # the enterprises themselves: the registry, cached
    await graph.services.connections.settle()  # the states those fetches moved, written
    clean_sandbox.reset_stats()
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = graph.services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        firms = rows(await graph.query(CONNECTIONS, {"codes": codes}))
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    assert (
        len(firms) == 100
        and firms[0]["tax"]["status"] == "STALE"
        and firms[99]["tax"]["status"] == "PENDING_CONSENT"
    )
    assert clean_sandbox.requests() == {name: 0 for name in clean_sandbox.urls}
    assert sum("FROM connection_state" in statement for statement in statements) == 1
    assert sum("FROM consent" in statement for statement in statements) <= 2  # the rows', the access check's
