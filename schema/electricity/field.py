"""The electricity source's part of the schema: its field of ``Enterprise`` (see :mod:`schema.sources`)."""

from __future__ import annotations

from connectors.records import ElectricityRecord
from hub.profiles.electricity import electricity_profile
from hub.profiles.indicators import ELECTRICITY_FLAGS, INDICATOR_MONTHS, electricity_indicators
from schema.context import Info
from schema.electricity.resolvers import electricity_of
from schema.electricity.types import ElectricityProfile
from schema.permissions import OfEnterprise
from schema.sources import IndicatorSource, SourceField


async def electricity(root: OfEnterprise, info: Info, months: int = 12) -> ElectricityProfile | None:
    return await electricity_of(info.context, root.credit_code, months)


FIELD = SourceField(
    resolver=electricity,
    description="Electricity profile over the last `months` (1..24) months "
    "(scope electricity:read and the enterprise's consent).",
    prefetch=("electricity",),
    indicators=IndicatorSource(
        ElectricityRecord, electricity_profile, INDICATOR_MONTHS, electricity_indicators, ELECTRICITY_FLAGS
    ),
    sample="""electricity(months: 12) {
      averageMonthlyKwh yoyGrowth onTimePaymentRate arrearsYuan
      freshness { fetchedAt stale }
    }""",
)
