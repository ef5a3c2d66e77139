"""The customs source's part of the schema: its field of ``Enterprise`` (see :mod:`schema.sources`)."""

from __future__ import annotations

from connectors.customs import CustomsRecord
from hub.profiles.customs import CUSTOMS_FLAGS, customs_indicators, customs_profile
from hub.profiles.indicators import INDICATOR_MONTHS
from schema.context import Info
from schema.customs.resolvers import customs_of
from schema.customs.types import CustomsProfile
from schema.permissions import OfEnterprise
from schema.sources import IndicatorSource, SourceField


async def customs(root: OfEnterprise, info: Info, months: int = 12) -> CustomsProfile | None:
    return await customs_of(info.context, root.credit_code, months)


FIELD = SourceField(
    resolver=customs,
    description="Customs exports and FX receipts over the last `months` (1..24) months "
    "(scope customs:read and the enterprise's consent); null when the enterprise is not an exporter.",
    prefetch=("customs",),
    indicators=IndicatorSource(
        CustomsRecord, customs_profile, INDICATOR_MONTHS, customs_indicators, CUSTOMS_FLAGS
    ),
)
