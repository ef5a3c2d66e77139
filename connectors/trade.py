"""Trade (B2B platform): orders and receivables between buyers and sellers. Signed query parameters;
page-number paging; every order (as buyer or seller) and receivable (as creditor or debtor).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, ClassVar

from connectors.base import Connector, Endpoint
from connectors.paging import PageNumberPaginator
from connectors.payload import PayloadReader, build, readers
from connectors.records import Order, Receivable, TradeRecord
from connectors.source import SandboxDefaults, Source
from connectors.together import all_or_cancel
from connectors.upstream import Upstream

SOURCE = "trade"
STATUSES = frozenset({"completed", "shipped", "open", "cancelled"})
PAGES = PageNumberPaginator(
    page_param="page", size_param="page_size", total_pages_path="total_pages", page_path="page"
)
"""The platform's page-number paging, the same on every listing."""


def _order(item: PayloadReader) -> Order:
    currency = item.text("currency")
    if currency != "CNY":
        raise item.fail("currency", f"expected CNY, got {currency!r}")
    return build(
        SOURCE,
        item.path,
        Order,
        order_no=item.text("order_no"),
        # Parties as fields, built by the order's validation (cheaper than a model call each).
        buyer={"credit_code": item.text("buyer_code"), "name": item.text("buyer_name")},
        seller={"credit_code": item.text("seller_code"), "name": item.text("seller_name")},
        amount_yuan=item.decimal("amount"),
        ordered_on=item.day("ordered_at"),
        status=item.choice("status", STATUSES),
    )


def _receivable(item: PayloadReader) -> Receivable:
    return build(
        SOURCE,
        item.path,
        Receivable,
        receivable_no=item.text("receivable_no"),
        order_no=item.text("order_no"),
        creditor_code=item.text("creditor_code"),
        debtor_code=item.text("debtor_code"),
        amount_yuan=item.decimal("amount"),
        issued_on=item.day("issued_date"),
        due_on=item.day("due_date"),
        confirmed=item.boolean("confirmed"),
        confirmed_on=item.optional_day("confirmed_at"),
        settled=item.boolean("settled"),
    )


def map_trade(
    credit_code: str, orders: Sequence[Any], receivables: Sequence[Any], history_end: date | None = None
) -> TradeRecord:
    """Order and receivable items of every page → :class:`TradeRecord` (orders newest first)."""
    mapped_orders = [_order(item) for item in readers(SOURCE, list(orders), "orders")]
    mapped_orders.sort(key=lambda order: (order.ordered_on, order.order_no), reverse=True)
    mapped_receivables = [_receivable(item) for item in readers(SOURCE, list(receivables), "receivables")]
    return TradeRecord(
        credit_code=credit_code,
        orders=tuple(mapped_orders),
        receivables=tuple(mapped_receivables),
        history_end=history_end,
    )


class TradeConnector(Connector[TradeRecord]):
    name = "trade"
    auth_style = "signed_query"
    endpoints: ClassVar[Mapping[str, Endpoint]] = {
        "orders": Endpoint(
            "/open/v1/orders",
            params={"company": "{credit_code}", "role": "any"},
            paginator=PAGES,
            page_size=100,
            record_path="orders",
        ),
        "receivables": Endpoint(
            "/open/v1/receivables",
            params={"company": "{credit_code}"},
            paginator=PAGES,
            page_size=100,
            record_path="receivables",
        ),
    }
    record_type = TradeRecord

    async def fetch(self, upstream: Upstream, credit_code: str) -> TradeRecord:
        # Two independent listings: fetched side by side so the source costs one round of paging, not two.
        orders, receivables = await all_or_cancel(
            upstream.records(self.endpoints["orders"], credit_code=credit_code),
            upstream.records(self.endpoints["receivables"], credit_code=credit_code),
        )
        return map_trade(credit_code, orders, receivables, upstream.config.history_end())


source = Source(
    connector=TradeConnector(),
    description="B2B platform: orders and receivables with core-enterprise buyers, confirmation status",
    consent="trade",
    sandbox=SandboxDefaults(
        port_offset=4, credentials={"app_key": "hub-sandbox", "app_secret": "sandbox-trade-secret"}
    ),
    schema="schema.trade.field",
)
connector = source.connector
