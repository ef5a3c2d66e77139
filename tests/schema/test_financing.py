"""The financing registry over GraphQL against the sandbox's trade platform: a split receivable's lineage
(fixture ``voucher-splitter``), a second bank refused without learning who financed, each error's code,
release, loans reported and updated, scopes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from auth.principal import FINANCING_SCOPES, READ_SCOPES
from sandbox.control import SandboxControl
from sandbox.fixtures import fixture_code
from sandbox.lifecycle import lineage_of
from sandbox.universe import build_universe
from tests.schema.conftest import Graph

REGISTER = """
mutation ($input: FinancingInput!) {
  registerFinancing(input: $input) { id receivableNo creditCode amountYuan status availableYuan warnings }
}"""
RELEASE = "mutation ($id: ID!) { releaseFinancing(id: $id) { id status } }"
REPORT = """
mutation ($input: LoanInput!) {
  reportLoan(input: $input) { id status amountYuan created }
}"""
FINANCINGS = "{ financings { id receivableNo amountYuan status } }"
BANK_B = "bank-b"


def voucher() -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The fixture's code, its split receivable and its receivable that is not split."""
    universe = build_universe()
    code = fixture_code(universe, "voucher-splitter")
    mine = [
        item
        for item in lineage_of(universe, code)
        if item["holder"] == code and item["status"] == "confirmed"
    ]
    split = next(item for item in mine if item["children"])
    whole = next(item for item in mine if not item["children"] and item["parent_no"] is None)
    return code, split, whole


def financing(code: str, number: str, amount: str, registration: str | None = None) -> dict[str, Any]:
    return {
        "input": {
            "creditCode": code,
            "receivableNo": number,
            "amountYuan": amount,
            "registrationNo": registration,
            "product": "receivable-loan",
        }
    }


async def consent_for(graph: Graph, tenant: str, codes: list[str]) -> None:
    today = date.today()
    await graph.services.auth.consents.grant_many(
        tenant_id=tenant,
        client_id=None,
        credit_codes=codes,
        sources=["trade", "registry"],
        valid_from=today - timedelta(days=1),
        valid_until=today + timedelta(days=30),
        evidence_ref="test consent form",
    )


def code_of(answer: dict[str, Any]) -> str:
    assert answer.get("errors"), answer
    return str(answer["errors"][0]["extensions"]["code"])


async def test_confirm_register_and_a_second_bank_refused(graph: Graph) -> None:
    code, split, whole = voucher()
    await graph.consent([code])
    other_bank = await graph.token_with(FINANCING_SCOPES | READ_SCOPES, tenant=BANK_B)
    await consent_for(graph, BANK_B, [code])
    half = str((Decimal(whole["amount_yuan"]) / 2).quantize(Decimal("0.01")))
    first = await graph.query(REGISTER, financing(code, whole["receivable_no"], half, "ZD-2026-0001"))
    assert "errors" not in first, first
    registered = first["data"]["registerFinancing"]
    assert (registered["status"], registered["warnings"]) == ("LIVE", [])
    left = Decimal(whole["amount_yuan"]) - Decimal(half)
    assert Decimal(registered["availableYuan"]) == left
    too_much = await graph.query(
        REGISTER,
        financing(code, whole["receivable_no"], str(left + Decimal("0.01")), "ZD-2026-0002"),
        token=other_bank,
    )
    assert code_of(too_much) == "AMOUNT_EXCEEDS_AVAILABLE"
    assert "bank-a" not in str(too_much)
    rest = await graph.query(
        REGISTER, financing(code, whole["receivable_no"], str(left), "ZD-2026-0002"), token=other_bank
    )
    assert "errors" not in rest, rest
    full = await graph.query(
        REGISTER, financing(code, whole["receivable_no"], "1.00", "ZD-2026-0002"), token=other_bank
    )
    assert code_of(full) == "ALREADY_FINANCED"
    reused = await graph.query(
        REGISTER, financing(code, split["receivable_no"], "1.00", "ZD-2026-0001"), token=other_bank
    )
    assert code_of(reused) == "REGISTRATION_REUSED"
    assert "bank-a" not in str(reused)
    mine = await graph.query(FINANCINGS, token=other_bank)
    assert [row["amountYuan"] for row in mine["data"]["financings"]] == [str(left)]  # only its own


async def test_a_split_receivable_and_its_children(graph: Graph) -> None:
    code, split, _ = voucher()
    child = split["children"][0]
    await graph.consent([code, child["holder"]])
    kept = Decimal(split["retained_yuan"])
    over = await graph.query(REGISTER, financing(code, split["receivable_no"], str(kept + Decimal("0.01"))))
    assert code_of(over) == "AMOUNT_EXCEEDS_AVAILABLE"  # its children are not its holder's to finance
    registered = await graph.query(REGISTER, financing(code, split["receivable_no"], str(kept)))
    assert registered["data"]["registerFinancing"]["warnings"] == ["REGISTRATION_MISSING"]
    not_holder = await graph.query(REGISTER, financing(code, child["receivable_no"], "1.00"))
    assert code_of(not_holder) == "NOT_FINANCEABLE"
    assert not_holder["errors"][0]["extensions"]["reason"] == "NOT_HOLDER"
    by_holder = await graph.query(
        REGISTER, financing(child["holder"], child["receivable_no"], child["amount_yuan"])
    )
    assert "errors" not in by_holder, by_holder
    released = await graph.query(RELEASE, {"id": by_holder["data"]["registerFinancing"]["id"]})
    assert released["data"]["releaseFinancing"]["status"] == "RELEASED"


