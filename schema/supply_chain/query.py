"""Root field of the supply-chain domain."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.permissions import CanReadSource, requires
from schema.supply_chain.resolvers import supply_chain_of
from schema.supply_chain.types import SupplyChain


@strawberry.type
class SupplyChainQuery:
    @strawberry.field(
        description="The supply chain around a core enterprise: suppliers and distributors from its trade "
        "counterparties, cross-checked by logistics, `depth` (1..3) tiers out. Needs trade:read and the "
        "core's consent; further tiers are followed only through firms whose trade the caller may read.",
        extensions=[requires(CanReadSource("trade", argument="core_credit_code"))],
    )
    async def supply_chain(
        self, info: Info, core_credit_code: strawberry.ID, depth: int = 1
    ) -> SupplyChain | None:
        return await supply_chain_of(info.context, core_credit_code, depth)
