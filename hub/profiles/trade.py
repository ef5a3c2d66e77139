"""Trade profile: GMV per month, counterparties with volumes, and receivables with their confirmation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from connectors.records import Order, Receivable, TradeRecord
from foundation.months import month_of, window
from hub.profiles import ratio, total

MAX_MONTHS = 24
TradeRole = Literal["customer", "supplier"]


@dataclass(frozen=True, slots=True)
class TradeMonth:
    """Orders of one month that were not cancelled; ``gmv_yuan`` is sales plus purchases."""

    month: date
    orders: int
    sales_yuan: Decimal
    purchases_yuan: Decimal
    gmv_yuan: Decimal


@dataclass(frozen=True, slots=True)
class TradeCounterparty:
    """A firm that buys from the enterprise (``customer``) or sells to it (``supplier``)."""

    credit_code: str
    name: str
    role: TradeRole
    orders: int
    amount_yuan: Decimal
    since: date
    last_order_on: date


@dataclass(frozen=True, slots=True)
class ReceivablePosition:
    """Receivables where the enterprise is creditor or debtor; sums count only unsettled ones."""

    receivables: tuple[Receivable, ...]  # due date ascending
    outstanding_yuan: Decimal
    unconfirmed_yuan: Decimal
    confirmed_share: float | None  # of the outstanding amount


@dataclass(frozen=True, slots=True)
class TradeProfile:
    credit_code: str
    as_of_month: date | None
    months: tuple[TradeMonth, ...]
    orders: tuple[Order, ...]  # in the window, newest first, cancelled included
    gmv_yuan: Decimal
    counterparties: tuple[TradeCounterparty, ...]
    receivable_position: ReceivablePosition


def live(orders: Iterable[Order]) -> list[Order]:
    return [order for order in orders if order.status != "cancelled"]


def trade_counterparties(credit_code: str, orders: Iterable[Order]) -> list[TradeCounterparty]:
    """Counterparties over non-cancelled ``orders``, largest amount first (then code)."""
    grouped: dict[tuple[str, TradeRole], list[Order]] = defaultdict(list)
    names: dict[str, str] = {}
    for order in live(orders):
        role: TradeRole = "customer" if order.seller.credit_code == credit_code else "supplier"
        party = order.buyer if role == "customer" else order.seller
        grouped[party.credit_code, role].append(order)
        names[party.credit_code] = party.name
    parties = [
        TradeCounterparty(
            credit_code=code,
            name=names[code],
            role=role,
            orders=len(group),
            amount_yuan=total(order.amount_yuan for order in group),
            since=min(order.ordered_on for order in group),
            last_order_on=max(order.ordered_on for order in group),
        )
        for (code, role), group in grouped.items()
    ]
    return sorted(parties, key=lambda party: (-party.amount_yuan, party.credit_code))


def tenor_days(receivable: Receivable) -> int | None:
    """Days from the day a receivable arose to its due date; None when the day it arose is not known."""
    if receivable.issued_on is None:
        return None
    return (receivable.due_on - receivable.issued_on).days


def receivable_position(receivables: Iterable[Receivable]) -> ReceivablePosition:
    ordered = tuple(sorted(receivables, key=lambda item: (item.due_on, item.receivable_no)))
    outstanding = [item for item in ordered if not item.settled]
    outstanding_yuan = total(item.amount_yuan for item in outstanding)
    unconfirmed_yuan = total(item.amount_yuan for item in outstanding if not item.confirmed)
    return ReceivablePosition(
        receivables=ordered,
        outstanding_yuan=outstanding_yuan,
        unconfirmed_yuan=unconfirmed_yuan,
        confirmed_share=ratio(outstanding_yuan - unconfirmed_yuan, outstanding_yuan),
    )


def trade_profile(record: TradeRecord, months: int) -> TradeProfile:
    """The profile over the last ``months`` (1..24) months up to the end of the fetched history.

    Months after the last order count as months without orders: a firm that stopped trading shows it.
    """
    position = receivable_position(record.receivables)
    if record.history_end is not None:
        as_of = month_of(record.history_end)
    elif record.orders:
        as_of = month_of(max(order.ordered_on for order in record.orders))
    else:
        return TradeProfile(record.credit_code, None, (), (), Decimal(0), (), position)
    period = window(as_of, months)
    in_window = tuple(
        order
        for order in sorted(record.orders, key=lambda order: (order.ordered_on, order.order_no), reverse=True)
        if month_of(order.ordered_on) >= period[0]
    )
    by_month: dict[date, list[Order]] = defaultdict(list)
    for order in live(in_window):
        by_month[month_of(order.ordered_on)].append(order)
    series = []
    for month in period:
        orders = by_month[month]
        sales = total(order.amount_yuan for order in orders if order.seller.credit_code == record.credit_code)
        purchases = total(
            order.amount_yuan for order in orders if order.buyer.credit_code == record.credit_code
        )
        series.append(TradeMonth(month, len(orders), sales, purchases, sales + purchases))
    return TradeProfile(
        credit_code=record.credit_code,
        as_of_month=as_of,
        months=tuple(series),
        orders=in_window,
        gmv_yuan=total(month.gmv_yuan for month in series),
        counterparties=tuple(trade_counterparties(record.credit_code, in_window)),
        receivable_position=position,
    )
