"""Small hand-made records for the profile unit tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from connectors.records import (
    ElectricityMonth,
    ElectricityRecord,
    Order,
    Party,
    Receivable,
    TradeRecord,
    Waybill,
)

CORE = "91330100MA27XL0K3Y"
OrderStatus = Literal["completed", "shipped", "open", "cancelled"]


def party(code: str) -> Party:
    return Party(credit_code=code, name=f"firm {code[-4:]}")


def bill(
    month: date, kwh: str, *, paid_on: date | None = None, arrears: str = "0", account: str = "A1"
) -> ElectricityMonth:
    due = month.replace(day=15)
    return ElectricityMonth(
        account_no=account,
        month=month,
        kwh=Decimal(kwh),
        bill_yuan=Decimal(kwh),
        paid_yuan=Decimal(kwh) if paid_on else Decimal(0),
        due_on=due,
        paid_on=paid_on,
        arrears_yuan=Decimal(arrears),
    )


def electricity(*months: ElectricityMonth) -> ElectricityRecord:
    return ElectricityRecord(credit_code=CORE, accounts=(), months=months)


def waybill(number: str, shipper: str, consignee: str, shipped: datetime, fee: str = "100") -> Waybill:
    return Waybill(
        waybill_no=number,
        shipper=party(shipper),
        consignee=party(consignee),
        origin="杭州市",
        destination="宁波市",
        weight_kg=Decimal("10"),
        freight_yuan=Decimal(fee),
        shipped_at=shipped,
        delivered_at=None,
        status="in_transit",
    )


def order(
    number: str, seller: str, buyer: str, on: date, amount: str, status: OrderStatus = "completed"
) -> Order:
    return Order(
        order_no=number,
        buyer=party(buyer),
        seller=party(seller),
        amount_yuan=Decimal(amount),
        ordered_on=on,
        status=status,
    )


def receivable(number: str, amount: str, *, confirmed: bool, settled: bool = False) -> Receivable:
    return Receivable(
        receivable_no=number,
        order_no="PO1",
        creditor_code=CORE,
        debtor_code="91330100MA27XL0K3Y",
        amount_yuan=Decimal(amount),
        due_on=date(2026, 12, 1),
        confirmed=confirmed,
        confirmed_on=date(2026, 10, 2) if confirmed else None,
        settled=settled,
    )


def trade(orders: tuple[Order, ...], receivables: tuple[Receivable, ...] = ()) -> TradeRecord:
    return TradeRecord(credit_code=CORE, orders=orders, receivables=receivables)


def at(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, 8, tzinfo=UTC)
