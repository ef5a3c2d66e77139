"""The logistics source's part of the schema: its field of ``Enterprise`` (see :mod:`schema.sources`)."""

from __future__ import annotations

from connectors.records import LogisticsRecord
from hub.profiles.indicators import INDICATOR_MONTHS, LOGISTICS_FLAGS, logistics_indicators
from hub.profiles.logistics import logistics_profile
from schema.context import Info
from schema.logistics.resolvers import logistics_of
from schema.logistics.types import LogisticsProfile
from schema.permissions import OfEnterprise
from schema.sources import IndicatorSource, SourceField


async def logistics(root: OfEnterprise, info: Info, months: int = 12) -> LogisticsProfile | None:
    return await logistics_of(info.context, root.credit_code, months)


FIELD = SourceField(
    resolver=logistics,
    description="Logistics profile over the last `months` (1..24) months "
    "(scope logistics:read and the enterprise's consent).",
    prefetch=("logistics",),
    indicators=IndicatorSource(
        LogisticsRecord, logistics_profile, INDICATOR_MONTHS, logistics_indicators, LOGISTICS_FLAGS
    ),
    sample="""logistics(months: 12) { shipments freightYuan }""",
)
