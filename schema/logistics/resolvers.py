"""Resolvers of the logistics profile (thin: read the record, call the profile service)."""

from __future__ import annotations

from connectors.records import LogisticsRecord
from hub.profiles.logistics import MAX_MONTHS, logistics_profile
from schema.arguments import in_range
from schema.context import Context
from schema.logistics.types import LogisticsProfile
from schema.reading import read_source


async def logistics_of(context: Context, credit_code: str, months: int) -> LogisticsProfile | None:
    in_range("months", months, 1, MAX_MONTHS)
    read = await read_source(context, "logistics", credit_code, LogisticsRecord)
    if read is None:
        return None
    fetched, record = read
    profile = await context.services.profiles.build(fetched, logistics_profile, record, months)
    return LogisticsProfile.of(fetched, profile)
