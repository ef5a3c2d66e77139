"""Each check's PASS, FLAG, NOT_APPLICABLE and NO_DATA on hand-made records, and determinism.

Over HTTP with the sandbox's planted fixture firms: tests/schema/test_verification.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors.records import Order
from foundation.errors import BadRequest
from hub.verification.checks import verify
from hub.verification.findings import Finding
from hub.verification.inputs import VerificationInputs
from hub.verification.parameters import CODES, checked
from tests.verification.records import (
    AS_OF,
    A,
    B,
    C,
    D,
    electricity,
    inputs,
    logistics,
    monthly_sales,
    months,
    order,
    receivable,
    registry,
    tax,
    trade,
    waybill,
    withheld,
)


def finding(of: VerificationInputs, code: str, **overrides: dict[str, float]) -> Finding:
    found = {item.code: item for item in verify(of, overrides, as_of=AS_OF)}
    assert list(found) == list(CODES)
    return found[code]


# SALES_NOT_INVOICED ---------------------------------------------------------------------------------------
def test_platform_sales_far_above_invoices_flag() -> None:
    sales = monthly_sales("S", A, B, "30000")  # 360,000 on the platform
    firm = inputs(trade=trade(A, sales), tax=tax(A, ["10000"] * 24))  # 120,000 invoiced: 3×
    result = finding(firm, "SALES_NOT_INVOICED")
    assert (result.status, result.severity) == ("FLAG", "HIGH")
    assert result.evidence.values["ratio"] == 3.0
    assert result.params["maxRatio"] == 1.5
    assert len(result.evidence.months) == 12


def test_invoices_above_platform_sales_pass_and_thresholds_are_the_tenants() -> None:
    firm = inputs(trade=trade(A, monthly_sales("S", A, B, "10000")), tax=tax(A, ["30000"] * 24))
    assert finding(firm, "SALES_NOT_INVOICED").status == "PASS"
    loose = inputs(trade=trade(A, monthly_sales("S", A, B, "30000")), tax=tax(A, ["10000"] * 24))
    assert finding(loose, "SALES_NOT_INVOICED", SALES_NOT_INVOICED={"maxRatio": 4.0}).status == "PASS"


def test_sales_not_invoiced_without_tax_is_no_data_never_pass() -> None:
    firm = inputs(trade=trade(A, monthly_sales("S", A, B, "30000")), tax=withheld("tax", A))
    result = finding(firm, "SALES_NOT_INVOICED")
    assert result.status == "NO_DATA"
    assert result.evidence.values["unreadable"] == ["tax"]


def test_sales_not_invoiced_with_a_short_tax_history_is_not_applicable() -> None:
    firm = inputs(trade=trade(A, monthly_sales("S", A, B, "30000")), tax=tax(A, ["10000"] * 6))
    assert finding(firm, "SALES_NOT_INVOICED").status == "NOT_APPLICABLE"


# ORDERS_WITHOUT_SHIPMENTS --------------------------------------------------------------------------------
def test_orders_without_waybills_flag_naming_the_orders() -> None:
    sales = monthly_sales("S", A, B, "5000")
    shipped = [
        waybill(f"W{index}", A, B, item.ordered_on + timedelta(days=2))
        for index, item in enumerate(sales[:6])
    ]
    result = finding(
        inputs(trade=trade(A, sales), logistics=logistics(A, shipped)), "ORDERS_WITHOUT_SHIPMENTS"
    )
    assert (result.status, result.severity) == ("FLAG", "MEDIUM")
    assert result.evidence.orders == tuple(sorted(item.order_no for item in sales[6:]))
    assert result.evidence.values == {"orders": 12, "unmatched": 6, "share": 0.5}


def test_orders_matched_by_pair_and_window_pass() -> None:
    sales = monthly_sales("S", A, B, "5000")
    shipped = [
        waybill(f"W{index}", A, B, item.ordered_on + timedelta(days=13)) for index, item in enumerate(sales)
    ]
    assert (
        finding(
            inputs(trade=trade(A, sales), logistics=logistics(A, shipped)), "ORDERS_WITHOUT_SHIPMENTS"
        ).status
        == "PASS"
    )
    to_someone_else = [waybill(f"W{index}", A, C, item.ordered_on) for index, item in enumerate(sales)]
    late = [
        waybill(f"W{index}", A, B, item.ordered_on + timedelta(days=20)) for index, item in enumerate(sales)
    ]
    for waybills in (to_someone_else, late):
        firm = inputs(trade=trade(A, sales), logistics=logistics(A, waybills))
        assert finding(firm, "ORDERS_WITHOUT_SHIPMENTS").severity == "HIGH"


def test_orders_without_shipments_paths_without_data() -> None:
    sales = monthly_sales("S", A, B, "5000")
    assert (
        finding(
            inputs(trade=trade(A, sales), logistics=withheld("logistics", A)), "ORDERS_WITHOUT_SHIPMENTS"
        ).status
        == "NO_DATA"
    )
    open_orders = [
        order(f"O{i}", A, B, month.replace(day=5), "100", status="open") for i, month in enumerate(months(12))
    ]
    assert (
        finding(
            inputs(trade=trade(A, open_orders), logistics=logistics(A, [])), "ORDERS_WITHOUT_SHIPMENTS"
        ).status
        == "NOT_APPLICABLE"
    )


# OUTPUT_ENERGY_DIVERGENCE --------------------------------------------------------------------------------
def test_a_manufacturer_selling_more_on_less_power_flags() -> None:
    firm = inputs(
        registry=registry(A),
        tax=tax(A, ["10000"] * 12 + ["14000"] * 12),
        electricity=electricity(A, ["1000"] * 12 + ["700"] * 12),
    )
    result = finding(firm, "OUTPUT_ENERGY_DIVERGENCE")
    assert (result.status, result.severity) == ("FLAG", "HIGH")
    assert result.evidence.values == {"salesGrowth": 0.4, "energyGrowth": -0.3}


def test_energy_divergence_passes_in_step_and_is_not_applicable_to_a_wholesaler() -> None:
    in_step = inputs(
        registry=registry(A),
        tax=tax(A, ["10000"] * 12 + ["12000"] * 12),
        electricity=electricity(A, ["1000"] * 12 + ["1200"] * 12),
    )
    assert finding(in_step, "OUTPUT_ENERGY_DIVERGENCE").status == "PASS"
    wholesaler = inputs(
        registry=registry(A, industry="F51"),
        tax=tax(A, ["10000"] * 12 + ["14000"] * 12),
        electricity=electricity(A, ["1000"] * 12 + ["700"] * 12),
    )
    assert finding(wholesaler, "OUTPUT_ENERGY_DIVERGENCE").status == "NOT_APPLICABLE"
    no_power = inputs(registry=registry(A), tax=tax(A, ["1"] * 24), electricity=withheld("electricity", A))
    assert finding(no_power, "OUTPUT_ENERGY_DIVERGENCE").status == "NO_DATA"


# SALES_SPIKE ---------------------------------------------------------------------------------------------
def test_the_last_month_at_three_times_a_year_earlier_spikes() -> None:
    series = ["10000"] * 23 + ["35000"]
    result = finding(inputs(tax=tax(A, series)), "SALES_SPIKE")
    assert (result.status, result.severity) == ("FLAG", "HIGH")
    assert result.evidence.months == ("2026-10",)


def test_a_yearly_season_is_no_spike() -> None:
    year = ["10000"] * 10 + ["40000", "40000"]  # a strong peak every September and October
    assert finding(inputs(tax=tax(A, year + year)), "SALES_SPIKE").status == "PASS"
    assert finding(inputs(tax=tax(A, year)), "SALES_SPIKE").status == "NOT_APPLICABLE"
    assert finding(inputs(tax=withheld("tax", A)), "SALES_SPIKE").status == "NO_DATA"


# CIRCULAR_TRADE and RELATED_PARTY ------------------------------------------------------------------------
def ring(amounts: tuple[str, str, str] = ("100000", "101000", "99500")) -> dict[str, list[Order]]:
    """A → B → C → A, one order a month each way round."""
    ab = monthly_sales("AB", A, B, amounts[0])
    bc = monthly_sales("BC", B, C, amounts[1])
    ca = monthly_sales("CA", C, A, amounts[2])
    return {A: ab + ca, B: ab + bc, C: bc + ca}


def test_a_ring_of_three_related_firms_is_circular_trade_at_high() -> None:
    orders = ring()
    firm = inputs(
        A,
        {
            ("trade", B): trade(B, orders[B]),
            ("trade", C): trade(C, orders[C]),
            ("registry", B): registry(B, person="boss"),
            ("registry", C): registry(C, person="boss"),
        },
        registry=registry(A, person="boss"),
        trade=trade(A, orders[A]),
        logistics=logistics(A, []),
    )
    cycle = finding(firm, "CIRCULAR_TRADE")
    assert (cycle.status, cycle.severity) == ("FLAG", "HIGH")
    assert cycle.evidence.credit_codes == tuple(sorted((A, B, C)))
    assert cycle.evidence.values["cycles"][0]["members"] == [A, B, C]
    related = finding(firm, "RELATED_PARTY")
    assert (related.status, related.severity) == ("FLAG", "HIGH")
    assert related.evidence.values["shared"] == {B: ["person"], C: ["person"]}


def test_a_ring_of_unrelated_firms_is_medium_and_uneven_amounts_are_no_ring() -> None:
    orders = ring()
    others = {("trade", B): trade(B, orders[B]), ("trade", C): trade(C, orders[C])}
    unrelated = inputs(A, others, registry=registry(A), trade=trade(A, orders[A]))
    assert finding(unrelated, "CIRCULAR_TRADE").severity == "MEDIUM"
    uneven = ring(("100000", "30000", "99500"))
    others = {("trade", B): trade(B, uneven[B]), ("trade", C): trade(C, uneven[C])}
    assert (
        finding(inputs(A, others, registry=registry(A), trade=trade(A, uneven[A])), "CIRCULAR_TRADE").status
        == "PASS"
    )


def test_a_ring_through_firms_whose_trade_is_withheld_is_no_data() -> None:
    """A sees A → B and C → A; B → C is in B's and C's records: with one of them the ring shows (FLAG),
    with neither it cannot be ruled out (NO_DATA, never PASS)."""
    orders = ring()
    one = {("trade", B): withheld("trade", B), ("trade", C): trade(C, orders[C])}
    assert (
        finding(inputs(A, one, registry=registry(A), trade=trade(A, orders[A])), "CIRCULAR_TRADE").status
        == "FLAG"
    )
    neither = {("trade", B): withheld("trade", B), ("trade", C): withheld("trade", C)}
    result = finding(inputs(A, neither, registry=registry(A), trade=trade(A, orders[A])), "CIRCULAR_TRADE")
    assert result.status == "NO_DATA"


def test_related_counterparties_by_address_and_phone_and_the_unrelated_pass() -> None:
    sales = monthly_sales("S", A, B, "1000") + monthly_sales("T", A, D, "9000")
    firm = registry(A, address="浙江省杭州市人民路1号", phone="shared")
    others = {
        ("registry", B): registry(B, address="浙江省杭州市人民路1号"),
        ("registry", D): registry(D, phone="shared"),
    }
    result = finding(inputs(A, others, registry=firm, trade=trade(A, sales)), "RELATED_PARTY")
    assert result.status == "FLAG" and result.severity == "HIGH"  # all its trade is with related parties
    assert result.evidence.values["shared"] == {B: ["address"], D: ["phone"]}
    strangers = {("registry", B): registry(B), ("registry", D): registry(D)}
    assert (
        finding(inputs(A, strangers, registry=registry(A), trade=trade(A, sales)), "RELATED_PARTY").status
        == "PASS"
    )
    unknown = {("registry", B): withheld("registry", B), ("registry", D): registry(D)}
    assert (
        finding(inputs(A, unknown, registry=registry(A), trade=trade(A, sales)), "RELATED_PARTY").status
        == "NO_DATA"
    )


# DUPLICATE_RECEIVABLE and BENFORD -----------------------------------------------------------------------
def test_the_same_receivable_under_two_numbers_flags() -> None:
    due = date(2027, 1, 31)
    receivables = [
        receivable("R1", A, B, "50000.00", due),
        receivable("R2", A, B, "50000.00", due),
        receivable("R3", A, B, "50000.00", due + timedelta(days=1)),
    ]
    result = finding(inputs(trade=trade(A, [], receivables)), "DUPLICATE_RECEIVABLE")
    assert (result.status, result.severity) == ("FLAG", "MEDIUM")
    assert result.evidence.receivables == ("R1", "R2")
    distinct = [receivable("R1", A, B, "50000.00", due), receivable("R2", A, B, "50000.01", due)]
    assert finding(inputs(trade=trade(A, [], distinct)), "DUPLICATE_RECEIVABLE").status == "PASS"
    assert finding(inputs(trade=trade(A, [])), "DUPLICATE_RECEIVABLE").status == "NOT_APPLICABLE"


def test_benford_needs_300_amounts_and_flags_made_up_ones() -> None:
    few = [order(f"O{index}", A, B, date(2026, 5, 1), "5000") for index in range(299)]
    assert finding(inputs(trade=trade(A, few)), "BENFORD_DEVIATION").status == "NOT_APPLICABLE"
    made_up = [order(f"O{index}", A, B, date(2026, 5, 1), str(5000 + index)) for index in range(400)]
    result = finding(inputs(trade=trade(A, made_up)), "BENFORD_DEVIATION")
    assert (result.status, result.severity) == ("FLAG", "LOW")
    natural = [
        order(f"O{index}", A, B, date(2026, 5, 1), f"{10 ** (1 + 4 * ((index * 0.618034) % 1)):.2f}")
        for index in range(2000)
    ]
    assert finding(inputs(trade=trade(A, natural)), "BENFORD_DEVIATION").status == "PASS"


# determinism and parameters ------------------------------------------------------------------------------
def test_the_same_records_give_the_same_findings() -> None:
    orders = ring()
    firm = inputs(
        A,
        {("trade", B): trade(B, orders[B]), ("trade", C): trade(C, orders[C])},
        registry=registry(A),
        trade=trade(A, orders[A]),
        tax=tax(A, ["10000"] * 24),
    )
    assert [item.stored() for item in verify(firm, as_of=AS_OF)] == [
        item.stored() for item in verify(firm, as_of=AS_OF)
    ]


def test_parameters_are_checked_by_name_type_and_range() -> None:
    assert checked("SALES_NOT_INVOICED", {"maxRatio": 2}) == {"maxRatio": 2.0}
    for code, values, name in (
        ("SALES_NOT_INVOICED", {"maxRatios": 2}, "maxRatios"),
        ("SALES_NOT_INVOICED", {"maxRatio": "2"}, "maxRatio"),
        ("ORDERS_WITHOUT_SHIPMENTS", {"daysAfter": 2.5}, "daysAfter"),
        ("CIRCULAR_TRADE", {"maxLength": 9}, "maxLength"),
    ):
        with pytest.raises(BadRequest) as refused:
            checked(code, values)
        assert refused.value.extensions["name"] == name
    with pytest.raises(BadRequest):
        checked("NOT_A_CHECK", {})
