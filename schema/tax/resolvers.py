"""Resolvers of the tax profile (thin: read the record, call the profile service)."""

from __future__ import annotations

from connectors.records import TaxRecord
from hub.profiles.tax import MAX_YEARS, tax_profile
from schema.arguments import in_range
from schema.context import Context
from schema.reading import read_source
from schema.tax.types import TaxProfile


async def tax_of(context: Context, credit_code: str, years: int) -> TaxProfile | None:
    in_range("years", years, 1, MAX_YEARS)
    read = await read_source(context, "tax", credit_code, TaxRecord)
    if read is None:
        return None
    fetched, record = read
    profile = await context.services.profiles.build(fetched, tax_profile, record, years)
    return TaxProfile.of(fetched, profile)
