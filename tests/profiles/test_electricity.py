from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from foundation.months import shift_months, window
from hub.profiles import growth
from hub.profiles.electricity import electricity_profile
from tests.profiles.records import bill, electricity


def months_back(count: int) -> list[date]:
    return list(window(date(2026, 10, 1), count))


@pytest.mark.parametrize(
    ("start", "delta", "expected"),
    [
        (date(2026, 10, 1), -12, date(2025, 10, 1)),
        (date(2026, 1, 1), -1, date(2025, 12, 1)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
    ],
)
def test_shift_months(start: date, delta: int, expected: date) -> None:
    assert shift_months(start, delta) == expected


@pytest.mark.parametrize(
    ("current", "previous", "expected"), [(110, 100, 0.1), (50, 100, -0.5), (1, 0, None), (1, None, None)]
)
def test_growth(current: int, previous: int | None, expected: float | None) -> None:
    assert growth(current, previous) == expected


def test_two_accounts_are_summed_per_month_and_the_window_ends_at_the_latest_month() -> None:
    record = electricity(
        *(bill(month, "100", paid_on=month.replace(day=10)) for month in months_back(24)),
        *(bill(month, "50", paid_on=month.replace(day=10), account="A2") for month in months_back(24)),
    )
    profile = electricity_profile(record, 6)
    assert profile.as_of_month == date(2026, 10, 1)
    assert [month.month for month in profile.months] == months_back(6)
    assert all(month.kwh == Decimal(150) and month.bills == 2 for month in profile.months)
    assert profile.average_monthly_kwh == Decimal("150.0")
    assert profile.yoy_growth == 0.0
    assert profile.volatility == 0.0
    assert profile.on_time_payment_rate == 1.0


@pytest.mark.parametrize(
    ("recent_kwh", "expected_growth"),
    [("80", -0.2), ("100", 0.0), ("130", 0.3)],
)
def test_year_on_year_growth(recent_kwh: str, expected_growth: float) -> None:
    months = months_back(24)
    record = electricity(
        *(bill(month, "100" if index < 12 else recent_kwh) for index, month in enumerate(months))
    )
    assert electricity_profile(record, 12).yoy_growth == expected_growth


def test_without_a_year_of_history_there_is_no_growth() -> None:
    record = electricity(*(bill(month, "100") for month in months_back(6)))
    assert electricity_profile(record, 12).yoy_growth is None


def test_late_and_unpaid_bills_and_arrears() -> None:
    may, june = date(2026, 9, 1), date(2026, 10, 1)
    record = electricity(
        bill(may, "100", paid_on=date(2026, 9, 20), arrears="0"),  # paid after the 15th: late
        bill(june, "100", paid_on=None, arrears="100"),
    )
    profile = electricity_profile(record, 2)
    assert profile.on_time_payment_rate == 0.0
    assert profile.arrears_yuan == Decimal(100)
    assert profile.months_in_arrears == 1


def test_no_months_gives_an_empty_profile() -> None:
    profile = electricity_profile(electricity(), 12)
    assert profile.months == () and profile.average_monthly_kwh is None and profile.arrears_yuan == 0
