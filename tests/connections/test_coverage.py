"""Coverage: the first and last month a record's dated series hold, across all its series."""

from __future__ import annotations

from datetime import date

from hub.connections.coverage import Coverage, coverage_of
from tests.products.records import electricity, registry, tax
from tests.products.test_warning_facts import waybills


def test_months_of_bills_and_of_shipments() -> None:
    assert coverage_of(electricity(months=24)) == Coverage(date(2024, 11, 1), date(2026, 10, 1))
    # shipped_at is a datetime: its month counts; months 0 and 7 back from October 2026
    assert coverage_of(waybills({0: 2, 7: 1})) == Coverage(date(2026, 3, 1), date(2026, 10, 1))


def test_the_widest_of_several_series() -> None:
    # the tax record's invoiced months and payments both run November 2024 - October 2026
    assert coverage_of(tax()) == Coverage(date(2024, 11, 1), date(2026, 10, 1))


def test_a_record_without_a_dated_series_covers_nothing() -> None:
    assert coverage_of(registry()) == Coverage(None, None)
    assert coverage_of(waybills({})) == Coverage(None, None)
