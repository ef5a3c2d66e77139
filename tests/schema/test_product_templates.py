"""Acceptance cases of the four shipped templates, over HTTP to the sandbox, with its fixture firms.

Each fixture firm's data says what its name says (sandbox/fixtures.py, checked in tests/sandbox): the
template must decide as its published rules do, with the reason codes, inputs and thresholds they give.
The assessments are dated 2026-11-15 (a fixed day: months in business do not drift with the calendar).
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from hub.products.templates import templates
from sandbox.control import SandboxControl
from sandbox.fixtures import fixture_code
from sandbox.universe import build_universe
from tests.schema.conftest import Graph

ASSESSED_ON = datetime(2026, 11, 15, 9, 0, tzinfo=UTC)
ASSESS = """
mutation ($code: ID!, $product: ID!, $version: Int) {
  assess(creditCode: $code, product: $product, version: $version) {
    id decision score rating creditLineYuan reasonCount
    reasons { code message inputs threshold }
    trace { node kind rule inputs result }
    facts { name value }
  }
}"""
REPLAY = "query ($id: ID!) { assessment(id: $id) { id decision creditLineYuan reasons { code } replayed } }"
PUBLISH = "mutation ($input: PublishProductInput!) { publishProduct(input: $input) { version } }"


def code_of(name: str) -> str:
    return fixture_code(build_universe(), name)


@pytest.fixture
async def products(graph: Graph) -> AsyncIterator[Graph]:
    """The graph with the four templates published for bank-a and the assessments' day fixed."""
    for template in templates().values():
        definition = {"key": template.key, "name": template.name, "kind": template.kind}
        answer = await graph.query(PUBLISH, {"input": {**definition, "document": template.document}})
        assert "errors" not in answer, answer["errors"]
    graph.services.products.clock = lambda: ASSESSED_ON
    yield graph


async def assess(graph: Graph, fixture: str, product: str, version: int | None = None) -> dict[str, Any]:
    code = code_of(fixture)
    await graph.consent([code])
    answer = await graph.query(ASSESS, {"code": code, "product": product, "version": version})
    assert "errors" not in answer, answer["errors"]
    assessed: dict[str, Any] = answer["data"]["assess"]
    return assessed


def all_codes(assessed: dict[str, Any]) -> list[str]:
    """Every reason (the answer lists the principal four): the matched rules of the reason tables."""
    matched = [
        step
        for step in assessed["trace"]
        if step["node"] in ("knock-outs", "referrals", "notes") and step["result"]["matched"]
    ]
    return [step["rule"] for step in matched]


