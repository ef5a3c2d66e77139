"""Resolver of the lending indicators: reads, in parallel, each source the caller may read."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Literal, TypeVar

from connectors.records import (
    ElectricityRecord,
    LogisticsRecord,
    SourceName,
    SourceRecord,
    TaxRecord,
    TradeRecord,
)
from foundation.errors import SourceUnavailable
from hub.profiles.electricity import ElectricityProfile, electricity_profile
from hub.profiles.indicators import INDICATOR_MONTHS, lending_indicators
from hub.profiles.logistics import LogisticsProfile, logistics_profile
from hub.profiles.tax import MAX_YEARS, TaxProfile, tax_profile
from hub.profiles.trade import TradeProfile, trade_profile
from schema.context import Context
from schema.indicators.types import LendingIndicators
from schema.reading import may_read, read_source

Left = Literal["withheld", "unavailable"]
R = TypeVar("R", bound=SourceRecord)
P = TypeVar("P")


async def _profile(
    context: Context,
    source: SourceName,
    credit_code: str,
    kind: type[R],
    profile: Callable[[R, int], P],
    window: int,
) -> P | Left | None:
    """The source's profile when the caller may read it; else why it was left out (None: unknown there)."""
    if not await may_read(context, source, credit_code):
        return "withheld"
    try:
        read = await read_source(context, source, credit_code, kind)
    except SourceUnavailable:
        return "unavailable"
    if read is None:
        return None
    return await context.services.profiles.build(read[0], profile, read[1], window)


async def indicators_of(context: Context, credit_code: str) -> LendingIndicators:
    months = INDICATOR_MONTHS
    electricity, logistics, tax, trade = await asyncio.gather(
        _profile(context, "electricity", credit_code, ElectricityRecord, electricity_profile, months),
        _profile(context, "logistics", credit_code, LogisticsRecord, logistics_profile, months),
        _profile(context, "tax", credit_code, TaxRecord, tax_profile, MAX_YEARS),
        _profile(context, "trade", credit_code, TradeRecord, trade_profile, months),
    )
    outcomes = {"electricity": electricity, "logistics": logistics, "tax": tax, "trade": trade}
    figures = lending_indicators(
        electricity=electricity if isinstance(electricity, ElectricityProfile) else None,
        logistics=logistics if isinstance(logistics, LogisticsProfile) else None,
        tax=tax if isinstance(tax, TaxProfile) else None,
        trade=trade if isinstance(trade, TradeProfile) else None,
    )
    return LendingIndicators.of(
        figures,
        withheld=[source for source, outcome in outcomes.items() if outcome == "withheld"],
        unavailable=[source for source, outcome in outcomes.items() if outcome == "unavailable"],
    )
