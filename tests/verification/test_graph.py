"""The cycle search over trade edges: the pruned search of one firm finds exactly the cycles a search of the
whole graph in view finds through it; orders seen from both sides count once; the edges memo's bound."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.records import Order
from hub.verification.edges import EdgesMemo, TradeEdges, trade_edges
from hub.verification.graph import TradeView
from tests.verification.records import END, order, trade

FIRMS = [f"9133010{index}MA27XL0K3Y" for index in range(7)]
WINDOW_END = date(2026, 10, 1)


def _orders(pairs: list[tuple[int, int, int]]) -> list[Order]:
    return [
        order(f"PO{number:04d}", FIRMS[seller], FIRMS[buyer], date(2026, 3, 1), str(amount))
        for number, (seller, buyer, amount) in enumerate(pairs)
        if seller != buyer
    ]


def _visible_graph(orders: list[Order], visible: set[str]) -> nx.DiGraph[Any]:
    """Every edge some visible firm's record shows, by brute force."""
    graph: nx.DiGraph[Any] = nx.DiGraph()
    for found in orders:
        seller, buyer = found.seller.credit_code, found.buyer.credit_code
        if seller in visible or buyer in visible:
            if graph.has_edge(seller, buyer):
                graph[seller][buyer]["amount"] += found.amount_yuan
            else:
                graph.add_edge(seller, buyer, amount=found.amount_yuan)
    return graph


def _edges(orders: list[Order], code: str) -> TradeEdges:
    mine = [found for found in orders if code in (found.seller.credit_code, found.buyer.credit_code)]
    return trade_edges(trade(code, mine), WINDOW_END)


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(1, 9)), min_size=1, max_size=25
    ),
    visible=st.sets(st.integers(0, 6), min_size=1),
    length=st.integers(2, 5),
)
def test_the_pruned_search_finds_what_the_whole_graph_shows(
    pairs: list[tuple[int, int, int]], visible: set[int], length: int
) -> None:
    orders = _orders(pairs)
    firm = FIRMS[min(visible)]
    shown = {FIRMS[index] for index in visible}
    view = TradeView(_edges(orders, code) for code in sorted(shown))
    found = {(cycle.members, cycle.amounts) for cycle in view.cycles_through(firm, length)}
    graph = _visible_graph(orders, shown)
    expected = set()
    for members in nx.simple_cycles(graph, length_bound=length) if firm in graph else []:
        if firm in members:
            start = members.index(min(members))
            ordered = members[start:] + members[:start]
            amounts = tuple(
                graph[a][b]["amount"] for a, b in zip(ordered, ordered[1:] + ordered[:1], strict=True)
            )
            expected.add((tuple(ordered), amounts))
    assert found == expected


def test_an_order_in_both_firms_records_counts_once() -> None:
    orders = _orders([(0, 1, 5), (1, 0, 5)])
    view = TradeView([_edges(orders, FIRMS[0]), _edges(orders, FIRMS[1])])
    [cycle] = view.cycles_through(FIRMS[0], 5)
    assert cycle.amounts == (Decimal(5), Decimal(5))
    assert cycle.orders == ("PO0000", "PO0001")


def test_orders_outside_the_window_and_cancelled_ones_are_no_edges() -> None:
    kept = order("PO1", FIRMS[0], FIRMS[1], date(2026, 10, 3), "10")
    old = order("PO2", FIRMS[0], FIRMS[1], date(2025, 10, 30), "10")
    cancelled = order("PO3", FIRMS[1], FIRMS[0], date(2026, 5, 3), "10", status="cancelled")
    edges = trade_edges(trade(FIRMS[0], [kept, old, cancelled]), END)
    assert edges.sales == {FIRMS[1]: (("PO1", Decimal(10)),)}
    assert edges.purchases == {}
    assert edges.window_end == WINDOW_END


def test_a_supplier_of_a_large_buyer_leaves_the_buyers_other_suppliers_out() -> None:
    # FIRMS[0] sells to FIRMS[1], which buys from all the others and sells to nobody: no cycle, and none
    # of the others can be on one through FIRMS[0].
    orders = _orders([(0, 1, 5), *((index, 1, 5) for index in range(2, 7)), (2, 0, 3)])
    view = TradeView(_edges(orders, code) for code in FIRMS)
    assert view.around(FIRMS[0], 5) == {FIRMS[0]}
    assert view.cycles_through(FIRMS[0], 5) == []


def test_the_memo_keeps_content_by_hash_within_its_bound() -> None:
    memo = EdgesMemo(max_orders=3)
    first = trade(FIRMS[0], _orders([(0, 1, 5), (0, 2, 5)]))
    second = trade(FIRMS[1], _orders([(1, 2, 5), (1, 3, 5)]))
    kept = memo.of(first, "h1", END)
    assert memo.of(first, "h1", END) is kept  # the same content: not reduced again
    assert memo.get((FIRMS[0], "h1", WINDOW_END)) is kept
    memo.of(second, "h2", END)  # 2 + 2 orders > 3: the older goes
    assert memo.get((FIRMS[0], "h1", WINDOW_END)) is None
    assert memo.get((FIRMS[1], "h2", WINDOW_END)) is not None
    large = trade(FIRMS[2], _orders([(2, 3, 1), (2, 4, 1), (2, 5, 1), (2, 6, 1)]))
    memo.of(large, "h3", END)  # larger than the whole bound: never kept
    assert memo.get((FIRMS[2], "h3", WINDOW_END)) is None
    assert len(memo) == 1
    memo.of(first, None, END)  # no content hash: nothing to key it by
    assert len(memo) == 1
