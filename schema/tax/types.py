"""GraphQL types of the tax profile."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from connectors.records import Fetched
from hub.profiles import tax
from schema.freshness import Freshness


@strawberry.enum(description="Tax credit grade of the taxpayer (A best, D worst; M for new taxpayers).")
class TaxCreditGrade(Enum):
    A = "A"
    B = "B"
    M = "M"
    C = "C"
    D = "D"


@strawberry.type(description="Tax paid and invoiced sales of one year, with growth over the year before.")
class TaxYear:
    year: int = strawberry.field(description="The calendar year.")
    tax_paid_yuan: Decimal = strawberry.field(description="Tax paid in the year, yuan.")
    invoiced_sales_yuan: Decimal = strawberry.field(description="Sales invoiced in the year, yuan.")
    tax_paid_growth: float | None = strawberry.field(
        description="Change of tax paid against the year before (0.1 = +10%); null without that year."
    )
    invoiced_sales_growth: float | None = strawberry.field(
        description="Change of invoiced sales against the year before; null without that year."
    )
    vat_paid_yuan: Decimal | None = strawberry.field(
        description="Of the tax paid, value-added tax, yuan; null when not reported."
    )
    cit_paid_yuan: Decimal | None = strawberry.field(
        description="Of the tax paid, corporate income tax, yuan; null when not reported."
    )


@strawberry.type(description="Sales invoiced in one month.")
class InvoicedMonth:
    month: date = strawberry.field(description="The month (its first day).")
    invoiced_sales_yuan: Decimal = strawberry.field(description="Sales invoiced, yuan.")
    invoice_count: int = strawberry.field(description="Invoices issued.")


@strawberry.enum(description="The kind of tax a payment settles.")
class TaxType(Enum):
    VAT = "vat"
    CIT = "cit"
    OTHER = "other"


@strawberry.type(description="One tax payment.")
class TaxPayment:
    paid_on: date = strawberry.field(description="The day it was paid.")
    tax_type: TaxType = strawberry.field(
        description="VAT (monthly), CIT (corporate income tax, prepaid quarterly) or other taxes."
    )
    amount_yuan: Decimal = strawberry.field(description="Amount paid, yuan.")


@strawberry.type(description="A penalty decision of the tax bureau.")
class TaxViolation:
    case_no: str = strawberry.field(description="The decision's case number.")
    decided_on: date = strawberry.field(description="The day it was decided.")
    kind: str = strawberry.field(
        description="What it was for: late_filing, late_payment, invoice_irregularity, underreported_income."
    )
    penalty_yuan: Decimal = strawberry.field(description="The penalty, yuan.")


@strawberry.type(description="Tax standing of an enterprise (tax bureau data, bank–tax interaction).")
class TaxProfile:
    freshness: Freshness = strawberry.field(description="Where and when this data was fetched.")
    taxpayer_name: str = strawberry.field(description="The taxpayer's registered name.")
    grade: TaxCreditGrade = strawberry.field(description="The latest tax credit grade.")
    grade_year: int = strawberry.field(description="The year the grade was assessed for.")
    overdue_filings: int = strawberry.field(description="Tax returns currently overdue.")
    years: list[TaxYear] = strawberry.field(description="The last `years` years, oldest first.")
    invoiced_months: list[InvoicedMonth] = strawberry.field(description="The last 12 months of invoicing.")
    as_of_month: date | None = strawberry.field(description="The latest month of invoicing reported.")
    payments: list[TaxPayment] = strawberry.field(
        description="Tax payments of the last 24 months, oldest first (whatever `years`)."
    )
    violations: list[TaxViolation] = strawberry.field(
        description="Penalty decisions of the last 36 months, oldest first (whatever `years`)."
    )

    @classmethod
    def of(cls, fetched: Fetched[Any], profile: tax.TaxProfile) -> TaxProfile:
        return cls(
            freshness=Freshness.of(fetched),
            taxpayer_name=profile.taxpayer_name,
            grade=TaxCreditGrade(profile.grade),
            grade_year=profile.grade_year,
            overdue_filings=profile.overdue_filings,
            years=[
                TaxYear(
                    year=year.year,
                    tax_paid_yuan=year.tax_paid_yuan,
                    invoiced_sales_yuan=year.invoiced_sales_yuan,
                    tax_paid_growth=year.tax_paid_growth,
                    invoiced_sales_growth=year.invoiced_sales_growth,
                    vat_paid_yuan=year.vat_paid_yuan,
                    cit_paid_yuan=year.cit_paid_yuan,
                )
                for year in profile.years
            ],
            invoiced_months=[
                InvoicedMonth(
                    month=month.month,
                    invoiced_sales_yuan=month.invoiced_sales_yuan,
                    invoice_count=month.invoice_count,
                )
                for month in profile.invoiced_months
            ],
            as_of_month=profile.as_of_month,
            payments=[
                TaxPayment(
                    paid_on=payment.paid_on,
                    tax_type=TaxType(payment.tax_type),
                    amount_yuan=payment.amount_yuan,
                )
                for payment in profile.payments
            ],
            violations=[
                TaxViolation(
                    case_no=violation.case_no,
                    decided_on=violation.decided_on,
                    kind=violation.kind,
                    penalty_yuan=violation.penalty_yuan,
                )
                for violation in profile.violations
            ],
        )
