"""Tax facts of a firm (tax bureau): credit grade, overdue filings, yearly figures, monthly invoiced sales,
tax payments and violations.

Each month's invoiced sales are drawn once; the taxes follow from them. VAT is paid monthly, around the 15th
of the following month; corporate income tax (CIT) is prepaid quarterly in the month after the quarter;
other taxes (property, land use, stamp duty) twice a year and now and then. A year's tax paid is what was
paid in it. Bad taxpayers under-declare, leave payments out and are penalised now and then; fair ones
rarely. Nothing happens before the firm was founded. Fixture firms (:mod:`sandbox.fixtures`) have the grade,
filings, tax level, gaps and violation their traits name. A firm's platform sales are invoiced: where those
of the last 12 months would be more than 0.8 of its invoiced sales, its series is scaled up (one factor for
every month, so its shape stays); planted cases (:mod:`sandbox.anomalies`) reshape it as they say.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from sandbox.anomalies import HONEST_SALES, SalesPlant
from sandbox.fixtures import TaxTraits
from sandbox.flows import platform_sales
from sandbox.registry_data import registration
from sandbox.universe import TODAY, Firm, Universe, history_months

GRADE_YEAR = 2025  # the last year graded and closed
MAX_YEARS = 5
VIOLATION_MONTHS = 36
_INVOICE_SEASON = {1: 1.05, 2: 0.7, 3: 0.98, 4: 1.0, 5: 1.0, 6: 1.02, 7: 0.98, 8: 0.97, 9: 1.02, 10: 1.0,
                   11: 1.03, 12: 1.15}  # fmt: skip
_MISSED = {"good": 0.0, "fair": 0.03, "bad": 0.15}  # the share of payments left out
_PAYMENT_DAYS = {"good": (8, 15), "fair": (8, 18), "bad": (10, 25)}
_VIOLATIONS = {
    "late_filing": (200, 2_000),
    "late_payment": (1_000, 20_000),
    "invoice_irregularity": (5_000, 50_000),
    "underreported_income": (10_000, 300_000),
}
TaxType = Literal["vat", "cit", "other"]


@dataclass(frozen=True, slots=True)
class TaxYear:
    year: int
    tax_paid_cents: int
    invoiced_sales_cents: int
    vat_paid_cents: int
    cit_paid_cents: int


@dataclass(frozen=True, slots=True)
class InvoicedMonth:
    month: date
    invoiced_sales_cents: int
    invoice_count: int


@dataclass(frozen=True, slots=True)
class TaxPayment:
    paid_on: date
    tax_type: TaxType
    amount_cents: int


@dataclass(frozen=True, slots=True)
class TaxViolation:
    case_no: str
    decided_on: date
    kind: str
    penalty_cents: int


@dataclass(frozen=True, slots=True)
class TaxFacts:
    grade: str
    overdue_filings: int
    years: tuple[TaxYear, ...]  # ascending, at most MAX_YEARS, none before the firm was founded
    months: tuple[InvoicedMonth, ...]  # the 24 months of history since the firm was founded, ascending
    payments: tuple[TaxPayment, ...]  # paid within the 24 months of history, ascending
    violations: tuple[TaxViolation, ...]  # decided within the last 36 months, ascending


def _grade(roll: float, health: str, founded: date) -> str:
    if health == "good":
        return "M" if founded.year >= GRADE_YEAR - 3 else "A" if roll < 0.7 else "B"
    if health == "fair":
        return "B" if roll < 0.6 else "M" if roll < 0.8 else "C"
    return "C" if roll < 0.5 else "D"


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _payments(
    rng: random.Random, firm: Firm, sales: dict[date, int], traits: TaxTraits | None
) -> list[TaxPayment]:
    """Every payment on the sales of ``sales`` (by month, ascending), those left out excepted."""
    bad = firm.health == "bad"
    vat_rate = rng.uniform(0.005, 0.012) if bad else rng.uniform(0.015, 0.03)
    cit_rate = rng.uniform(0.002, 0.006) if bad else rng.uniform(0.006, 0.015)
    other_rate = rng.uniform(0.0005, 0.002)
    first_day, last_day = _PAYMENT_DAYS[firm.health]
    owed: list[tuple[date, TaxType, float]] = []  # (month paid in, type, yuan)
    for month, cents in sales.items():
        following = _add_months(month, 1)
        owed.append((following, "vat", cents / 100 * vat_rate))
        if month.month % 3 == 0:  # the quarter's CIT prepayment
            quarter = (_add_months(month, -offset) for offset in range(3))
            owed.append((following, "cit", sum(sales.get(m, 0) for m in quarter) / 100 * cit_rate))
        if month.month in (3, 9):  # property and land use tax for the half year
            half = (_add_months(month, -offset) for offset in range(6))
            owed.append((following, "other", sum(sales.get(m, 0) for m in half) / 100 * other_rate))
        if rng.random() < 0.1:  # stamp duty on a contract
            owed.append((following, "other", cents / 100 * rng.uniform(0.0003, 0.001)))
    scale = 1.0
    if traits is not None and traits.yearly_tax_yuan is not None:
        last_year = _add_months(history_months()[-1], -11)
        recent = sum(yuan for month, _, yuan in owed if last_year <= month <= history_months()[-1])
        scale = traits.yearly_tax_yuan / recent if recent else 1.0
    payments = []
    for month, tax_type, yuan in owed:
        paid_on = month.replace(day=rng.randint(first_day, last_day))
        if rng.random() < _MISSED[firm.health] or paid_on >= TODAY or round(yuan * scale * 100) <= 0:
            continue
        if traits is not None and traits.unpaid_from is not None and paid_on >= traits.unpaid_from:
            continue
        payments.append(TaxPayment(paid_on, tax_type, round(yuan * scale * 100)))
    return sorted(payments, key=lambda payment: (payment.paid_on, payment.tax_type))


def _violations(
    rng: random.Random, firm: Firm, founded: date, traits: TaxTraits | None
) -> list[TaxViolation]:
    start = max(founded, _add_months(history_months()[-1], -(VIOLATION_MONTHS - 1)))
    if traits is not None:
        days = [traits.violation_on] if traits.violation_on else []
        kinds = ["late_payment"] * len(days)
    else:
        count = {"good": 0, "fair": 1 if rng.random() < 0.1 else 0, "bad": rng.choice((0, 1, 1, 2, 3))}[
            firm.health
        ]
        span = (TODAY - start).days
        days = sorted(date.fromordinal(start.toordinal() + rng.randrange(span)) for _ in range(count))
        kinds = [rng.choice(sorted(_VIOLATIONS)) for _ in days]
    violations = []
    for number, (day, kind) in enumerate(zip(days, kinds, strict=True)):
        low, high = _VIOLATIONS[kind]
        penalty = 200_000 if traits is not None else rng.randint(low, high) * 100
        case_no = f"{firm.division[:4]}税罚〔{day.year}〕{firm.index % 1000:03d}{number + 1}号"
        violations.append(TaxViolation(case_no, day, kind, penalty))
    return violations


def _year(year: int, payments: list[TaxPayment], sales: dict[date, int]) -> TaxYear:
    """What was paid in ``year`` and what was invoiced in it."""
    paid: dict[str, int] = {"vat": 0, "cit": 0, "other": 0}
    for payment in payments:
        if payment.paid_on.year == year:
            paid[payment.tax_type] += payment.amount_cents
    invoiced = sum(cents for month, cents in sales.items() if month.year == year)
    return TaxYear(year, sum(paid.values()), invoiced, paid["vat"], paid["cit"])


def _planted_sales(
    universe: Universe, credit_code: str, sales: dict[date, int], plant: SalesPlant
) -> dict[date, int]:
    """The drawn series reshaped as the firm's plant says (:class:`sandbox.anomalies.SalesPlant`): the last
    12 months' growth on a year before, a spike, then the whole series scaled so that the platform sales of
    the last 12 months are the plant's ratio of its invoiced sales, or at most its ceiling."""
    rng = universe.rng(credit_code, "tax-plant")
    last_12 = history_months()[-12:]
    if plant.growth is not None:
        for month in last_12:
            if _add_months(month, -12) in sales:
                sales[month] = round(
                    sales[_add_months(month, -12)] * (1 + plant.growth) * rng.uniform(0.98, 1.02)
                )
    for month, factor in zip(last_12[len(last_12) - len(plant.spike) :], plant.spike, strict=True):
        sales[month] = round(sales[_add_months(month, -12)] * factor)
    invoiced = sum(sales.get(month, 0) for month in last_12)
    platform = platform_sales(universe, credit_code)
    if not invoiced:
        return sales
    if plant.platform_ratio is not None:
        scale = platform.total_cents / (plant.platform_ratio * invoiced)
    else:
        scale = max(1.0, platform.invoiced_cents / (plant.platform_ceiling * invoiced))
    return sales if scale == 1.0 else {month: round(cents * scale) for month, cents in sales.items()}


