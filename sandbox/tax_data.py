"""Tax facts of a firm (tax bureau): credit grade, overdue filings, yearly figures, monthly invoiced sales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sandbox.registry_data import registration
from sandbox.universe import Universe, history_months

GRADE_YEAR = 2025  # the last year graded and closed
MAX_YEARS = 5
_INVOICE_SEASON = {1: 1.05, 2: 0.7, 3: 0.98, 4: 1.0, 5: 1.0, 6: 1.02, 7: 0.98, 8: 0.97, 9: 1.02, 10: 1.0,
                   11: 1.03, 12: 1.15}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TaxYear:
    year: int
    tax_paid_cents: int
    invoiced_sales_cents: int


@dataclass(frozen=True, slots=True)
class InvoicedMonth:
    month: date
    invoiced_sales_cents: int
    invoice_count: int


@dataclass(frozen=True, slots=True)
class TaxFacts:
    grade: str
    overdue_filings: int
    years: tuple[TaxYear, ...]  # ascending, at most MAX_YEARS, none before the firm was founded
    months: tuple[InvoicedMonth, ...]  # the 24 months of history, ascending


def _grade(roll: float, health: str, founded: date) -> str:
    if health == "good":
        return "M" if founded.year >= GRADE_YEAR - 3 else "A" if roll < 0.7 else "B"
    if health == "fair":
        return "B" if roll < 0.6 else "M" if roll < 0.8 else "C"
    return "C" if roll < 0.5 else "D"


@lru_cache(maxsize=4096)
def tax_facts(universe: Universe, credit_code: str) -> TaxFacts:
    firm = universe.by_code[credit_code]
    rng = universe.rng(credit_code, "tax")
    founded = date.fromisoformat(str(registration(universe, credit_code)["foundedOn"]))
    grade = _grade(rng.random(), firm.health, founded)
    overdue = {"good": 0, "fair": rng.choice((0, 0, 0, 1)), "bad": rng.randint(1, 8)}[firm.health]
    # bad taxpayers under-declare: a smaller share of their business is invoiced and taxed
    invoiced_share = {
        "good": rng.uniform(0.9, 1.0),
        "fair": rng.uniform(0.8, 0.95),
        "bad": rng.uniform(0.5, 0.8),
    }
    share = invoiced_share[firm.health]
    start = history_months()[0]

    def sales_cents(month: date) -> int:
        step = (month.year - start.year) * 12 + month.month - start.month
        trend: float = (1 + firm.yearly_growth) ** (step / 12)
        yuan = (
            firm.monthly_revenue_yuan * share * trend * _INVOICE_SEASON[month.month] * rng.uniform(0.9, 1.1)
        )
        return round(yuan * 100)

    years = []
    for year in range(GRADE_YEAR - MAX_YEARS + 1, GRADE_YEAR + 1):
        if year < founded.year:
            continue
        sales = sum(sales_cents(date(year, month, 1)) for month in range(1, 13))
        rate = rng.uniform(0.025, 0.05) if firm.health != "bad" else rng.uniform(0.008, 0.02)
        years.append(TaxYear(year, round(sales * rate), sales))
    months = []
    for month in history_months():
        sales = sales_cents(month)
        average_invoice = firm.monthly_revenue_yuan / rng.uniform(20, 60) * 100
        months.append(InvoicedMonth(month, sales, max(1, round(sales / average_invoice))))
    return TaxFacts(grade, overdue, tuple(years), tuple(months))
