from __future__ import annotations

from datetime import date

import pytest

from hub.profiles.electricity import electricity_profile
from hub.profiles.indicators import (
    electricity_indicators,
    half_year_growth,
    lending_indicators,
    trade_indicators,
)
from hub.profiles.trade import trade_profile
from tests.profiles.records import bill, electricity, receivable, trade


@pytest.mark.parametrize(
    ("values", "expected"), [([1] * 6 + [2] * 6, 1.0), ([2] * 6 + [1] * 6, -0.5), ([1] * 11, None)]
)
def test_half_year_growth(values: list[int], expected: float | None) -> None:
    assert half_year_growth(values) == expected


def test_indicators_use_only_given_profiles_and_raise_flags() -> None:
    falling = electricity(
        *(
            bill(date(2025 + (10 + i) // 12, (10 + i) % 12 + 1, 1), "100" if i < 12 else "50")
            for i in range(24)
        )
    )
    profile = electricity_profile(falling, 12)
    unconfirmed = trade_profile(trade((), (receivable("AR1", "100", confirmed=False),)), 12)

    indicators = lending_indicators(
        {"electricity": electricity_indicators(profile), "trade": trade_indicators(unconfirmed)}
    )

    assert indicators.sources_used == ("electricity", "trade")
    assert indicators.figure("electricity_yoy_growth") == -0.5
    assert indicators.figures["electricity_yoy_growth"] == ("electricity", -0.5)
    assert indicators.figure("tax_grade") is None
    assert "FALLING_ELECTRICITY_USAGE" in indicators.risk_flags
    assert "LATE_ELECTRICITY_PAYMENTS" in indicators.risk_flags
    assert "UNCONFIRMED_RECEIVABLES" in indicators.risk_flags
    assert lending_indicators({}).sources_used == ()
