"""Tax facts (bank–tax interaction): grade, what was paid and when, filings and violations.

Windows end at the latest month of invoices the tax bureau reports; a payment counts in the month it was
made, a violation in the month it was decided.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from connectors.records import Record, TaxRecord
from foundation.months import month_of, shift_months, window
from hub.products.facts import FactInputs, FactSet, FactType, fact
from hub.profiles import growth, total

NAMESPACE = "tax"
WINDOW = 24
YEAR = 12
RECENT = 3


def _as_of(record: TaxRecord) -> date | None:
    months = [month.month for month in record.months] + [month_of(p.paid_on) for p in record.payments]
    return max(months) if months else None


def months_of_history(record: Record) -> int:
    """Months of invoices among the 24 ending at the latest one."""
    assert isinstance(record, TaxRecord)
    as_of = _as_of(record)
    if as_of is None:
        return 0
    reported = {month.month for month in record.months}
    return sum(1 for month in window(as_of, WINDOW) if month in reported)


def _build(inputs: FactInputs) -> dict[str, Any]:
    record: TaxRecord = inputs.record(NAMESPACE, TaxRecord)
    as_of = _as_of(record)
    last12 = set(window(as_of, YEAR)) if as_of else set()
    last24 = set(window(as_of, WINDOW)) if as_of else set()
    recent = set(window(as_of, RECENT)) if as_of else set()
    paid12 = [payment for payment in record.payments if month_of(payment.paid_on) in last12]
    sales = {month.month: month.invoiced_sales_yuan for month in record.months}
    sales12 = [sales[month] for month in last12 if month in sales]
    previous = [sales.get(shift_months(month, -YEAR)) for month in last12] if as_of is not None else []
    years = record.years[-2:]
    return {
        "grade": record.grade,
        "gradeYear": record.grade_year,
        "monthsOfHistory": months_of_history(record),
        "yearsReported": len(record.years),
        "taxPaid12mYuan": total(payment.amount_yuan for payment in paid12),
        "vatPaid12mYuan": total(p.amount_yuan for p in paid12 if p.tax_type == "vat"),
        "citPaid12mYuan": total(p.amount_yuan for p in paid12 if p.tax_type == "cit"),
        "monthsWithPaymentLast3": len({month_of(p.paid_on) for p in record.payments} & recent),
        "overdueFilings": record.overdue_filings,
        "violations24m": sum(1 for case in record.violations if month_of(case.decided_on) in last24),
        "avgAnnualTax2yYuan": (total(year.tax_paid_yuan for year in years) / len(years)).quantize(
            Decimal("0.01")
        )
        if years
        else None,
        "invoicedSales12mYuan": total(sales12),
        "salesGrowth12": growth(total(sales12), total(v for v in previous if v is not None))
        if previous and None not in previous and len(sales12) == YEAR
        else None,
    }


_T = NAMESPACE
FACTS = FactSet(
    namespace=NAMESPACE,
    source=NAMESPACE,
    definitions=(
        fact(_T, "grade", FactType.STRING, "tax credit grade: A, B, M, C or D"),
        fact(_T, "gradeYear", FactType.INTEGER, "the year the grade was given for"),
        fact(_T, "monthsOfHistory", FactType.INTEGER, "months of invoices among the last 24"),
        fact(_T, "yearsReported", FactType.INTEGER, "tax years on record"),
        fact(_T, "taxPaid12mYuan", FactType.MONEY, "tax paid over the last 12 months (all taxes)"),
        fact(_T, "vatPaid12mYuan", FactType.MONEY, "value-added tax paid over the last 12 months"),
        fact(_T, "citPaid12mYuan", FactType.MONEY, "corporate income tax paid over the last 12 months"),
        fact(_T, "monthsWithPaymentLast3", FactType.INTEGER, "of the last 3 months, those with a payment"),
        fact(_T, "overdueFilings", FactType.INTEGER, "filings overdue"),
        fact(_T, "violations24m", FactType.INTEGER, "violation cases decided in the last 24 months"),
        fact(
            _T,
            "avgAnnualTax2yYuan",
            FactType.MONEY,
            "average tax paid a year over the last 2 tax years on record",
            nullable=True,
        ),
        fact(_T, "invoicedSales12mYuan", FactType.MONEY, "invoiced sales over the last 12 months"),
        fact(
            _T,
            "salesGrowth12",
            FactType.NUMBER,
            "invoiced sales of the last 12 months against the 12 before",
            nullable=True,
        ),
    ),
    build=_build,
    history=months_of_history,
)
