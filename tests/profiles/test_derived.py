"""Figures derived from a record: made once per record object, dropped with the record."""

from __future__ import annotations

import gc
from datetime import date

from hub.profiles.derived import derived, derived_count
from hub.profiles.electricity import monthly_totals
from tests.profiles.records import bill, electricity


def test_made_once_per_record_and_the_same_as_made_afresh() -> None:
    record = electricity(bill(date(2026, 1, 1), "100"), bill(date(2026, 2, 1), "120"))
    calls: list[object] = []

    def counted(of: object) -> dict[date, object]:
        calls.append(of)
        return dict(monthly_totals(record))

    first = derived(counted, record)
    assert derived(counted, record) is first
    assert calls == [record]
    assert derived(monthly_totals, record) == monthly_totals(record) == first
    other = electricity(bill(date(2026, 1, 1), "100"), bill(date(2026, 2, 1), "120"))
    derived(counted, other)  # an equal record is another object: made for it too
    assert calls == [record, other]


def test_nothing_is_kept_once_the_record_is_gone() -> None:
    gc.collect()
    before = derived_count()
    record = electricity(bill(date(2026, 3, 1), "90"))
    derived(monthly_totals, record)
    assert derived_count() == before + 1
    del record
    gc.collect()
    assert derived_count() == before
