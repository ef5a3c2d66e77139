from __future__ import annotations

from datetime import date
from decimal import Decimal

from connectors.records import LogisticsRecord, TaxPayment, TaxRecord, TaxViolation, TaxYear, TradeRecord
from hub.profiles.logistics import logistics_profile
from hub.profiles.tax import tax_profile
from hub.profiles.trade import tenor_days, trade_profile
from tests.profiles.records import CORE, at, order, receivable, trade, waybill

BUYER = "91330200MA2AAAAA1X"
SELLER = "91330300MA2BBBBB2X"


def test_gmv_per_month_counts_sales_and_purchases_but_not_cancelled_orders() -> None:
    record = trade(
        (
            order("PO1", CORE, BUYER, date(2026, 10, 3), "100"),
            order("PO2", SELLER, CORE, date(2026, 10, 5), "40"),
            order("PO3", CORE, BUYER, date(2026, 9, 1), "60"),
            order("PO4", CORE, BUYER, date(2026, 10, 9), "999", status="cancelled"),
            order("PO5", CORE, BUYER, date(2026, 5, 9), "7"),  # outside a 3-month window
        )
    )
    profile = trade_profile(record, 3)
    assert [(m.month, m.sales_yuan, m.purchases_yuan, m.gmv_yuan) for m in profile.months] == [
        (date(2026, 8, 1), 0, 0, 0),
        (date(2026, 9, 1), Decimal(60), 0, Decimal(60)),
        (date(2026, 10, 1), Decimal(100), Decimal(40), Decimal(140)),
    ]
    assert profile.gmv_yuan == Decimal(200)
    assert [order.order_no for order in profile.orders] == ["PO4", "PO2", "PO1", "PO3"]
    roles = {
        (party.credit_code, party.role): (party.orders, party.amount_yuan, party.since)
        for party in profile.counterparties
    }
    assert roles == {
        (BUYER, "customer"): (2, Decimal(160), date(2026, 9, 1)),
        (SELLER, "supplier"): (1, Decimal(40), date(2026, 10, 5)),
    }


def test_receivable_position_counts_unsettled_amounts() -> None:
    record = trade(
        (),
        (
            receivable("AR1", "300", confirmed=True),
            receivable("AR2", "100", confirmed=False),
            receivable("AR3", "500", confirmed=False, settled=True),
        ),
    )
    position = trade_profile(record, 12).receivable_position
    assert (position.outstanding_yuan, position.unconfirmed_yuan, position.confirmed_share) == (
        Decimal(400),
        Decimal(100),
        0.75,
    )


def test_logistics_months_and_top_counterparties() -> None:
    record = LogisticsRecord(
        credit_code=CORE,
        waybills=(
            waybill("W1", CORE, BUYER, at(2026, 10, 2)),
            waybill("W2", CORE, BUYER, at(2026, 10, 3), fee="50"),
            waybill("W3", SELLER, CORE, at(2026, 9, 3)),
            waybill("W4", SELLER, CORE, at(2025, 1, 3)),  # outside the window
        ),
    )
    profile = logistics_profile(record, 2)
    assert [(m.month, m.shipments, m.outbound, m.inbound) for m in profile.months] == [
        (date(2026, 9, 1), 1, 0, 1),
        (date(2026, 10, 1), 2, 2, 0),
    ]
    assert profile.freight_yuan == Decimal(250)
    assert [(p.credit_code, p.role, p.shipments) for p in profile.top_counterparties] == [
        (BUYER, "consignee", 2),
        (SELLER, "shipper", 1),
    ]


def test_tax_years_growth_and_slice() -> None:
    record = TaxRecord(
        credit_code=CORE,
        taxpayer_name="firm",
        grade="B",
        grade_year=2025,
        overdue_filings=1,
        years=tuple(
            TaxYear(year=year, tax_paid_yuan=Decimal(paid), invoiced_sales_yuan=Decimal(paid * 10))
            for year, paid in ((2023, 100), (2024, 120), (2025, 90))
        ),
        months=(),
    )
    profile = tax_profile(record, 2)
    assert [(y.year, y.tax_paid_growth, y.invoiced_sales_growth) for y in profile.years] == [
        (2024, 0.2, 0.2),
        (2025, -0.25, -0.25),
    ]
    assert tax_profile(record, 3).years[0].tax_paid_growth is None
    assert profile.years[0].vat_paid_yuan is None and profile.payments == () and profile.violations == ()


def test_tax_profile_holds_the_vat_cit_split_payments_and_violations_in_order() -> None:
    payments = (
        TaxPayment(paid_on=date(2026, 10, 15), tax_type="vat", amount_yuan=Decimal(60)),
        TaxPayment(paid_on=date(2026, 10, 12), tax_type="cit", amount_yuan=Decimal(30)),
        TaxPayment(paid_on=date(2026, 9, 14), tax_type="vat", amount_yuan=Decimal(55)),
    )
    violation = TaxViolation(
        case_no="3301税罚〔2025〕1号",
        decided_on=date(2025, 6, 3),
        kind="late_filing",
        penalty_yuan=Decimal(500),
    )
    year = TaxYear(
        year=2025,
        tax_paid_yuan=Decimal(100),
        invoiced_sales_yuan=Decimal(1000),
        vat_paid_yuan=Decimal(60),
        cit_paid_yuan=Decimal(30),
    )
    record = TaxRecord(
        credit_code=CORE,
        taxpayer_name="firm",
        grade="A",
        grade_year=2025,
        overdue_filings=0,
        years=(year,),
        months=(),
        payments=payments,
        violations=(violation,),
    )
    profile = tax_profile(record, 3)
    assert (profile.years[0].vat_paid_yuan, profile.years[0].cit_paid_yuan) == (Decimal(60), Decimal(30))
    assert [payment.paid_on.day for payment in profile.payments] == [14, 12, 15]
    assert profile.violations == (violation,)


def test_a_receivables_tenor_runs_from_its_issue_to_its_due_date() -> None:
    issued = receivable("AR1", "100", confirmed=True).model_copy(update={"issued_on": date(2026, 9, 1)})
    assert tenor_days(issued) == 91  # due 2026-12-01
    assert tenor_days(receivable("AR2", "100", confirmed=True)) is None


def test_windows_end_at_the_history_end_so_stopped_activity_shows_as_zero_months() -> None:
    stopped_trading = TradeRecord(
        credit_code=CORE,
        orders=(order("PO1", CORE, BUYER, date(2026, 6, 3), "100"),),
        receivables=(),
        history_end=date(2026, 10, 31),
    )
    trade_months = trade_profile(stopped_trading, 6).months
    assert [month.month for month in trade_months][-1] == date(2026, 10, 1)
    assert [month.gmv_yuan for month in trade_months] == [0, Decimal(100), 0, 0, 0, 0]

    stopped_shipping = LogisticsRecord(
        credit_code=CORE,
        waybills=(waybill("W1", CORE, BUYER, at(2026, 7, 2)),),
        history_end=date(2026, 10, 31),
    )
    logistics_months = logistics_profile(stopped_shipping, 4).months
    assert [(month.month, month.shipments) for month in logistics_months] == [
        (date(2026, 7, 1), 1),
        (date(2026, 8, 1), 0),
        (date(2026, 9, 1), 0),
        (date(2026, 10, 1), 0),
    ]
