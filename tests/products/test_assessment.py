"""Assessments of hand-made firms with the shipped templates: decisions, reasons, money and data checks.

Pure (no HTTP): the over-HTTP acceptance cases with the sandbox's fixture firms are in
tests/schema/test_products.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from hub.products.assessment import FirmInputs, Outcome, evaluate_product
from hub.products.documents import CompiledProduct, compile_product
from hub.products.templates import templates
from tests.products.jdm import document, expression_node
from tests.products.records import (
    AS_OF,
    electricity,
    firm,
    name_hash,
    not_found,
    read,
    registry,
    tax,
    unavailable,
    withheld,
)


def _product(key: str) -> CompiledProduct:
    return compile_product(templates()[key].document)


def _assess(key: str, inputs: FirmInputs) -> Outcome:
    return evaluate_product(_product(key), inputs, evaluated_at=AS_OF, name_hash=name_hash)


def _codes(outcome: Outcome) -> list[str]:
    return [reason.code for reason in outcome.reasons]


ELECTRICITY_CASES: list[tuple[str, Callable[[], FirmInputs], str, list[str]]] = [
    ("eligible", lambda: firm(registry=registry(), electricity=electricity()), "ELIGIBLE", []),
    (
        "young firm",
        lambda: firm(registry=registry(founded_on=date(2025, 9, 1)), electricity=electricity(months=14)),
        "INELIGIBLE",
        ["MONTHS_IN_BUSINESS_SHORT"],
    ),
    (
        "fees too low",
        lambda: firm(registry=registry(), electricity=electricity(bill="3000.00")),
        "INELIGIBLE",
        ["ELECTRICITY_FEES_LOW"],
    ),
    (
        "arrears",
        lambda: firm(registry=registry(), electricity=electricity(arrears_in=frozenset({0, 5}))),
        "INELIGIBLE",
        ["ELECTRICITY_ARREARS"],
    ),
    (
        "supply suspended",
        lambda: firm(registry=registry(), electricity=electricity(supply_status="suspended")),
        "INELIGIBLE",
        ["SUPPLY_SUSPENDED"],
    ),
    (
        "holder is another name",
        lambda: firm(
            registry=registry(),
            electricity=electricity(holder_name="王**", holder_name_hash=name_hash("王伟")),
        ),
        "INELIGIBLE",
        ["HOLDER_NOT_REGISTERED_NAME"],
    ),
    (
        "holder not given: refer, never ineligible",
        lambda: firm(registry=registry(), electricity=electricity(holder_name=None, holder_name_hash=None)),
        "REFER",
        ["HOLDER_NOT_VERIFIED"],
    ),
    (
        "deregistered",
        lambda: firm(registry=registry(status="deregistered"), electricity=electricity()),
        "INELIGIBLE",
        ["ENTERPRISE_NOT_ACTIVE"],
    ),
    (
        "electricity withheld",
        lambda: firm(registry=registry(), electricity=withheld("electricity")),
        "REFER",
        ["DATA_WITHHELD"],
    ),
    (
        "electricity unknown to the grid",
        lambda: firm(registry=registry(), electricity=not_found("electricity")),
        "REFER",
        ["DATA_MISSING"],
    ),
    (
        "electricity down, no snapshot",
        lambda: firm(registry=registry(), electricity=unavailable("electricity")),
        "REFER",
        ["DATA_UNAVAILABLE"],
    ),
    (
        "stale electricity",
        lambda: firm(registry=registry(), electricity=read("electricity", electricity(), age_days=60)),
        "REFER",
        ["DATA_STALE"],
    ),
    (
        "ten months of bills for an old firm",
        lambda: firm(registry=registry(), electricity=electricity(months=10)),
        "REFER",
        ["DATA_HISTORY_SHORT"],
    ),
]


@pytest.mark.parametrize(
    ("case", "inputs", "decision", "reasons"), ELECTRICITY_CASES, ids=[case[0] for case in ELECTRICITY_CASES]
)
def test_electricity_loan(
    case: str, inputs: Callable[[], FirmInputs], decision: str, reasons: list[str]
) -> None:
    outcome = _assess("electricity-loan", inputs())
    assert outcome.decision == decision, (case, outcome.reasons)
    codes = _codes(outcome)
    assert codes[: len(reasons)] == reasons, (case, codes)
    if decision != "ELIGIBLE":
        assert outcome.credit_line_yuan is None


def test_a_knock_out_says_what_it_read_and_its_threshold() -> None:
    outcome = _assess("electricity-loan", firm(registry=registry(), electricity=electricity(bill="3000.00")))
    fees = next(reason for reason in outcome.reasons if reason.code == "ELECTRICITY_FEES_LOW")
    assert fees.inputs == {"feesPaid24mYuan": 72000}
    assert fees.threshold == 100000
    assert "72000" in fees.message


def test_data_reasons_say_which_source_how_old_and_how_short() -> None:
    stale = _assess(
        "electricity-loan",
        firm(registry=registry(), electricity=read("electricity", electricity(), age_days=60)),
    )
    assert stale.reasons[0].inputs == {"source": "electricity", "ageDays": 60}
    assert stale.reasons[0].threshold == {"maxAgeDays": 45}
    short = _assess("electricity-loan", firm(registry=registry(), electricity=electricity(months=10)))
    assert short.reasons[0].inputs == {"source": "electricity", "available": 10}
    assert short.reasons[0].threshold == {"required": 24}
    withheld_tax = _assess("tax-loan", firm(registry=registry(), tax=withheld("tax")))
    assert withheld_tax.reasons[0].inputs == {"source": "tax"}


def test_a_young_firm_is_held_to_its_age_not_to_the_window() -> None:
    """Fourteen months of bills for a firm founded fourteen months ago is all the history there is: no
    DATA_HISTORY_SHORT; its age is the rules' business (MONTHS_IN_BUSINESS_SHORT)."""
    outcome = _assess(
        "electricity-loan",
        firm(registry=registry(founded_on=date(2025, 9, 1)), electricity=electricity(months=14)),
    )
    assert "DATA_HISTORY_SHORT" not in _codes(outcome)


