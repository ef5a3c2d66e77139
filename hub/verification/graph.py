"""The directed trade graph (seller → buyer, the amount of their live orders in a window) and its cycles.

Orders appear in both parties' records: each is counted once, by number. Cycles are searched with
networkx's bounded ``simple_cycles`` (Johnson's algorithm with a length bound), on the subgraph the
records read describe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import networkx as nx

from connectors.records import Order, TradeRecord
from foundation.months import month_of
from hub.profiles.trade import live


@dataclass(frozen=True, slots=True)
class Cycle:
    members: tuple[str, ...]  # in trade order, starting at the smallest code
    amounts: tuple[Decimal, ...]  # members[i] → members[i + 1] (the last back to the first)
    orders: tuple[str, ...]

    @property
    def mean(self) -> Decimal:
        return sum(self.amounts, Decimal(0)) / len(self.amounts)

    def within(self, tolerance: float) -> bool:
        mean = self.mean
        return mean > 0 and all(
            abs(amount - mean) <= Decimal(str(tolerance)) * mean for amount in self.amounts
        )


class TradeGraph:
    """Edges seller → buyer from every order of the given records in ``months``."""

    def __init__(self, records: Iterable[TradeRecord], months: set[date]) -> None:
        self.graph: nx.DiGraph[Any] = nx.DiGraph()
        seen: set[str] = set()
        for record in records:
            for order in live(record.orders):
                if order.order_no in seen or month_of(order.ordered_on) not in months:
                    continue
                seen.add(order.order_no)
                self._add(order)

    def _add(self, order: Order) -> None:
        seller, buyer = order.seller.credit_code, order.buyer.credit_code
        if seller == buyer:
            return
        if self.graph.has_edge(seller, buyer):
            edge = self.graph[seller][buyer]
            edge["amount"] += order.amount_yuan
            edge["orders"].append(order.order_no)
        else:
            self.graph.add_edge(seller, buyer, amount=order.amount_yuan, orders=[order.order_no])

    def cycles_through(self, credit_code: str, max_length: int) -> list[Cycle]:
        """Every simple cycle of 2..``max_length`` firms that contains ``credit_code``."""
        if credit_code not in self.graph:
            return []
        # Only firms that can reach the firm and be reached from it can share a cycle with it.
        around = nx.descendants(self.graph, credit_code) & nx.ancestors(self.graph, credit_code)
        subgraph = self.graph.subgraph(around | {credit_code})
        found = []
        for members in nx.simple_cycles(subgraph, length_bound=max_length):
            if credit_code in members and len(members) >= 2:
                found.append(self._cycle(list(members)))
        return sorted(found, key=lambda cycle: cycle.members)

    def cycles(self, max_length: int) -> list[Cycle]:
        """Every simple cycle of 2..``max_length`` firms in the graph."""
        return sorted(
            (self._cycle(list(members)) for members in nx.simple_cycles(self.graph, length_bound=max_length)),
            key=lambda cycle: cycle.members,
        )

    def _cycle(self, members: list[str]) -> Cycle:
        start = members.index(min(members))
        ordered = members[start:] + members[:start]
        pairs = list(zip(ordered, ordered[1:] + ordered[:1], strict=True))
        edges = [self.graph[seller][buyer] for seller, buyer in pairs]
        return Cycle(
            tuple(ordered),
            tuple(edge["amount"] for edge in edges),
            tuple(order for edge in edges for order in sorted(edge["orders"])),
        )
