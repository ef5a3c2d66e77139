"""GraphQL types of the trade profile."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from connectors.records import Fetched
from connectors.records import Order as OrderRecord
from connectors.records import Receivable as ReceivableRecord
from hub.financing.registry import tenor_flags
from hub.profiles import trade
from hub.profiles.trade import tenor_days
from schema.context import Info
from schema.financing.receivable import (
    ReceivableChild,
    ReceivableEvent,
    ReceivableStatus,
    available_of,
    children_of,
    events_of,
    standing_of,
)
from schema.freshness import Freshness
from schema.logistics.types import Party
from schema.pagination import DEFAULT_PAGE, Connection, paginate


@strawberry.enum(description="Where an order stands on the B2B platform.")
class OrderStatus(Enum):
    COMPLETED = "completed"
    SHIPPED = "shipped"
    OPEN = "open"
    CANCELLED = "cancelled"


@strawberry.type(description="An order between a buyer and a seller on the B2B platform.")
class Order:
    order_no: str = strawberry.field(description="The platform's order number.")
    buyer: Party = strawberry.field(description="Who buys.")
    seller: Party = strawberry.field(description="Who sells.")
    amount_yuan: Decimal = strawberry.field(description="Order value, yuan.")
    ordered_on: date = strawberry.field(description="When the order was placed.")
    status: OrderStatus = strawberry.field(description="Completed, shipped, open or cancelled.")

    @classmethod
    def of(cls, order: OrderRecord) -> Order:
        return cls(
            order_no=order.order_no,
            buyer=Party.of(order.buyer),
            seller=Party.of(order.seller),
            amount_yuan=order.amount_yuan,
            ordered_on=order.ordered_on,
            status=OrderStatus(order.status),
        )


@strawberry.type(description="A receivable of a creditor on a debtor arising from an order.")
class Receivable:
    receivable_no: str = strawberry.field(description="The platform's receivable number.")
    order_no: str = strawberry.field(description="The order it arises from.")
    creditor_code: strawberry.ID = strawberry.field(description="Credit code of the creditor (seller).")
    debtor_code: strawberry.ID = strawberry.field(description="Credit code of the debtor (buyer).")
    amount_yuan: Decimal = strawberry.field(description="Amount, yuan.")
    due_on: date = strawberry.field(description="When it falls due.")
    confirmed: bool = strawberry.field(
        description="Whether the debtor confirmed it (the basis of financing)."
    )
    confirmed_on: date | None = strawberry.field(description="When the debtor confirmed it.")
    settled: bool = strawberry.field(description="Whether it has been paid.")
    issued_on: date | None = strawberry.field(
        description="The day it arose (its order's); null when not reported."
    )
    tenor_days: int | None = strawberry.field(
        description="Days from `issuedOn` to `dueOn`; null without `issuedOn`."
    )
    firm: strawberry.Private[str]  # whose trade profile lists it: the platform is asked in its name

    @strawberry.field(
        description="RCV_TENOR_GT_6M: a tenor over 6 months (flagged); RCV_TENOR_GT_12M: over 12 months "
        "(not financeable)."
    )
    def flags(self) -> list[str]:
        return [] if self.tenor_days is None else tenor_flags(self.tenor_days)

    @strawberry.field(description="Where it stands on the platform now (asked live); null if not listed.")
    async def status(self, info: Info) -> ReceivableStatus | None:
        found = await standing_of(info.context, self.firm, self.receivable_no)
        return ReceivableStatus(found.receivable.status) if found else None

    @strawberry.field(description="Who holds it now (its creditor unless transferred); null if not listed.")
    async def holder(self, info: Info) -> strawberry.ID | None:
        found = await standing_of(info.context, self.firm, self.receivable_no)
        return strawberry.ID(found.receivable.holder_code) if found else None

    @strawberry.field(
        description="What it can still be financed for: its holder's retained part and its lineage's "
        "amount, less every bank's live financings (whose never said); 0 unless confirmed."
    )
    async def available_yuan(self, info: Info) -> Decimal | None:
        found = await standing_of(info.context, self.firm, self.receivable_no)
        return await available_of(info.context, found) if found else None

    @strawberry.field(
        description="Parts split off and transferred; children and retained make the amount (null: the "
        "platform did not answer, like every field of its standing)."
    )
    async def children(self, info: Info) -> list[ReceivableChild] | None:
        found = await standing_of(info.context, self.firm, self.receivable_no)
        return children_of(found) if found else []

    @strawberry.field(description="Its amount less its children's: what its holder keeps.")
    async def retained_yuan(self, info: Info) -> Decimal | None:
        found = await standing_of(info.context, self.firm, self.receivable_no)
        return found.receivable.retained_yuan if found else None

    @strawberry.field(description="Its events on the platform, oldest first: time, actor and amount.")
    async def lineage(self, info: Info) -> list[ReceivableEvent] | None:
        found = await standing_of(info.context, self.firm, self.receivable_no)
        return events_of(found) if found else []

    @classmethod
    def of(cls, receivable: ReceivableRecord, firm: str) -> Receivable:
        return cls(
            firm=firm,
            receivable_no=receivable.receivable_no,
            order_no=receivable.order_no,
            creditor_code=strawberry.ID(receivable.creditor_code),
            debtor_code=strawberry.ID(receivable.debtor_code),
            amount_yuan=receivable.amount_yuan,
            due_on=receivable.due_on,
            confirmed=receivable.confirmed,
            confirmed_on=receivable.confirmed_on,
            settled=receivable.settled,
            issued_on=receivable.issued_on,
            tenor_days=tenor_days(receivable),
        )


@strawberry.type(description="Orders of one month that were not cancelled.")
class TradeMonth:
    month: date = strawberry.field(description="The month (its first day).")
    orders: int = strawberry.field(description="Orders placed.")
    sales_yuan: Decimal = strawberry.field(description="Value sold by the enterprise, yuan.")
    purchases_yuan: Decimal = strawberry.field(description="Value bought by the enterprise, yuan.")
    gmv_yuan: Decimal = strawberry.field(description="Gross merchandise value: sales plus purchases, yuan.")


@strawberry.enum(description="The counterparty's side of the trade.")
class TradeRole(Enum):
    CUSTOMER = "customer"
    SUPPLIER = "supplier"


@strawberry.type(description="A firm that buys from the enterprise (customer) or sells to it (supplier).")
class TradeCounterparty:
    credit_code: strawberry.ID = strawberry.field(description="The counterparty's credit code.")
    name: str = strawberry.field(description="The counterparty's name.")
    role: TradeRole = strawberry.field(description="Customer or supplier of the enterprise.")
    orders: int = strawberry.field(description="Orders between the two in the window (not cancelled).")
    amount_yuan: Decimal = strawberry.field(description="Their value, yuan.")
    since: date = strawberry.field(description="First order in the window.")
    last_order_on: date = strawberry.field(description="Latest order in the window.")


@strawberry.type(description="Trade on the B2B platform: GMV, counterparties, orders and receivables.")
class TradeProfile:
    freshness: Freshness = strawberry.field(description="Where and when this data was fetched.")
    as_of_month: date | None = strawberry.field(
        description="Last month of the window: the end of the fetched history."
    )
    months: list[TradeMonth] = strawberry.field(description="GMV per month over the window, oldest first.")
    gmv_yuan: Decimal = strawberry.field(description="GMV over the window, yuan.")
    counterparties: list[TradeCounterparty] = strawberry.field(
        description="Customers and suppliers in the window, largest volume first."
    )
    outstanding_receivables_yuan: Decimal = strawberry.field(description="Unsettled receivables, yuan.")
    unconfirmed_receivables_yuan: Decimal = strawberry.field(
        description="Unsettled receivables the debtor has not confirmed, yuan."
    )
    confirmed_share: float | None = strawberry.field(
        description="Share of the outstanding amount that is confirmed (0..1); null with nothing outstanding."
    )
    window_orders: strawberry.Private[tuple[OrderRecord, ...]]
    all_receivables: strawberry.Private[tuple[ReceivableRecord, ...]]
    firm: strawberry.Private[str]

    @strawberry.field(description="The window's orders, newest first (Relay connection; first ≤ 100).")
    def orders(self, first: int = DEFAULT_PAGE, after: str | None = None) -> Connection[Order]:
        return paginate(self.window_orders, first, after, Order.of)

    @strawberry.field(
        description="Receivables of the enterprise as creditor or debtor, by due date (Relay; first ≤ 100)."
    )
    def receivables(self, first: int = DEFAULT_PAGE, after: str | None = None) -> Connection[Receivable]:
        return paginate(self.all_receivables, first, after, lambda found: Receivable.of(found, self.firm))

    @classmethod
    def of(cls, fetched: Fetched[Any], profile: trade.TradeProfile) -> TradeProfile:
        position = profile.receivable_position
        return cls(
            freshness=Freshness.of(fetched),
            as_of_month=profile.as_of_month,
            months=[
                TradeMonth(
                    month=month.month,
                    orders=month.orders,
                    sales_yuan=month.sales_yuan,
                    purchases_yuan=month.purchases_yuan,
                    gmv_yuan=month.gmv_yuan,
                )
                for month in profile.months
            ],
            gmv_yuan=profile.gmv_yuan,
            counterparties=[
                TradeCounterparty(
                    credit_code=strawberry.ID(party.credit_code),
                    name=party.name,
                    role=TradeRole(party.role),
                    orders=party.orders,
                    amount_yuan=party.amount_yuan,
                    since=party.since,
                    last_order_on=party.last_order_on,
                )
                for party in profile.counterparties
            ],
            outstanding_receivables_yuan=position.outstanding_yuan,
            unconfirmed_receivables_yuan=position.unconfirmed_yuan,
            confirmed_share=position.confirmed_share,
            window_orders=profile.orders,
            all_receivables=position.receivables,
            firm=fetched.credit_code,
        )
