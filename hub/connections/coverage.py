"""Coverage of a record: the first and last month it holds, read off its dated series.

A record's series are its tuple fields of records; an item is dated by the first of ``DATED_BY`` it has
(a month, a shipment, an order). A record without a dated series (the registry's) covers no months.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final, NamedTuple

from connectors.records import Record
from foundation.months import month_of

DATED_BY: Final = ("month", "shipped_at", "ordered_on")


class Coverage(NamedTuple):
    first_month: date | None
    last_month: date | None


def coverage_of(record: Record) -> Coverage:
    months: list[date] = []
    for name in type(record).model_fields:
        series = getattr(record, name, None)
        if not isinstance(series, tuple):
            continue
        for item in series:
            day = next((getattr(item, field) for field in DATED_BY if hasattr(item, field)), None)
            if isinstance(day, datetime):
                day = day.date()
            if isinstance(day, date):
                months.append(month_of(day))
    if not months:
        return Coverage(None, None)
    return Coverage(min(months), max(months))
