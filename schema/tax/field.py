"""The tax source's part of the schema: its field of ``Enterprise`` (see :mod:`schema.sources`)."""

from __future__ import annotations

from connectors.records import TaxRecord
from hub.profiles.indicators import TAX_FLAGS, tax_indicators
from hub.profiles.tax import MAX_YEARS, tax_profile
from schema.context import Info
from schema.permissions import OfEnterprise
from schema.sources import IndicatorSource, SourceField
from schema.tax.resolvers import tax_of
from schema.tax.types import TaxProfile


async def tax(root: OfEnterprise, info: Info, years: int = 3) -> TaxProfile | None:
    return await tax_of(info.context, root.credit_code, years)


FIELD = SourceField(
    resolver=tax,
    description="Tax profile over the last `years` (1..5) years "
    "(scope tax:read and the enterprise's consent).",
    prefetch=("tax",),
    indicators=IndicatorSource(TaxRecord, tax_profile, MAX_YEARS, tax_indicators, TAX_FLAGS),
    sample="""tax(years: 3) { grade years { year taxPaidYuan invoicedSalesGrowth } }""",
)
