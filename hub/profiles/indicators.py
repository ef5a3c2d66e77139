"""Lending indicators across sources: the headline figures of each profile and the risk flags they raise.

Computed only from the profiles the caller may read; ``sources_used`` says which those were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from hub.profiles import growth, ratio, total
from hub.profiles.electricity import ElectricityProfile
from hub.profiles.logistics import LogisticsProfile
from hub.profiles.tax import TaxProfile
from hub.profiles.trade import TradeProfile

INDICATOR_MONTHS = 12
"""Profiles fed to the indicators cover this many months (half-year against half-year growth)."""

FALLING = -0.2
LATE_PAYMENT_RATE = 0.8
UNCONFIRMED_SHARE = 0.5


class RiskFlag(StrEnum):
    FALLING_ELECTRICITY_USAGE = "FALLING_ELECTRICITY_USAGE"
    ELECTRICITY_ARREARS = "ELECTRICITY_ARREARS"
    LATE_ELECTRICITY_PAYMENTS = "LATE_ELECTRICITY_PAYMENTS"
    LOW_TAX_GRADE = "LOW_TAX_GRADE"
    OVERDUE_TAX_FILINGS = "OVERDUE_TAX_FILINGS"
    FALLING_SALES = "FALLING_SALES"
    UNCONFIRMED_RECEIVABLES = "UNCONFIRMED_RECEIVABLES"
    FALLING_SHIPMENTS = "FALLING_SHIPMENTS"


@dataclass(frozen=True, slots=True)
class LendingIndicators:
    sources_used: tuple[str, ...]
    electricity_yoy_growth: float | None = None
    on_time_payment_rate: float | None = None
    electricity_arrears_yuan: Decimal | None = None
    tax_grade: str | None = None
    tax_paid_growth: float | None = None
    overdue_filings: int | None = None
    sales_growth: float | None = None
    unconfirmed_receivables_share: float | None = None
    shipments_growth: float | None = None
    risk_flags: tuple[RiskFlag, ...] = ()


def half_year_growth(values: Sequence[Decimal | int]) -> float | None:
    """The last six months against the six before (needs twelve)."""
    if len(values) < INDICATOR_MONTHS:
        return None
    recent = values[-INDICATOR_MONTHS:]
    return growth(total(Decimal(v) for v in recent[6:]), total(Decimal(v) for v in recent[:6]))


def below(value: float | None, threshold: float) -> bool:
    return value is not None and value < threshold


def lending_indicators(
    *,
    electricity: ElectricityProfile | None = None,
    logistics: LogisticsProfile | None = None,
    tax: TaxProfile | None = None,
    trade: TradeProfile | None = None,
) -> LendingIndicators:
    """Indicators from whichever profiles are given (each over :data:`INDICATOR_MONTHS` months)."""
    used = [
        name
        for name, profile in (
            ("electricity", electricity),
            ("logistics", logistics),
            ("tax", tax),
            ("trade", trade),
        )
        if profile is not None
    ]
    flags: list[RiskFlag] = []
    figures: dict[str, object] = {}
    if electricity is not None:
        figures |= {
            "electricity_yoy_growth": electricity.yoy_growth,
            "on_time_payment_rate": electricity.on_time_payment_rate,
            "electricity_arrears_yuan": electricity.arrears_yuan,
        }
        if below(electricity.yoy_growth, FALLING):
            flags.append(RiskFlag.FALLING_ELECTRICITY_USAGE)
        if electricity.arrears_yuan > 0:
            flags.append(RiskFlag.ELECTRICITY_ARREARS)
        if below(electricity.on_time_payment_rate, LATE_PAYMENT_RATE):
            flags.append(RiskFlag.LATE_ELECTRICITY_PAYMENTS)
    if tax is not None:
        latest = tax.years[-1] if tax.years else None
        figures |= {
            "tax_grade": tax.grade,
            "tax_paid_growth": latest.tax_paid_growth if latest else None,
            "overdue_filings": tax.overdue_filings,
        }
        if tax.grade in ("C", "D"):
            flags.append(RiskFlag.LOW_TAX_GRADE)
        if tax.overdue_filings > 0:
            flags.append(RiskFlag.OVERDUE_TAX_FILINGS)
    if trade is not None:
        position = trade.receivable_position
        unconfirmed = ratio(position.unconfirmed_yuan, position.outstanding_yuan)
        sales = half_year_growth([month.sales_yuan for month in trade.months])
        figures |= {"sales_growth": sales, "unconfirmed_receivables_share": unconfirmed}
        if below(sales, FALLING):
            flags.append(RiskFlag.FALLING_SALES)
        if unconfirmed is not None and unconfirmed > UNCONFIRMED_SHARE:
            flags.append(RiskFlag.UNCONFIRMED_RECEIVABLES)
    if logistics is not None:
        shipments = half_year_growth([month.shipments for month in logistics.months])
        figures["shipments_growth"] = shipments
        if below(shipments, FALLING):
            flags.append(RiskFlag.FALLING_SHIPMENTS)
    return LendingIndicators(sources_used=tuple(used), risk_flags=tuple(flags), **figures)  # type: ignore[arg-type]
