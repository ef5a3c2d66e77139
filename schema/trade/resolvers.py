"""Resolvers of the trade profile (thin: read the record, call the profile service)."""

from __future__ import annotations

from connectors.records import TradeRecord
from hub.profiles.trade import MAX_MONTHS, trade_profile
from schema.arguments import in_range
from schema.context import Context
from schema.reading import read_source
from schema.trade.types import TradeProfile


async def trade_of(context: Context, credit_code: str, months: int) -> TradeProfile | None:
    in_range("months", months, 1, MAX_MONTHS)
    read = await read_source(context, "trade", credit_code, TradeRecord)
    if read is None:
        return None
    fetched, record = read
    profile = await context.services.profiles.build(fetched, trade_profile, record, months)
    return TradeProfile.of(fetched, profile)
