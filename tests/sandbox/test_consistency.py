"""Across providers: trade counterparties are logistics counterparties, orders have matching waybills."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from sandbox.control import SandboxControl
from tests.sandbox.clients import LOGISTICS_HEADERS, REGISTRY_HEADERS, trade_get


def _orders(sandbox: SandboxControl, code: str) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = []
    page = 1
    while batch := trade_get(
        sandbox.urls["trade"], "/open/v1/orders", {"company": code, "page": str(page), "page_size": "100"}
    ).json()["orders"]:
        orders.extend(batch)
        page += 1
    return orders


def _waybills(sandbox: SandboxControl, code: str) -> list[dict[str, Any]]:
    waybills: list[dict[str, Any]] = []
    params: dict[str, Any] = {"party": code, "limit": 200}
    while True:
        body = httpx.get(
            f"{sandbox.urls['logistics']}/v1/waybills", params=params, headers=LOGISTICS_HEADERS
        ).json()
        waybills.extend(body["data"])
        if body["next_cursor"] is None:
            return waybills
        params["cursor"] = body["next_cursor"]


def test_counterparties_agree_between_trade_and_logistics(sandbox: SandboxControl) -> None:
    for code in [*sandbox.credit_codes(limit=2, core=True), *sandbox.credit_codes(limit=5)]:
        orders, waybills = _orders(sandbox, code), _waybills(sandbox, code)
        shipped = [order for order in orders if order["status"] in ("shipped", "completed")]
        trade_pairs = {(order["seller_code"], order["buyer_code"]) for order in shipped}
        freight_pairs = {
            (bill["shipper"]["creditCode"], bill["consignee"]["creditCode"]) for bill in waybills
        }
        assert trade_pairs == freight_pairs


def test_every_shipped_order_has_waybills_a_few_days_later(sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1, core=True)[0]
    by_order: dict[str, list[dict[str, Any]]] = {}
    for waybill in _waybills(sandbox, code):
        by_order.setdefault("PO" + waybill["waybillNo"][2:-1], []).append(waybill)
    for order in _orders(sandbox, code):
        bills = by_order.get(order["order_no"], [])
        assert bool(bills) == (order["status"] in ("shipped", "completed")), order
        for bill in bills:
            assert bill["shipper"]["creditCode"] == order["seller_code"]
            assert bill["consignee"]["creditCode"] == order["buyer_code"]
            lag = date.fromisoformat(bill["shippedAt"][:10]) - date.fromisoformat(order["ordered_at"])
            assert 0 < lag.days <= 6


def test_names_agree_with_the_registry(sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1, core=True)[0]
    name = httpx.get(f"{sandbox.urls['registry']}/v1/enterprises/{code}", headers=REGISTRY_HEADERS).json()[
        "name"
    ]
    order = _orders(sandbox, code)[0]
    assert name in (order["buyer_name"], order["seller_name"])
