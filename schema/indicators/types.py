"""GraphQL types of the lending indicators."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from hub.profiles import indicators

RiskFlag = strawberry.enum(
    indicators.RiskFlag,
    description="A warning sign lenders look for: falling usage, sales or shipments, arrears, late payments, "
    "a low tax grade, overdue filings, mostly unconfirmed receivables.",
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

    @classmethod
    def of(
        cls, figures: indicators.LendingIndicators, *, withheld: list[str], unavailable: list[str]
    ) -> LendingIndicators:
        return cls(
            sources_used=list(figures.sources_used),
            sources_withheld=withheld,
            sources_unavailable=unavailable,
            electricity_yoy_growth=figures.electricity_yoy_growth,
            on_time_payment_rate=figures.on_time_payment_rate,
            electricity_arrears_yuan=figures.electricity_arrears_yuan,
            tax_grade=figures.tax_grade,
            tax_paid_growth=figures.tax_paid_growth,
            overdue_filings=figures.overdue_filings,
            sales_growth=figures.sales_growth,
            unconfirmed_receivables_share=figures.unconfirmed_receivables_share,
            shipments_growth=figures.shipments_growth,
            risk_flags=list(figures.risk_flags),
        )
