"""Profiles of one enterprise per source: pure functions from typed records to the figures lenders read.

No I/O here: the schema loads records through the read path and calls these. Windows of ``months`` end at
the latest month a source reports (its ``as_of_month``), so the same record always gives the same figures.
Ratios are floats rounded to four places; money stays ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

RATIO_PLACES = 4


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
