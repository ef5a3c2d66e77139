"""GraphQL types of the supply chain around a core enterprise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum

import strawberry

from hub.supply_chain import SupplyLink
from schema.context import Info
from schema.enterprise.types import Enterprise
from schema.permissions import HasScope, requires
from schema.verification.resolvers import anomalies_of
from schema.verification.types import ChainAnomaly


@strawberry.enum(description="Which side of the core enterprise a firm is on.")
class ChainRole(Enum):
    SUPPLIER = "supplier"
    DISTRIBUTOR = "distributor"


@strawberry.type(description="A firm in the supply chain, with its trade with the firm one tier closer.")
class SupplyChainLink:
    credit_code: strawberry.ID = strawberry.field(description="The firm's credit code.")
    name: str = strawberry.field(description="The firm's name as the trade platform reports it.")
    role: ChainRole = strawberry.field(description="Supplier (upstream) or distributor (downstream).")
    tier: int = strawberry.field(description="1 trades with the core directly; 2 with a tier-1 firm; …")
    via: strawberry.ID = strawberry.field(description="Credit code of the firm one tier closer to the core.")
    orders: int = strawberry.field(description="Orders between the two (not cancelled).")
    amount_yuan: Decimal = strawberry.field(description="Their value, yuan.")
    since: date = strawberry.field(description="Date of their first order.")
    last_order_on: date = strawberry.field(description="Date of their latest order.")
    shipments: int | None = strawberry.field(
        description="Waybills between the two (logistics cross-check); null when logistics could not be read."
    )

    @classmethod
    def of(cls, link: SupplyLink) -> SupplyChainLink:
        return cls(
            credit_code=strawberry.ID(link.credit_code),
            name=link.name,
            role=ChainRole(link.role),
            tier=link.tier,
            via=strawberry.ID(link.via),
            orders=link.orders,
            amount_yuan=link.amount_yuan,
            since=link.since,
            last_order_on=link.last_order_on,
            shipments=link.shipments,
        )

    @strawberry.field(
        description="The firm as an Enterprise (its registry data and, with consent, profiles)."
    )
    async def enterprise(self, info: Info) -> Enterprise | None:
        return await Enterprise.load(info.context, self.credit_code)


@strawberry.type(description="A core enterprise with its suppliers and distributors, tier by tier.")
class SupplyChain:
    core: Enterprise = strawberry.field(description="The core enterprise.")
    depth: int = strawberry.field(description="How many tiers out from the core were followed.")
    suppliers: list[SupplyChainLink] = strawberry.field(description="Firms upstream, by tier then volume.")
    distributors: list[SupplyChainLink] = strawberry.field(
        description="Firms downstream, by tier then volume."
    )
    cross_checked_with_logistics: bool = strawberry.field(
        description="Whether the core's logistics data could be read to count shipments per link."
    )

    @strawberry.field(
        description="Findings about the chain as a whole: trade cycles among its firms (HIGH when they are "
        "related) and related parties trading within it (scope verification:read; only the firms whose "
        "trade and registry the caller may read are looked at).",
        extensions=[requires(HasScope("verification:read"))],
    )
    async def anomalies(self, info: Info) -> list[ChainAnomaly] | None:
        members = [str(self.core.credit_code)]
        members += [str(link.credit_code) for link in [*self.suppliers, *self.distributors]]
        return await anomalies_of(info.context, list(dict.fromkeys(members)))
