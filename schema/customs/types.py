"""GraphQL types of the customs profile."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry

from connectors.records import Fetched
from hub.profiles import customs
from schema.freshness import Freshness


@strawberry.type(description="Exports declared and FX received in one month.")
class CustomsMonth:
    month: date = strawberry.field(description="The month (its first day).")
    declarations: int = strawberry.field(description="Export declarations filed in the month.")
    fob_usd: Decimal = strawberry.field(description="FOB value declared, USD.")
    fob_yuan: Decimal = strawberry.field(description="FOB value declared, yuan (each day's rate).")
    received_usd: Decimal = strawberry.field(description="FX received for exports, USD.")
    received_yuan: Decimal = strawberry.field(description="FX received, yuan (the month's rate).")
    receipt_ratio: float | None = strawberry.field(
        description="FX received ÷ FOB exported over this month and the two before (receipts lag "
        "shipments); null without three months of history or without exports."
    )

    @classmethod
    def of(cls, month: customs.CustomsMonth) -> CustomsMonth:
        return cls(
            month=month.month,
            declarations=month.declarations,
            fob_usd=month.fob_usd,
            fob_yuan=month.fob_cny,
            received_usd=month.received_usd,
            received_yuan=month.received_cny,
            receipt_ratio=month.receipt_ratio,
        )


@strawberry.type(description="A destination country or HS chapter and its part of the exports.")
class ExportShare:
    key: str = strawberry.field(description="ISO 3166-1 alpha-2 country, or the 2-digit HS chapter.")
    declarations: int = strawberry.field(description="Declarations of it in the window.")
    fob_usd: Decimal = strawberry.field(description="Their FOB value, USD.")
    share: float | None = strawberry.field(description="Its share of the window's FOB value.")

    @classmethod
    def of(cls, share: customs.ExportShare) -> ExportShare:
        return cls(key=share.key, declarations=share.declarations, fob_usd=share.fob_usd, share=share.share)


@strawberry.type(
    description="Exports of an enterprise at customs (single-window export declarations) and the FX it "
    "received for them: what foreign-trade supply-chain finance lends against."
)
class CustomsProfile:
    freshness: Freshness = strawberry.field(description="Where and when this data was fetched.")
    as_of_month: date | None = strawberry.field(description="The latest month of the history.")
    months: list[CustomsMonth] = strawberry.field(description="The last `months` months, oldest first.")
    fob_usd: Decimal = strawberry.field(description="FOB value exported in the window, USD.")
    fob_yuan: Decimal = strawberry.field(description="FOB value exported in the window, yuan.")
    received_usd: Decimal = strawberry.field(description="FX received in the window, USD.")
    fx_receipt_ratio: float | None = strawberry.field(
        description="FX received ÷ FOB exported over the window (about 1 for an exporter paid for what it "
        "ships; far below: unpaid, very long terms, or exports that were not sold)."
    )
    low_receipt_months: int = strawberry.field(
        description="Months running, to the latest, whose three-month receipt ratio is below 60%."
    )
    export_yoy_growth: float | None = strawberry.field(
        description="FOB value (yuan), last 12 months against the 12 before; null without 24 months."
    )
    top_destinations: list[ExportShare] = strawberry.field(description="Largest destination countries.")
    top_hs_chapters: list[ExportShare] = strawberry.field(description="Largest HS chapters of goods.")
    cross_border_ecommerce_share: float | None = strawberry.field(
        description="Share of the FOB value declared as cross-border e-commerce (9610, 9710, 9810)."
    )

    @classmethod
    def of(cls, fetched: Fetched[Any], profile: customs.CustomsProfile) -> CustomsProfile:
        return cls(
            freshness=Freshness.of(fetched),
            as_of_month=profile.as_of_month,
            months=[CustomsMonth.of(month) for month in profile.months],
            fob_usd=profile.fob_usd,
            fob_yuan=profile.fob_cny,
            received_usd=profile.received_usd,
            fx_receipt_ratio=profile.fx_receipt_ratio,
            low_receipt_months=profile.low_receipt_months,
            export_yoy_growth=profile.export_yoy_growth,
            top_destinations=[ExportShare.of(share) for share in profile.top_destinations],
            top_hs_chapters=[ExportShare.of(share) for share in profile.top_hs_chapters],
            cross_border_ecommerce_share=profile.cross_border_ecommerce_share,
        )