async def test_bad_input_and_missing_scope_or_consent(graph: Graph) -> None:
    code, _, whole = voucher()
    number = whole["receivable_no"]
    assert code_of(await graph.query(REGISTER, financing(code, number, "1.001"))) == "BAD_REQUEST"
    assert code_of(await graph.query(REGISTER, financing(code, number, "-5"))) == "BAD_REQUEST"
    assert (
        code_of(await graph.query(REGISTER, financing("91330100MA27XL0K3X", number, "1")))
        == "BAD_CREDIT_CODE"
    )
    assert code_of(await graph.query(REGISTER, financing(code, number, "1"))) == "NO_CONSENT"
    await graph.consent([code])
    assert code_of(await graph.query(REGISTER, financing(code, "AR000000000000", "1"))) == "NOT_FOUND"
    reader = await graph.token_with(READ_SCOPES)
    assert code_of(await graph.query(REGISTER, financing(code, number, "1"), token=reader)) == "FORBIDDEN"


async def test_loans_are_reported_and_updated(graph: Graph) -> None:
    code, _, _ = voucher()
    loan = {
        "creditCode": code,
        "product": "receivable-loan",
        "amountYuan": "200000.00",
        "disbursedOn": "2026-10-10",
        "status": "ACTIVE",
    }
    first = await graph.query(REPORT, {"input": loan})
    assert first["data"]["reportLoan"]["created"] is True
    again = await graph.query(REPORT, {"input": {**loan, "status": "OVERDUE"}})
    assert again["data"]["reportLoan"] == {
        **first["data"]["reportLoan"],
        "status": "OVERDUE",
        "created": False,
    }
    future = {**loan, "disbursedOn": (date.today() + timedelta(days=3)).isoformat()}
    assert code_of(await graph.query(REPORT, {"input": future})) == "BAD_REQUEST"


STANDING = """
query ($code: ID!) {
  enterprise(creditCode: $code) {
    trade {
      receivables(first: 100) {
        edges { node {
          receivableNo amountYuan tenorDays flags status holder availableYuan retainedYuan
          children { receivableNo holder amountYuan }
          lineage { at type actor amountYuan counterparty childNo }
        } }
      }
    }
  }
}"""


async def standing_nodes(graph: Graph, code: str) -> dict[str, dict[str, Any]]:
    answer = await graph.query(STANDING, {"code": code})
    assert "errors" not in answer, answer["errors"]
    edges = answer["data"]["enterprise"]["trade"]["receivables"]["edges"]
    return {edge["node"]["receivableNo"]: edge["node"] for edge in edges}


async def test_a_receivable_shows_its_standing_lineage_and_what_it_can_still_carry(graph: Graph) -> None:
    code, split, whole = voucher()
    await graph.consent([code])
    nodes = await standing_nodes(graph, code)
    parent = nodes[split["receivable_no"]]
    assert (parent["status"], parent["holder"]) == ("CONFIRMED", code)
    children = parent["children"]
    assert len(children) == 2
    assert Decimal(parent["retainedYuan"]) + sum(
        Decimal(child["amountYuan"]) for child in children
    ) == Decimal(parent["amountYuan"])
    kinds = [event["type"] for event in parent["lineage"]]
    assert (
        kinds[:2] == ["uploaded", "confirmed"]
        and kinds.count("split") == 2
        and kinds.count("transferred") == 2
    )
    assert Decimal(parent["availableYuan"]) == Decimal(parent["retainedYuan"])
    untouched = nodes[whole["receivable_no"]]
    assert untouched["children"] == [] and untouched["flags"] == []
    assert Decimal(untouched["availableYuan"]) == Decimal(untouched["amountYuan"])
    await graph.query(REGISTER, financing(code, whole["receivable_no"], "1000.00", "ZD-STANDING-1"))
    after = await standing_nodes(graph, code)  # live: the registry's financings, not a cached answer
    left = Decimal(untouched["amountYuan"]) - Decimal("1000.00")
    assert Decimal(after[whole["receivable_no"]]["availableYuan"]) == left
    unconfirmed = [node for node in nodes.values() if node["status"] in ("UPLOADED", "REJECTED", "SETTLED")]
    assert all(Decimal(node["availableYuan"]) == 0 for node in unconfirmed)


async def test_a_platform_that_fails_degrades_only_the_standing_fields(
    graph: Graph, sandbox: SandboxControl
) -> None:
    code, _, whole = voucher()
    await graph.consent([code])
    await standing_nodes(graph, code)  # the trade record is cached now
    sandbox.set_faults("trade", down=True)
    try:
        answer = await graph.query(STANDING, {"code": code})
        registered = await graph.query(REGISTER, financing(code, whole["receivable_no"], "1.00"))
    finally:
        sandbox.reset_faults("trade")
    node = next(
        edge["node"]
        for edge in answer["data"]["enterprise"]["trade"]["receivables"]["edges"]
        if edge["node"]["receivableNo"] == whole["receivable_no"]
    )
    assert node["amountYuan"] == whole["amount_yuan"] and node["status"] is None
    assert {error["extensions"]["code"] for error in answer["errors"]} == {"SOURCE_UNAVAILABLE"}
    assert code_of(registered) == "SOURCE_UNAVAILABLE"  # the platform's word is needed now: nothing written
    assert (await graph.query(FINANCINGS))["data"]["financings"] == []
