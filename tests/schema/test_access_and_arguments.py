"""Scopes, consent, masking, and argument errors as a client sees them (extensions.code)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from auth.principal import ALL_SCOPES
from sandbox.control import SandboxControl
from schema.sources import indicator_sources
from tests.schema.conftest import Graph


def codes_of(answer: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in answer.get("errors", [])]


async def test_a_missing_scope_is_forbidden_naming_the_scope(graph: Graph, sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1)[0]
    await graph.consent([code])
    token = await graph.token_with(frozenset({"tax:read"}))

    answer = await graph.query(
        "query ($c: ID!) { enterprise(creditCode: $c) { name registration { status }"
        " electricity { arrearsYuan } tax { grade } indicators { sourcesUsed sourcesWithheld } } }",
        {"c": code},
        token=token,
    )

    firm = answer["data"]["enterprise"]
    assert firm["tax"]["grade"]
    # The name is registry data too: withheld without registry:read, the rest of the firm stands.
    assert firm["name"] is None and firm["registration"] is None and firm["electricity"] is None
    scopes = {tuple(error["path"][1:]): error["extensions"]["scope"] for error in answer["errors"]}
    assert scopes == {
        ("name",): "registry:read",
        ("registration",): "registry:read",
        ("electricity",): "electricity:read",
    }
    assert set(codes_of(answer)) == {"FORBIDDEN"}
    assert firm["indicators"] == {
        "sourcesUsed": ["tax"],
        "sourcesWithheld": [source for source in indicator_sources() if source != "tax"],
    }


async def test_no_live_consent_is_no_consent(graph: Graph, sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=2)[1]
    await graph.consent([code], sources=["tax"])

    answer = await graph.query(
        "query ($c: ID!) { enterprise(creditCode: $c) { trade { gmvYuan } tax { grade } } }", {"c": code}
    )

    assert answer["data"]["enterprise"]["trade"] is None
    assert answer["data"]["enterprise"]["tax"]["grade"]
    assert codes_of(answer) == ["NO_CONSENT"]
    assert answer["errors"][0]["extensions"]["source"] == "trade"


async def test_a_bad_credit_code_names_the_code(graph: Graph) -> None:
    answer = await graph.query('{ enterprise(creditCode: "91330100ABCDEFGH1X") { name } }')
    assert codes_of(answer) == ["BAD_CREDIT_CODE"]
    assert answer["errors"][0]["extensions"]["creditCode"] == "91330100ABCDEFGH1X"
    assert "91330100ABCDEFGH1X" in answer["errors"][0]["message"]


@pytest.mark.parametrize(
    "selection",
    [
        "electricity(months: 25) { arrearsYuan }",
        "electricity(months: 0) { arrearsYuan }",
        "tax(years: 6) { grade }",
        "logistics { waybills(first: 101) { totalCount } }",
        'trade { orders(after: "not-a-cursor") { totalCount } }',
    ],
)
async def test_out_of_range_arguments_are_bad_requests(
    graph: Graph, sandbox: SandboxControl, selection: str
) -> None:
    code = sandbox.credit_codes(limit=1)[0]
    await graph.consent([code])
    answer = await graph.query(f'{{ enterprise(creditCode: "{code}") {{ name {selection} }} }}')
    assert codes_of(answer) == ["BAD_REQUEST"]
    assert answer["data"]["enterprise"]["name"]


async def test_supply_chain_depth_out_of_range_is_a_bad_request(
    graph: Graph, sandbox: SandboxControl
) -> None:
    core = sandbox.credit_codes(limit=1, core=True)[0]
    await graph.consent([core])
    answer = await graph.query(f'{{ supplyChain(coreCreditCode: "{core}", depth: 4) {{ depth }} }}')
    assert codes_of(answer) == ["BAD_REQUEST"]


async def test_relay_pages_follow_their_cursors(graph: Graph, sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1)[0]
    await graph.consent([code])
    page = (
        "waybills(first: 2{after}) "
        "{{ totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ waybillNo }} }}"
    )
    query = '{{ enterprise(creditCode: "{code}") {{ logistics(months: 24) {{ {page} }} }} }}'
    first = await graph.query(query.format(code=code, page=page.format(after="")))
    waybills = first["data"]["enterprise"]["logistics"]["waybills"]
    assert waybills["totalCount"] > 2 and waybills["pageInfo"]["hasNextPage"]
    after = f', after: "{waybills["pageInfo"]["endCursor"]}"'
    second = await graph.query(query.format(code=code, page=page.format(after=after)))
    next_nodes = second["data"]["enterprise"]["logistics"]["waybills"]["nodes"]
    assert len(next_nodes) == 2
    assert not {node["waybillNo"] for node in next_nodes} & {node["waybillNo"] for node in waybills["nodes"]}


async def test_a_bank_cannot_tell_that_another_bank_looked_a_firm_up(
    graph: Graph, sandbox: SandboxControl
) -> None:
    code = sandbox.credit_codes(limit=4)[3]
    other = await graph.token_with(ALL_SCOPES, tenant="bank-b")
    await graph.consent([code])
    today = date.today()
    await graph.services.auth.consents.grant_many(
        tenant_id="bank-b",
        client_id=None,
        credit_codes=[code],
        sources=["electricity"],
        valid_from=today,
        valid_until=today + timedelta(days=30),
        evidence_ref="form-b-1",
    )
    query = "query ($c: ID!) { enterprise(creditCode: $c) { electricity { freshness { fetchedAt } } } }"
    first = await graph.query(query, {"c": code})
    asked_at = datetime.now(UTC)
    second = await graph.query(query, {"c": code}, token=other)

    def fetched_at(answer: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(answer["data"]["enterprise"]["electricity"]["freshness"]["fetchedAt"])

    assert fetched_at(second) >= asked_at > fetched_at(first)
