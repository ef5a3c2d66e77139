"""Month arithmetic: months are named by their first day (how records and windows name them)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache


def month_of(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def shift_months(month: date, delta: int) -> date:
    """The month ``delta`` months after ``month``'s (before, when negative), as its first day."""
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


@lru_cache(maxsize=1024)
def window(as_of_month: date, months: int) -> tuple[date, ...]:
    """The ``months`` months ending at ``as_of_month``'s, oldest first (made once per pair: every fact
    and profile of every firm asks for the same few windows)."""
    last = month_of(as_of_month)
    return tuple(shift_months(last, -offset) for offset in range(months - 1, -1, -1))
