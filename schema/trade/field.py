"""The trade source's part of the schema: its field of ``Enterprise`` (see :mod:`schema.sources`)."""

from __future__ import annotations

from connectors.records import TradeRecord
from hub.profiles.indicators import INDICATOR_MONTHS, TRADE_FLAGS, trade_indicators
from hub.profiles.trade import trade_profile
from schema.context import Info
from schema.permissions import OfEnterprise
from schema.sources import IndicatorSource, SourceField
from schema.trade.resolvers import trade_of
from schema.trade.types import TradeProfile


async def trade(root: OfEnterprise, info: Info, months: int = 12) -> TradeProfile | None:
    return await trade_of(info.context, root.credit_code, months)


FIELD = SourceField(
    resolver=trade,
    description="Trade profile over the last `months` (1..24) months "
    "(scope trade:read and the enterprise's consent).",
    prefetch=("trade",),
    indicators=IndicatorSource(TradeRecord, trade_profile, INDICATOR_MONTHS, trade_indicators, TRADE_FLAGS),
    sample="""trade(months: 12) { gmvYuan confirmedShare }""",
)
