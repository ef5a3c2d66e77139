"""GraphQL types of the lending indicators."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from hub.profiles import indicators
from schema.sources import risk_flags

# One value per flag the loaded sources may raise (each source's indicator contribution declares its own).
_FLAGS: type[Enum] = Enum(  # type: ignore[misc]
    "RiskFlag",
    {flag: strawberry.enum_value(flag, description=meaning) for flag, meaning in risk_flags().items()},
)
RiskFlag = strawberry.enum(
    _FLAGS,
    description="A warning sign lenders look for: falling usage, sales or shipments, arrears, late payments, "
    "a low tax grade, overdue filings, mostly unconfirmed receivables, and what later sources add.",
)


@strawberry.type(description="One figure a source contributed to the indicators.")
class IndicatorFigure:
    name: str = strawberry.field(description="What it measures, e.g. sales_growth.")
    source: str = strawberry.field(description="The source it was computed from.")
    value: str | None = strawberry.field(
        description="Its value (a number as text, or a grade); null: no basis."
    )


@strawberry.type(description="Headline lending indicators across the sources the caller may read.")
class LendingIndicators:
    sources_used: list[str] = strawberry.field(description="Sources the indicators were computed from.")
    sources_withheld: list[str] = strawberry.field(
        description="Sources left out because the caller lacks the scope or the enterprise's consent."
    )
    sources_unavailable: list[str] = strawberry.field(
        description="Sources left out because they failed and no snapshot could stand in."
    )
    electricity_yoy_growth: float | None = strawberry.field(
        description="Electricity usage, last 12 months against the 12 before (0.1 = +10%)."
    )
    on_time_payment_rate: float | None = strawberry.field(
        description="Share of electricity bills paid in full by their due date, last 12 months."
    )
    electricity_arrears_yuan: Decimal | None = strawberry.field(
        description="Electricity arrears outstanding in the latest month, yuan."
    )
    tax_grade: str | None = strawberry.field(description="The latest tax credit grade (A, B, M, C, D).")
    tax_paid_growth: float | None = strawberry.field(
        description="Tax paid, latest year against the year before."
    )
    overdue_filings: int | None = strawberry.field(description="Tax returns currently overdue.")
    sales_growth: float | None = strawberry.field(
        description="Sales on the B2B platform, last 6 months against the 6 before."
    )
    unconfirmed_receivables_share: float | None = strawberry.field(
        description="Share of outstanding receivables the debtors have not confirmed."
    )
    shipments_growth: float | None = strawberry.field(
        description="Shipments, last 6 months against the 6 before."
    )
    risk_flags: list[RiskFlag] = strawberry.field(description="Warning signs raised by these figures.")  # type: ignore[valid-type]
    figures: list[IndicatorFigure] = strawberry.field(
        description="Every figure of every source used, the ones above and those of other sources."
    )

    @classmethod
    def of(
        cls, figures: indicators.LendingIndicators, *, withheld: list[str], unavailable: list[str]
    ) -> LendingIndicators:
        def number(name: str) -> float | None:
            value = figures.figure(name)
            return float(value) if isinstance(value, float | int | Decimal) else None

        arrears = figures.figure("electricity_arrears_yuan")
        overdue = figures.figure("overdue_filings")
        grade = figures.figure("tax_grade")
        return cls(
            sources_used=list(figures.sources_used),
            sources_withheld=withheld,
            sources_unavailable=unavailable,
            electricity_yoy_growth=number("electricity_yoy_growth"),
            on_time_payment_rate=number("on_time_payment_rate"),
            electricity_arrears_yuan=arrears if isinstance(arrears, Decimal) else None,
            tax_grade=grade if isinstance(grade, str) else None,
            tax_paid_growth=number("tax_paid_growth"),
            overdue_filings=overdue if isinstance(overdue, int) else None,
            sales_growth=number("sales_growth"),
            unconfirmed_receivables_share=number("unconfirmed_receivables_share"),
            shipments_growth=number("shipments_growth"),
            risk_flags=[RiskFlag[flag] for flag in figures.risk_flags],
            figures=[
                IndicatorFigure(name=name, source=source, value=None if value is None else str(value))
                for name, (source, value) in figures.figures.items()
            ],
        )
