"""Lending indicators across sources: the headline figures of each profile and the risk flags they raise.

Each source contributes through its profile (its :class:`schema.sources.SourceField` names the
contribution): a :class:`Contribution` of named figures and risk flags. Computed only from the profiles the
caller may read; ``sources_used`` says which those were. The five first sources' contributions are here;
a source added later brings its own with its profile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

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

Figure = float | Decimal | int | str | None


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one source's profile adds to the indicators: figures by name, and the risk flags raised."""

    figures: Mapping[str, Figure] = field(default_factory=dict)
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LendingIndicators:
    sources_used: tuple[str, ...]
    figures: Mapping[str, tuple[str, Figure]] = field(default_factory=dict)
    """Figure name → (the source it came from, its value)."""
    risk_flags: tuple[str, ...] = ()

    def figure(self, name: str) -> Figure:
        found = self.figures.get(name)
        return None if found is None else found[1]


def lending_indicators(contributions: Mapping[str, Contribution]) -> LendingIndicators:
    """The indicators of the given sources' contributions (each from a profile over
    :data:`INDICATOR_MONTHS` months), in the order given."""
    figures = {
        name: (source, value)
        for source, contribution in contributions.items()
        for name, value in contribution.figures.items()
    }
    flags = tuple(flag for contribution in contributions.values() for flag in contribution.flags)
    return LendingIndicators(sources_used=tuple(contributions), figures=figures, risk_flags=flags)


def half_year_growth(values: Sequence[Decimal | int]) -> float | None:
    """The last six months against the six before (needs twelve)."""
    if len(values) < INDICATOR_MONTHS:
        return None
    recent = values[-INDICATOR_MONTHS:]
    return growth(total(Decimal(v) for v in recent[6:]), total(Decimal(v) for v in recent[:6]))


def below(value: float | None, threshold: float) -> bool:
    return value is not None and value < threshold


ELECTRICITY_FLAGS = {
    "FALLING_ELECTRICITY_USAGE": "electricity usage down by more than 20% year on year",
    "ELECTRICITY_ARREARS": "electricity arrears outstanding",
    "LATE_ELECTRICITY_PAYMENTS": "fewer than 80% of electricity bills paid on time",
}


def electricity_indicators(electricity: ElectricityProfile) -> Contribution:
    flags = []
    if below(electricity.yoy_growth, FALLING):
        flags.append("FALLING_ELECTRICITY_USAGE")
    if electricity.arrears_yuan > 0:
        flags.append("ELECTRICITY_ARREARS")
    if below(electricity.on_time_payment_rate, LATE_PAYMENT_RATE):
        flags.append("LATE_ELECTRICITY_PAYMENTS")
    figures = {
        "electricity_yoy_growth": electricity.yoy_growth,
        "on_time_payment_rate": electricity.on_time_payment_rate,
        "electricity_arrears_yuan": electricity.arrears_yuan,
    }
    return Contribution(figures, tuple(flags))


TAX_FLAGS = {
    "LOW_TAX_GRADE": "tax credit grade C or D",
    "OVERDUE_TAX_FILINGS": "tax returns overdue",
}


def tax_indicators(tax: TaxProfile) -> Contribution:
    latest = tax.years[-1] if tax.years else None
    flags = []
    if tax.grade in ("C", "D"):
        flags.append("LOW_TAX_GRADE")
    if tax.overdue_filings > 0:
        flags.append("OVERDUE_TAX_FILINGS")
    figures: dict[str, Figure] = {
        "tax_grade": tax.grade,
        "tax_paid_growth": latest.tax_paid_growth if latest else None,
        "overdue_filings": tax.overdue_filings,
    }
    return Contribution(figures, tuple(flags))


TRADE_FLAGS = {
    "FALLING_SALES": "platform sales down by more than 20%, half-year on half-year",
    "UNCONFIRMED_RECEIVABLES": "most outstanding receivables unconfirmed by their debtors",
}


def trade_indicators(trade: TradeProfile) -> Contribution:
    position = trade.receivable_position
    unconfirmed = ratio(position.unconfirmed_yuan, position.outstanding_yuan)
    sales = half_year_growth([month.sales_yuan for month in trade.months])
    flags = []
    if below(sales, FALLING):
        flags.append("FALLING_SALES")
    if unconfirmed is not None and unconfirmed > UNCONFIRMED_SHARE:
        flags.append("UNCONFIRMED_RECEIVABLES")
    return Contribution({"sales_growth": sales, "unconfirmed_receivables_share": unconfirmed}, tuple(flags))


LOGISTICS_FLAGS = {"FALLING_SHIPMENTS": "shipments down by more than 20%, half-year on half-year"}


def logistics_indicators(logistics: LogisticsProfile) -> Contribution:
    shipments = half_year_growth([month.shipments for month in logistics.months])
    flags = ("FALLING_SHIPMENTS",) if below(shipments, FALLING) else ()
    return Contribution({"shipments_growth": shipments}, flags)