def test_the_credit_line_is_to_the_fen_rounded_down() -> None:
    """Line = 0.5 × the bills of 12 months: 12 × 21,012.34 = 252,148.08 → 126,074.04 exactly; and with an
    odd fen the half fen is dropped."""
    outcome = _assess("electricity-loan", firm(registry=registry(), electricity=electricity()))
    assert outcome.credit_line_yuan == Decimal("126074.04")
    odd = _assess("electricity-loan", firm(registry=registry(), electricity=electricity(bill="21012.35")))
    assert odd.credit_line_yuan == Decimal("126074.10")  # 0.5 × 252,148.20
    cents = _assess("electricity-loan", firm(registry=registry(), electricity=electricity(bill="12345.67")))
    assert cents.credit_line_yuan == Decimal("74074.02")  # 0.5 × 148,148.04


def test_a_line_over_the_product_maximum_is_capped_with_its_reason() -> None:
    outcome = _assess(
        "electricity-loan", firm(registry=registry(), electricity=electricity(bill="500000.01"))
    )
    assert outcome.decision == "ELIGIBLE"
    assert outcome.credit_line_yuan == Decimal("2000000.00")
    capped = next(reason for reason in outcome.reasons if reason.code == "CAPPED_AT_PRODUCT_MAX")
    assert capped.threshold == 2000000
    assert capped.inputs == {"uncappedLineYuan": 3000000.06}


def test_the_capacity_score_follows_the_published_formula() -> None:
    """(INT(avg monthly kWh of the last 12 / 1000) + 1) × 10: 3,000 kWh → 40."""
    outcome = _assess("electricity-loan", firm(registry=registry(), electricity=electricity(kwh="3000")))
    capacity = next(step for step in outcome.trace if step.rule == "capacityScore")
    assert capacity.result == 40
    assert capacity.inputs["electricity.avgMonthlyKwh12"] == 3000


def test_cash_payers_earn_no_payment_points() -> None:
    auto = _assess("electricity-loan", firm(registry=registry(), electricity=electricity()))
    cash = _assess(
        "electricity-loan", firm(registry=registry(), electricity=electricity(payment_method="cash"))
    )
    assert auto.score is not None and cash.score is not None
    assert auto.score - cash.score == 10
    assert "PAYMENT_BY_CASH" in _codes(cash)


