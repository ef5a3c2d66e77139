"""Resolvers of the customs profile (thin: read the record, call the profile service)."""

from __future__ import annotations

from connectors.customs import CustomsRecord
from hub.profiles.customs import MAX_MONTHS, customs_profile
from schema.arguments import in_range
from schema.context import Context
from schema.customs.types import CustomsProfile
from schema.reading import read_source


async def customs_of(context: Context, credit_code: str, months: int) -> CustomsProfile | None:
    in_range("months", months, 1, MAX_MONTHS)
    read = await read_source(context, "customs", credit_code, CustomsRecord)
    if read is None:
        return None
    fetched, record = read
    profile = await context.services.profiles.build(fetched, customs_profile, record, months)
    return CustomsProfile.of(fetched, profile)