@lru_cache(maxsize=4096)
def tax_facts(universe: Universe, credit_code: str) -> TaxFacts:
    firm = universe.by_code[credit_code]
    fixture = universe.fixture_of(credit_code)
    traits = fixture.tax if fixture is not None else None
    rng = universe.rng(credit_code, "tax")
    founded = date.fromisoformat(str(registration(universe, credit_code)["foundedOn"]))
    grade = _grade(rng.random(), firm.health, founded)
    overdue = {"good": 0, "fair": rng.choice((0, 0, 0, 1)), "bad": rng.randint(1, 8)}[firm.health]
    if traits is not None:
        grade, overdue = traits.grade, traits.overdue_filings
    # bad taxpayers under-declare: a smaller share of their business is invoiced and taxed
    invoiced_share = {
        "good": rng.uniform(0.9, 1.0),
        "fair": rng.uniform(0.8, 0.95),
        "bad": rng.uniform(0.5, 0.8),
    }
    share = invoiced_share[firm.health]
    start = history_months()[0]
    first_month = max(date(GRADE_YEAR - MAX_YEARS, 12, 1), date(founded.year, founded.month, 1))
    plant = universe.plan.sales.get(credit_code, HONEST_SALES)
    sales: dict[date, int] = {}
    month = first_month
    while month <= history_months()[-1]:
        step = (month.year - start.year) * 12 + month.month - start.month
        trend: float = (1 + firm.yearly_growth) ** (step / 12)
        season = _INVOICE_SEASON[month.month] * (plant.season[month.month - 1] if plant.season else 1.0)
        yuan = firm.monthly_revenue_yuan * share * trend * season * rng.uniform(0.9, 1.1)
        sales[month] = round(yuan * 100)
        month = _add_months(month, 1)
    sales = _planted_sales(universe, credit_code, sales, plant)
    payments = _payments(universe.rng(credit_code, "tax-payments"), firm, sales, traits)
    years = tuple(
        _year(year, payments, sales)
        for year in range(GRADE_YEAR - MAX_YEARS + 1, GRADE_YEAR + 1)
        if year >= founded.year
    )
    months = []
    for invoiced in history_months():
        if invoiced not in sales:
            continue
        average_invoice = firm.monthly_revenue_yuan / rng.uniform(20, 60) * 100
        months.append(
            InvoicedMonth(invoiced, sales[invoiced], max(1, round(sales[invoiced] / average_invoice)))
        )
    violations = _violations(universe.rng(credit_code, "tax-violations"), firm, founded, traits)
    return TaxFacts(
        grade,
        overdue,
        years,
        tuple(months),
        tuple(payment for payment in payments if payment.paid_on >= start),
        tuple(violations),
    )
