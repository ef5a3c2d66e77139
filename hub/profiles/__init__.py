"""Profiles of one enterprise per source: pure functions from typed records to the figures lenders read.

No I/O here: the schema loads records through the read path and calls these. Windows of ``months`` end at
the latest month a source reports (its ``as_of_month``), so the same record always gives the same figures.
Ratios are floats rounded to four places; money stays ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

RATIO_PLACES = 4


def month_of(day: date) -> date:
    """The first day of ``day``'s month (how records name months)."""
    return day.replace(day=1)


def shift_months(month: date, delta: int) -> date:
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


def window(as_of_month: date, months: int) -> list[date]:
    """The ``months`` months ending at ``as_of_month``, oldest first."""
    return [shift_months(as_of_month, -offset) for offset in range(months - 1, -1, -1)]


def ratio(part: float | Decimal | int, whole: float | Decimal | int) -> float | None:
    """``part / whole`` rounded, or None when ``whole`` is zero (no basis for a ratio)."""
    if not whole:
        return None
    return round(float(part) / float(whole), RATIO_PLACES)


def growth(current: Decimal | int, previous: Decimal | int | None) -> float | None:
    """Relative change from ``previous`` to ``current``; None without a non-zero previous value."""
    if previous is None or not previous:
        return None
    return round(float(current) / float(previous) - 1, RATIO_PLACES)


def total(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))