def test_the_trace_has_every_rule_with_what_it_read() -> None:
    outcome = _assess("electricity-loan", firm(registry=registry(), electricity=electricity()))
    rules = [step for step in outcome.trace if step.node == "knock-outs"]
    assert [step.rule for step in rules] == ["months", "active", "fees", "arrears", "supply", "holder"]
    assert all(step.result == {"matched": False} for step in rules)
    assert rules[0].inputs == {"registry.monthsInBusiness": 140}
    assert [step.rule for step in outcome.trace if step.kind == "data"] == [
        "registry.age",
        "electricity.age",
        "electricity.history",
    ]


def test_nothing_of_a_withheld_source_reaches_the_trace() -> None:
    outcome = _assess("electricity-loan", firm(registry=registry(), electricity=withheld("electricity")))
    assert outcome.decision == "REFER"
    text = repr(outcome.trace)
    assert "feesPaid" not in text and "21012" not in text
    assert all(step.kind == "data" for step in outcome.trace)


def test_tax_loan_line_is_a_multiple_of_the_average_annual_tax() -> None:
    outcome = _assess("tax-loan", firm(registry=registry(), tax=tax("A")))
    assert outcome.decision == "ELIGIBLE", outcome.reasons
    assert outcome.credit_line_yuan == Decimal("1000001.50")  # 10 × (98,000.10 + 102,000.20) / 2
    grade_b = _assess("tax-loan", firm(registry=registry(), tax=tax("B")))
    assert grade_b.credit_line_yuan == Decimal("600000.90")  # 6 × 100,000.15


def test_the_same_inputs_decide_the_same() -> None:
    inputs = firm(registry=registry(), electricity=electricity(arrears_in=frozenset({3})))
    first, second = _assess("electricity-loan", inputs), _assess("electricity-loan", inputs)
    assert first.summary() == second.summary()
    assert first.trace == second.trace


def _custom(*expressions: tuple[str, str]) -> CompiledProduct:
    doc: dict[str, Any] = document(expression_node("calc", "calc", list(expressions)))
    return compile_product(doc)


def test_rules_failing_on_a_firm_refer_it_naming_the_node() -> None:
    product = _custom(("ratio", "registry.monthsInBusiness / (registry.shareholderCount * [1])"))
    outcome = evaluate_product(product, firm(registry=registry()), evaluated_at=AS_OF)
    assert outcome.decision == "REFER"
    assert outcome.reasons[0].code == "EVALUATION_FAILED"
    assert outcome.reasons[0].inputs == {"node": "calc"}


def test_an_output_of_the_wrong_type_refers() -> None:
    doc = document()
    decide = next(node for node in doc["graph"]["nodes"] if node["id"] == "decide")
    decide["content"]["expressions"][0]["value"] = "'MAYBE'"
    outcome = evaluate_product(compile_product(doc), firm(registry=registry()), evaluated_at=AS_OF)
    assert outcome.decision == "REFER"
    assert outcome.reasons[0].code == "PRODUCT_OUTPUT_INVALID"
    assert "MAYBE" in outcome.reasons[0].message


def test_at_most_four_principal_reasons_in_rule_order() -> None:
    outcome = _assess(
        "electricity-loan",
        firm(
            registry=registry(founded_on=date(2025, 9, 1), status="revoked"),
            electricity=electricity(
                months=14,
                bill="100",
                arrears_in=frozenset({0}),
                supply_status="suspended",
                holder_name_hash=name_hash("x"),
            ),
        ),
    )
    assert _codes(outcome)[:6] == [
        "MONTHS_IN_BUSINESS_SHORT",
        "ENTERPRISE_NOT_ACTIVE",
        "ELECTRICITY_FEES_LOW",
        "ELECTRICITY_ARREARS",
        "SUPPLY_SUSPENDED",
        "HOLDER_NOT_REGISTERED_NAME",
    ]
    assert [reason.code for reason in outcome.principal_reasons] == _codes(outcome)[:4]
