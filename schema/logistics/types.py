"""GraphQL types of the logistics profile."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from connectors.records import Fetched
from connectors.records import Party as PartyRecord
from connectors.records import Waybill as WaybillRecord
from hub.profiles import logistics
from schema.freshness import Freshness
from schema.pagination import DEFAULT_PAGE, Connection, paginate


@strawberry.type(description="A firm named on a waybill or an order.")
class Party:
    credit_code: strawberry.ID = strawberry.field(description="The firm's unified social credit code.")
    name: str = strawberry.field(description="The firm's name as the source reports it.")

    @classmethod
    def of(cls, party: PartyRecord) -> Party:
        return cls(credit_code=strawberry.ID(party.credit_code), name=party.name)


@strawberry.enum(description="Where a shipment stands.")
class WaybillStatus(Enum):
    DELIVERED = "delivered"
    IN_TRANSIT = "in_transit"


@strawberry.type(description="One shipment on the freight platform.")
class Waybill:
    waybill_no: str = strawberry.field(description="The platform's waybill number.")
    shipper: Party = strawberry.field(description="Who sent the goods.")
    consignee: Party = strawberry.field(description="Who received the goods.")
    origin: str = strawberry.field(description="City of departure.")
    destination: str = strawberry.field(description="City of arrival.")
    weight_kg: Decimal = strawberry.field(description="Gross weight, kg.")
    freight_yuan: Decimal = strawberry.field(description="Freight fee, yuan.")
    shipped_at: datetime = strawberry.field(description="When the goods left.")
    delivered_at: datetime | None = strawberry.field(description="When they arrived; null while in transit.")
    status: WaybillStatus = strawberry.field(description="Delivered or in transit.")

    @classmethod
    def of(cls, waybill: WaybillRecord) -> Waybill:
        return cls(
            waybill_no=waybill.waybill_no,
            shipper=Party.of(waybill.shipper),
            consignee=Party.of(waybill.consignee),
            origin=waybill.origin,
            destination=waybill.destination,
            weight_kg=waybill.weight_kg,
            freight_yuan=waybill.freight_yuan,
            shipped_at=waybill.shipped_at,
            delivered_at=waybill.delivered_at,
            status=WaybillStatus(waybill.status),
        )


@strawberry.type(description="Shipments of one month where the enterprise is shipper or consignee.")
class LogisticsMonth:
    month: date = strawberry.field(description="The month (its first day).")
    shipments: int = strawberry.field(description="Waybills shipped this month.")
    outbound: int = strawberry.field(description="Of which the enterprise shipped.")
    inbound: int = strawberry.field(description="Of which the enterprise received.")
    weight_kg: Decimal = strawberry.field(description="Total weight, kg.")
    freight_yuan: Decimal = strawberry.field(description="Total freight fees, yuan.")


@strawberry.enum(description="The counterparty's side of the shipments.")
class ShippingRole(Enum):
    CONSIGNEE = "consignee"
    SHIPPER = "shipper"


@strawberry.type(description="A firm the enterprise ships to (consignee) or receives goods from (shipper).")
class ShippingCounterparty:
    credit_code: strawberry.ID = strawberry.field(description="The counterparty's credit code.")
    name: str = strawberry.field(description="The counterparty's name.")
    role: ShippingRole = strawberry.field(description="Consignee of our goods, or shipper of goods to us.")
    shipments: int = strawberry.field(description="Waybills between the two in the window.")
    weight_kg: Decimal = strawberry.field(description="Total weight, kg.")
    freight_yuan: Decimal = strawberry.field(description="Total freight fees, yuan.")
    first_shipped_on: date = strawberry.field(description="First shipment in the window.")
    last_shipped_on: date = strawberry.field(description="Latest shipment in the window.")


@strawberry.type(description="Freight activity of an enterprise (freight platform data).")
class LogisticsProfile:
    freshness: Freshness = strawberry.field(description="Where and when this data was fetched.")
    as_of_month: date | None = strawberry.field(
        description="Last month of the window: the end of the fetched history."
    )
    months: list[LogisticsMonth] = strawberry.field(
        description="Monthly series over the window, oldest first."
    )
    shipments: int = strawberry.field(description="Waybills in the window.")
    freight_yuan: Decimal = strawberry.field(description="Freight fees in the window, yuan.")
    top_counterparties: list[ShippingCounterparty] = strawberry.field(
        description="Up to ten counterparties with the most shipments in the window."
    )
    window_waybills: strawberry.Private[tuple[WaybillRecord, ...]]

    @strawberry.field(description="The window's waybills, newest first (Relay connection; first ≤ 100).")
    def waybills(self, first: int = DEFAULT_PAGE, after: str | None = None) -> Connection[Waybill]:
        return paginate(self.window_waybills, first, after, Waybill.of)

    @classmethod
    def of(cls, fetched: Fetched[Any], profile: logistics.LogisticsProfile) -> LogisticsProfile:
        return cls(
            freshness=Freshness.of(fetched),
            as_of_month=profile.as_of_month,
            months=[
                LogisticsMonth(
                    month=month.month,
                    shipments=month.shipments,
                    outbound=month.outbound,
                    inbound=month.inbound,
                    weight_kg=month.weight_kg,
                    freight_yuan=month.freight_yuan,
                )
                for month in profile.months
            ],
            shipments=profile.shipments,
            freight_yuan=profile.freight_yuan,
            top_counterparties=[
                ShippingCounterparty(
                    credit_code=strawberry.ID(party.credit_code),
                    name=party.name,
                    role=ShippingRole(party.role),
                    shipments=party.shipments,
                    weight_kg=party.weight_kg,
                    freight_yuan=party.freight_yuan,
                    first_shipped_on=party.first_shipped_on,
                    last_shipped_on=party.last_shipped_on,
                )
                for party in profile.top_counterparties
            ],
            window_waybills=profile.waybills,
        )
