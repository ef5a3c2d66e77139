"""Tax profile: credit grade, overdue filings, yearly tax paid (with VAT and CIT) and invoiced sales with
their growth, tax payments and violations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from connectors.records import InvoicedMonth, TaxGrade, TaxPayment, TaxRecord, TaxViolation
from hub.profiles import growth

MAX_YEARS = 5
INVOICED_MONTHS = 12


@dataclass(frozen=True, slots=True)
class TaxYearFigures:
    year: int
    tax_paid_yuan: Decimal
    invoiced_sales_yuan: Decimal
    tax_paid_growth: float | None  # against the year before, when reported
    invoiced_sales_growth: float | None
    vat_paid_yuan: Decimal | None = None  # None: not reported
    cit_paid_yuan: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TaxProfile:
    credit_code: str
    taxpayer_name: str
    grade: TaxGrade
    grade_year: int
    overdue_filings: int
    years: tuple[TaxYearFigures, ...]  # ascending
    invoiced_months: tuple[InvoicedMonth, ...]  # the last 12, ascending
    as_of_month: date | None
    payments: tuple[TaxPayment, ...] = ()  # every one reported (24 months), ascending
    violations: tuple[TaxViolation, ...] = ()  # every one reported (36 months), ascending


def tax_profile(record: TaxRecord, years: int) -> TaxProfile:
    """The profile over the last ``years`` (1..5) years the tax bureau reports."""
    ordered = sorted(record.years, key=lambda year: year.year)
    by_year = {year.year: year for year in ordered}
    figures = tuple(
        TaxYearFigures(
            year=year.year,
            tax_paid_yuan=year.tax_paid_yuan,
            invoiced_sales_yuan=year.invoiced_sales_yuan,
            tax_paid_growth=growth(
                year.tax_paid_yuan, prior.tax_paid_yuan if (prior := by_year.get(year.year - 1)) else None
            ),
            invoiced_sales_growth=growth(
                year.invoiced_sales_yuan, prior.invoiced_sales_yuan if prior else None
            ),
            vat_paid_yuan=year.vat_paid_yuan,
            cit_paid_yuan=year.cit_paid_yuan,
        )
        for year in ordered[-years:]
    )
    months = tuple(sorted(record.months, key=lambda month: month.month))
    return TaxProfile(
        credit_code=record.credit_code,
        taxpayer_name=record.taxpayer_name,
        grade=record.grade,
        grade_year=record.grade_year,
        overdue_filings=record.overdue_filings,
        years=figures,
        invoiced_months=months[-INVOICED_MONTHS:],
        as_of_month=months[-1].month if months else None,
        payments=tuple(sorted(record.payments, key=lambda payment: (payment.paid_on, payment.tax_type))),
        violations=tuple(sorted(record.violations, key=lambda violation: violation.decided_on)),
    )
