"""A trade record as the cycle search needs it: its live orders of one 12-month window, by counterparty.

A core enterprise's trade record is over a megabyte of orders; a batch's cycle search reads the records of
every counterparty, of theirs, and of the firms they buy from, and the decoded records do not fit the read
path's memo. What the search needs of a counterparty is far less: who sold to whom in the window, with the
order numbers and amounts. :data:`EDGES` keeps that, by (credit code, content hash, window): like the
decoded-record memo it holds content, never who asked, so it is shared by every tenant. A counterparty
whose content is there (the read path's cache heads name the hash) is not decoded again.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from connectors.records import TradeRecord
from foundation.months import month_of, window
from hub.profiles.trade import live

OrderLine = tuple[str, Decimal]  # order number, amount (yuan)


@dataclass(frozen=True, slots=True)
class TradeEdges:
    """One firm's live orders of the 12 months ending at ``window_end``, by counterparty (self-trade left
    out). An order between two firms is in both firms' edges."""

    credit_code: str
    window_end: date  # the window's last month
    sales: Mapping[str, tuple[OrderLine, ...]]  # buyer → its orders
    purchases: Mapping[str, tuple[OrderLine, ...]]  # seller → its orders

    @property
    def size(self) -> int:
        """Its orders (what it costs the memo)."""
        return sum(map(len, self.sales.values())) + sum(map(len, self.purchases.values()))


def window_end(trade: TradeRecord, as_of: date) -> date:
    """The last month of a trade record's 12-month window: its history's end, else its last order's month
    (a record without either: ``as_of``'s)."""
    end = trade.history_end or max((order.ordered_on for order in trade.orders), default=as_of)
    return month_of(end)


def trade_edges(record: TradeRecord, end: date) -> TradeEdges:
    """``record``'s edges in the window ending at the month ``end``."""
    months = set(window(end, 12))
    sales: dict[str, list[OrderLine]] = defaultdict(list)
    purchases: dict[str, list[OrderLine]] = defaultdict(list)
    code = record.credit_code
    for order in live(record.orders):
        seller, buyer = order.seller.credit_code, order.buyer.credit_code
        if seller == buyer or month_of(order.ordered_on) not in months:
            continue
        line = (order.order_no, order.amount_yuan)
        if seller == code:
            sales[buyer].append(line)
        elif buyer == code:
            purchases[seller].append(line)
    return TradeEdges(
        code,
        month_of(end),
        {buyer: tuple(lines) for buyer, lines in sales.items()},
        {seller: tuple(lines) for seller, lines in purchases.items()},
    )


EdgesKey = tuple[str, str, date]  # credit code, content hash, window end
DEFAULT_MAX_ORDERS: Final = 300_000
"""The memo's bound in orders (about 200 bytes each with the strings and decimals they share with the
records: some 60 MiB when full); the sandbox's 2,000 firms have about a third of that in one window."""


class EdgesMemo:
    """LRU of :class:`TradeEdges` by content, at most ``max_orders`` orders in all."""

    def __init__(self, max_orders: int = DEFAULT_MAX_ORDERS) -> None:
        self._max = max_orders
        self._edges: OrderedDict[EdgesKey, TradeEdges] = OrderedDict()
        self._size = 0

    def get(self, key: EdgesKey) -> TradeEdges | None:
        found = self._edges.get(key)
        if found is not None:
            self._edges.move_to_end(key)
        return found

    def of(self, record: TradeRecord, content_hash: str | None, end: date) -> TradeEdges:
        """``record``'s edges (content hash None: not kept)."""
        if content_hash is None:
            return trade_edges(record, end)
        key = (record.credit_code, content_hash, month_of(end))
        found = self.get(key)
        if found is None:
            found = trade_edges(record, end)
            self.put(key, found)
        return found

    def put(self, key: EdgesKey, edges: TradeEdges) -> None:
        size = edges.size
        if size > self._max:
            return
        previous = self._edges.pop(key, None)
        if previous is not None:
            self._size -= previous.size
        self._edges[key] = edges
        self._size += size
        while self._size > self._max:
            _, evicted = self._edges.popitem(last=False)
            self._size -= evicted.size

    def __len__(self) -> int:
        return len(self._edges)


EDGES = EdgesMemo()
"""The process's memo (content only: shared by every tenant and request)."""
