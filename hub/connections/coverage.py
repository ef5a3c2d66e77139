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
    first: date | None = None
    last: date | None = None
    for name in type(record).model_fields:
        series = getattr(record, name, None)
        if not isinstance(series, tuple) or not series:
            continue
        # A series holds items of one type: the field that dates them is found once, on the first.
        dated_by = next((field for field in DATED_BY if hasattr(series[0], field)), None)
        if dated_by is None:
            continue
        days = [
            day.date() if isinstance(day, datetime) else day
            for item in series
            if isinstance(day := getattr(item, dated_by, None), date)
        ]
        if days:
            low, high = min(days), max(days)
            first = low if first is None or low < first else first
            last = high if last is None or high > last else last
    if first is None or last is None:
        return Coverage(None, None)
    return Coverage(month_of(first), month_of(last))