def reason(assessed: dict[str, Any], code: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [entry for entry in assessed["reasons"] if entry["code"] == code]
    assert found, (code, assessed["reasons"])
    return found[0]


CASES = [
    # (product, fixture firm, decision, the first reason codes, in rule priority)
    ("electricity-loan", "electricity-eligible", "ELIGIBLE", []),
    ("electricity-loan", "electricity-arrears", "INELIGIBLE", ["ELECTRICITY_ARREARS"]),
    ("electricity-loan", "electricity-suspended", "INELIGIBLE", ["SUPPLY_SUSPENDED"]),
    ("electricity-loan", "electricity-holder-mismatch", "INELIGIBLE", ["HOLDER_NOT_REGISTERED_NAME"]),
    ("electricity-loan", "electricity-small", "INELIGIBLE", ["ELECTRICITY_FEES_LOW"]),
    ("electricity-loan", "electricity-short-history", "REFER", ["DATA_HISTORY_SHORT"]),
    ("electricity-loan", "young-firm", "INELIGIBLE", ["MONTHS_IN_BUSINESS_SHORT"]),
    ("tax-loan", "tax-eligible", "ELIGIBLE", []),
    ("tax-loan", "tax-grade-c", "INELIGIBLE", ["TAX_GRADE_NOT_ACCEPTED"]),
    ("tax-loan", "tax-grade-m", "INELIGIBLE", ["TAX_GRADE_NOT_ACCEPTED"]),
    ("tax-loan", "tax-no-recent-payment", "INELIGIBLE", ["NO_RECENT_TAX_PAYMENT"]),
    ("tax-loan", "tax-overdue-filing", "INELIGIBLE", ["OVERDUE_FILINGS"]),
    ("tax-loan", "tax-violation", "INELIGIBLE", ["TAX_VIOLATIONS"]),
    ("tax-loan", "tax-small", "INELIGIBLE", ["TAX_PAID_LOW"]),
    # a new taxpayer is graded M: the grade rule comes first in the template, its age second
    ("tax-loan", "young-firm", "INELIGIBLE", ["TAX_GRADE_NOT_ACCEPTED", "MONTHS_IN_BUSINESS_SHORT"]),
    ("logistics-loan", "logistics-eligible", "ELIGIBLE", []),
    ("logistics-loan", "logistics-sporadic", "INELIGIBLE", ["SHIPMENTS_IRREGULAR"]),
    ("logistics-loan", "logistics-concentrated", "INELIGIBLE", ["COUNTERPARTY_CONCENTRATED"]),
    ("logistics-loan", "young-firm", "INELIGIBLE", ["MONTHS_IN_BUSINESS_SHORT"]),
    ("receivable-loan", "receivable-supplier", "ELIGIBLE", []),
]


@pytest.mark.parametrize(
    ("product", "fixture", "decision", "first"), CASES, ids=[f"{case[0]}:{case[1]}" for case in CASES]
)
async def test_a_template_decides_as_its_rules_say(
    products: Graph, product: str, fixture: str, decision: str, first: list[str]
) -> None:
    assessed = await assess(products, fixture, product)
    codes = [entry["code"] for entry in assessed["reasons"]]
    assert assessed["decision"] == decision, codes
    assert codes[: len(first)] == first, codes
    if decision == "ELIGIBLE":
        assert Decimal(assessed["creditLineYuan"]) > 0
        assert not [
            step for step in assessed["trace"] if step["node"] == "knock-outs" and step["result"]["matched"]
        ]
    else:
        assert assessed["creditLineYuan"] is None


async def test_the_electricity_line_is_k_times_twelve_months_of_bills(products: Graph) -> None:
    assessed = await assess(products, "electricity-eligible", "electricity-loan")
    facts = {fact["name"]: fact["value"] for fact in assessed["facts"]}
    expected = (Decimal(str(facts["electricity.bills12mYuan"])) * Decimal("0.5")).quantize(Decimal("0.01"))
    assert Decimal(assessed["creditLineYuan"]) in (expected, expected - Decimal("0.01"))
    assert facts["electricity.arrearsMonths24"] == 0
    assert facts["electricity.holderMatchesName"] is True
    assert 300000 <= facts["electricity.feesPaid24mYuan"] <= 900000


async def test_a_large_user_is_capped_at_the_product_maximum(products: Graph) -> None:
    assessed = await assess(products, "electricity-large", "electricity-loan")
    assert assessed["decision"] == "ELIGIBLE"
    assert assessed["creditLineYuan"] == "2000000.00"
    capped = reason(assessed, "CAPPED_AT_PRODUCT_MAX")
    assert capped["threshold"] == 2000000
    assert capped["inputs"]["uncappedLineYuan"] > 2000000


async def test_a_large_taxpayer_is_capped_too(products: Graph) -> None:
    assessed = await assess(products, "tax-large", "tax-loan")
    assert assessed["decision"] == "ELIGIBLE"
    assert assessed["creditLineYuan"] == "3000000.00"
    assert "CAPPED_AT_PRODUCT_MAX" in [entry["code"] for entry in assessed["reasons"]]


async def test_cash_payers_lose_their_payment_points(products: Graph) -> None:
    cash = await assess(products, "electricity-cash", "electricity-loan")
    assert cash["decision"] != "INELIGIBLE"
    assert "cash" in all_codes(cash)
    points = next(
        step
        for step in cash["trace"]
        if step["node"] == "payment method points" and step["result"]["matched"]
    )
    assert points["rule"] == "m3"


async def test_knock_outs_say_what_they_read_and_their_threshold(products: Graph) -> None:
    arrears = reason(await assess(products, "electricity-arrears", "electricity-loan"), "ELECTRICITY_ARREARS")
    assert arrears["inputs"]["arrearsMonths24"] >= 1 and arrears["threshold"] == 0
    young = reason(await assess(products, "young-firm", "tax-loan"), "MONTHS_IN_BUSINESS_SHORT")
    assert young["inputs"] == {"monthsInBusiness": 14} and young["threshold"] == 24
    short = reason(
        await assess(products, "electricity-short-history", "electricity-loan"), "DATA_HISTORY_SHORT"
    )
    assert short["inputs"] == {"source": "electricity", "available": 10}
    assert short["threshold"] == {"required": 24}
    small = reason(await assess(products, "tax-small", "tax-loan"), "TAX_PAID_LOW")
    assert small["inputs"]["taxPaid12mYuan"] < 20000 and small["threshold"] == 30000


async def test_grade_m_is_a_parameter(products: Graph) -> None:
    document = copy.deepcopy(templates()["tax-loan"].document)
    document["parameters"]["acceptGradeM"] = True
    template = templates()["tax-loan"]
    definition = {"key": template.key, "name": template.name, "kind": template.kind, "document": document}
    answer = await products.query(PUBLISH, {"input": definition})
    assert answer["data"]["publishProduct"]["version"] == 2
    with_m = await assess(products, "tax-grade-m", "tax-loan")
    assert with_m["decision"] == "ELIGIBLE", with_m["reasons"]
    assert (await assess(products, "tax-grade-m", "tax-loan", version=1))["decision"] == "INELIGIBLE"


async def test_receivables_are_excluded_flagged_and_capped_by_the_rules(products: Graph) -> None:
    assessed = await assess(products, "receivable-supplier", "receivable-loan")
    rules = all_codes(assessed)
    for rule in ("concentration", "flagged", "due-soon", "settled", "unconfirmed", "tenor"):
        assert rule in rules, rules
    facts = {fact["name"]: fact["value"] for fact in assessed["facts"]}
    receivables = facts["trade.receivables"]
    assert any(entry["tenorDays"] > 365 for entry in receivables)
    eligible = next(
        step
        for step in assessed["trace"]
        if step["rule"] == "eligibleYuan" and step["node"] == "eligible amount"
    )
    financeable = next(step for step in assessed["trace"] if step["rule"] == "financeableYuan")
    assert financeable["result"] < eligible["result"]  # the concentration cap bit
    line = Decimal(assessed["creditLineYuan"])
    assert line == (Decimal(str(financeable["result"])) * Decimal("0.8")).quantize(
        Decimal("0.01"), "ROUND_DOWN"
    )


async def test_without_consent_a_template_refers(products: Graph, sandbox: SandboxControl) -> None:
    code = code_of("tax-eligible")
    answer = await products.query(ASSESS, {"code": code, "product": "tax-loan", "version": None})
    assessed = answer["data"]["assess"]
    assert assessed["decision"] == "REFER"
    assert [entry["code"] for entry in assessed["reasons"]] == ["DATA_WITHHELD"]
    assert assessed["facts"] == []


async def test_a_replay_is_identical_after_a_new_version(products: Graph) -> None:
    made = await assess(products, "electricity-eligible", "electricity-loan")
    document = copy.deepcopy(templates()["electricity-loan"].document)
    document["parameters"]["lineMultipleOfBills12m"] = 0.1
    template = templates()["electricity-loan"]
    definition = {"key": template.key, "name": template.name, "kind": template.kind, "document": document}
    await products.query(PUBLISH, {"input": definition})
    newer = await assess(products, "electricity-eligible", "electricity-loan")
    assert Decimal(newer["creditLineYuan"]) < Decimal(made["creditLineYuan"])
    replayed = (await products.query(REPLAY, {"id": made["id"]}))["data"]["assessment"]
    assert replayed == {
        "id": made["id"],
        "decision": made["decision"],
        "creditLineYuan": made["creditLineYuan"],
        "reasons": [{"code": entry["code"]} for entry in made["reasons"]],
        "replayed": True,
    }
