"""Resolvers of the electricity profile (thin: read the record, call the profile service)."""

from __future__ import annotations

from connectors.records import ElectricityRecord
from hub.profiles.electricity import MAX_MONTHS, electricity_profile
from schema.arguments import in_range
from schema.context import Context
from schema.electricity.types import ElectricityProfile
from schema.reading import read_source


async def electricity_of(context: Context, credit_code: str, months: int) -> ElectricityProfile | None:
    in_range("months", months, 1, MAX_MONTHS)
    read = await read_source(context, "electricity", credit_code, ElectricityRecord)
    if read is None:
        return None
    fetched, record = read
    profile = await context.services.profiles.build(fetched, electricity_profile, record, months)
    return ElectricityProfile.of(fetched, profile)
