"""Customs facts: the firm's exports and the foreign currency received for them (last 12 months)."""

from __future__ import annotations

from typing import Any

from connectors.customs import CustomsRecord
from connectors.records import Record
from hub.products.facts import FactInputs, FactSet, FactType, fact
from hub.profiles.customs import customs_profile

NAMESPACE = "customs"
YEAR = 12


def months_of_history(record: Record) -> int:
    """Months of the history with declarations or receipts, at most 24."""
    assert isinstance(record, CustomsRecord)
    return len(customs_profile(record, 24).months)


def _build(inputs: FactInputs) -> dict[str, Any]:
    profile = customs_profile(inputs.record(NAMESPACE, CustomsRecord), YEAR)
    return {
        "monthsOfHistory": len(profile.months),
        "fob12mCny": profile.fob_cny,
        "fob12mUsd": profile.fob_usd,
        "fxReceiptRatio12": profile.fx_receipt_ratio,
        "exportGrowth12": profile.export_yoy_growth,
        "lowReceiptMonths": profile.low_receipt_months,
        "crossBorderEcommerceShare12": profile.cross_border_ecommerce_share,
    }


_C = NAMESPACE
FACTS = FactSet(
    namespace=NAMESPACE,
    source=NAMESPACE,
    definitions=(
        fact(_C, "monthsOfHistory", FactType.INTEGER, "months in the last 12 with declarations or receipts"),
        fact(_C, "fob12mCny", FactType.MONEY, "FOB value exported over the last 12 months, yuan"),
        fact(_C, "fob12mUsd", FactType.NUMBER, "the same in US dollars"),
        fact(
            _C,
            "fxReceiptRatio12",
            FactType.NUMBER,
            "foreign currency received ÷ FOB exported, last 12 months",
            nullable=True,
        ),
        fact(
            _C,
            "exportGrowth12",
            FactType.NUMBER,
            "FOB of the last 12 months against the 12 before",
            nullable=True,
        ),
        fact(_C, "lowReceiptMonths", FactType.INTEGER, "months running with a low receipt ratio"),
        fact(
            _C,
            "crossBorderEcommerceShare12",
            FactType.NUMBER,
            "share of FOB under cross-border e-commerce trade modes",
            nullable=True,
        ),
    ),
    build=_build,
    history=months_of_history,
)
