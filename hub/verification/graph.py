"""The directed trade graph (seller → buyer, the amount of their live orders in a window) and its cycles.

Built from firms' :class:`TradeEdges`: an edge is known from its seller's edges, its buyer's, or both (an
order is in both firms' records: counted once, by number). Cycles are searched with networkx's bounded
``simple_cycles`` (Johnson's algorithm with a length bound). A firm's own search first keeps the firms
that can be on a cycle through it at all (within the bound both from it and back to it), found by a
breadth-first walk over the edges: a core enterprise's hundreds of suppliers never enter the graph of a
supplier that only sells to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import networkx as nx

from hub.verification.edges import OrderLine, TradeEdges


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


class TradeView:
    """The edges the given firms' trade shows, by firm (seller → buyers, buyer → sellers)."""

    def __init__(self, edges: Iterable[TradeEdges]) -> None:
        self.by_firm: dict[str, TradeEdges] = {found.credit_code: found for found in edges}

    def successors(self, code: str) -> set[str]:
        own = self.by_firm.get(code)
        found = set(own.sales) if own is not None else set()
        return found | {other for other, edges in self.by_firm.items() if code in edges.purchases}

    def predecessors(self, code: str) -> set[str]:
        own = self.by_firm.get(code)
        found = set(own.purchases) if own is not None else set()
        return found | {other for other, edges in self.by_firm.items() if code in edges.sales}

    def orders(self, seller: str, buyer: str) -> list[OrderLine]:
        """The edge's orders as both sides report them, each once (the seller's word first)."""
        lines: list[OrderLine] = []
        seen: set[str] = set()
        sold = self.by_firm.get(seller)
        bought = self.by_firm.get(buyer)
        for reported in (
            sold.sales.get(buyer, ()) if sold is not None else (),
            bought.purchases.get(seller, ()) if bought is not None else (),
        ):
            for number, amount in reported:
                if number not in seen:
                    seen.add(number)
                    lines.append((number, amount))
        return lines

    def around(self, code: str, max_length: int) -> set[str]:
        """The firms that can share a cycle of at most ``max_length`` firms with ``code`` (it included):
        reachable from it in ``k`` steps and back to it in at most ``max_length - k``."""
        back = _distances(code, self.predecessors, max_length - 1)
        forward = _distances(code, lambda node: self.successors(node) & back.keys(), max_length - 1)
        return {node for node, steps in forward.items() if steps + back[node] <= max_length}

    def graph(self, nodes: set[str]) -> TradeGraph:
        """The edges among ``nodes``."""
        graph = TradeGraph()
        for seller in sorted(nodes):
            for buyer in sorted(self.successors(seller) & nodes):
                if buyer != seller:
                    graph.add(seller, buyer, self.orders(seller, buyer))
        return graph

    def cycles_through(self, code: str, max_length: int) -> list[Cycle]:
        """Every simple cycle of 2..``max_length`` firms that contains ``code``."""
        if code not in self.by_firm:
            return []
        return self.graph(self.around(code, max_length)).cycles_through(code, max_length)


def _distances(start: str, neighbours: Any, limit: int) -> dict[str, int]:
    """Steps from ``start`` to every node within ``limit`` of it (breadth first)."""
    found = {start: 0}
    frontier = [start]
    for step in range(1, limit + 1):
        reached = []
        for node in frontier:
            for other in neighbours(node):
                if other not in found:
                    found[other] = step
                    reached.append(other)
        frontier = reached
    return found


class TradeGraph:
    """Edges seller → buyer with their amounts and orders."""

    def __init__(self) -> None:
        self.graph: nx.DiGraph[Any] = nx.DiGraph()

    def add(self, seller: str, buyer: str, lines: list[OrderLine]) -> None:
        if lines:
            amount = sum((amount for _, amount in lines), Decimal(0))
            self.graph.add_edge(seller, buyer, amount=amount, orders=[number for number, _ in lines])

    def cycles_through(self, credit_code: str, max_length: int) -> list[Cycle]:
        """Every simple cycle of 2..``max_length`` firms that contains ``credit_code``."""
        if credit_code not in self.graph:
            return []
        found = [
            self._cycle(list(members))
            for members in nx.simple_cycles(self.graph, length_bound=max_length)
            if credit_code in members and len(members) >= 2
        ]
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
