"""The electricity index by industry: monthly kWh summed over the industry's firms, base month = 100."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from foundation.errors import BadRequest
from hub.monitoring.facts import Firm

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True)
class IndexPoint:
    industry: str
    period: str  # YYYY-MM
    index: float | None  # None when the base month had no consumption


def check_period(period: str | None) -> str | None:
    if period is not None and not PERIOD.match(period):
        raise BadRequest(f"period must be a month, YYYY-MM; got {period!r}", argument="period")
    return period


def electricity_index(firms: Iterable[Firm], base: str | None, *, min_firms: int) -> list[IndexPoint]:
    """One point per industry and month; industries with fewer than ``min_firms`` firms with readings are
    left out (one firm's index would be its own consumption curve)."""
    by_industry: dict[str, list[Firm]] = {}
    for firm in firms:
        if firm.industry is not None and firm.kwh_by_month:
            by_industry.setdefault(firm.industry, []).append(firm)
    points: list[IndexPoint] = []
    for industry, members in sorted(by_industry.items()):
        if len(members) < min_firms:
            continue
        totals: dict[str, Decimal] = {}
        for firm in members:
            for month, kwh in firm.kwh_by_month.items():
                totals[month] = totals.get(month, Decimal(0)) + kwh
        months = sorted(totals)
        base_month = base or months[0]
        if base_month not in totals:
            raise BadRequest(
                f"period {base_month} is outside the electricity window {months[0]}..{months[-1]}",
                argument="period",
            )
        base_kwh = totals[base_month]
        for month in months:
            index = float(round(totals[month] / base_kwh * 100, 1)) if base_kwh > 0 else None
            points.append(IndexPoint(industry, month, index))
    return points
