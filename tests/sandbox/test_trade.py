"""Trade over real HTTP: signed query parameters, page-number paging to the end, the rate limit."""

from __future__ import annotations

import time
from typing import Any

import httpx

from sandbox.control import SandboxControl
from tests.sandbox.clients import trade_get, trade_params


def _walk(base: str, path: str, key: str, params: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = trade_get(base, path, {**params, "page": str(page), "page_size": "100"}).json()
        if not body[key]:
            assert page == body["total_pages"] + 1
            return items
        items.extend(body[key])
        page += 1


def test_signed_request(sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1)[0]
    response = trade_get(sandbox.urls["trade"], "/open/v1/orders", {"company": code})
    assert response.status_code == 200
    body = response.json()
    assert (body["page"], body["page_size"]) == (1, 50)


def test_signature_failures(sandbox: SandboxControl) -> None:
    base, code = sandbox.urls["trade"], sandbox.credit_codes(limit=1)[0]

    def error(response: httpx.Response) -> tuple[int, str]:
        return response.status_code, response.json()["error"]

    assert error(trade_get(base, "/open/v1/orders", {"company": code}, secret="wrong")) == (401, "bad_sign")
    assert error(trade_get(base, "/open/v1/orders", {"company": code}, ts=int(time.time()) - 400)) == (
        401,
        "expired",
    )
    assert error(trade_get(base, "/open/v1/orders", {"company": code}, app_key="x")) == (
        401,
        "unknown_app_key",
    )
    tampered = {**trade_params({"company": code}), "role": "buyer"}
    assert error(httpx.get(f"{base}/open/v1/orders", params=tampered)) == (401, "bad_sign")
    assert error(httpx.get(f"{base}/open/v1/orders", params={"company": code})) == (401, "missing_signature")


def test_orders_walked_to_the_end_by_role(sandbox: SandboxControl) -> None:
    base, code = sandbox.urls["trade"], sandbox.credit_codes(limit=1, core=True)[0]
    everything = _walk(base, "/open/v1/orders", "orders", {"company": code})
    bought = _walk(base, "/open/v1/orders", "orders", {"company": code, "role": "buyer"})
    sold = _walk(base, "/open/v1/orders", "orders", {"company": code, "role": "seller"})
    assert len(everything) > 100
    assert len(everything) == len(bought) + len(sold)
    assert all(order["buyer_code"] == code for order in bought)
    assert all(order["seller_code"] == code for order in sold)
    dates = [order["ordered_at"] for order in everything]
    assert dates == sorted(dates, reverse=True)
    assert len({order["order_no"] for order in everything}) == len(everything)


def test_receivables_belong_to_orders(sandbox: SandboxControl) -> None:
    base, code = sandbox.urls["trade"], sandbox.credit_codes(limit=1, core=True)[0]
    orders = {
        order["order_no"]: order for order in _walk(base, "/open/v1/orders", "orders", {"company": code})
    }
    receivables = _walk(base, "/open/v1/receivables", "receivables", {"company": code})
    assert receivables
    for receivable in receivables:
        order = orders[receivable["order_no"]]
        assert (receivable["creditor_code"], receivable["debtor_code"]) == (
            order["seller_code"],
            order["buyer_code"],
        )
        assert receivable["amount"] == order["amount"]
        assert (receivable["confirmed_at"] is None) == (not receivable["confirmed"])
    assert {receivable["confirmed"] for receivable in receivables} == {True, False}


def test_bad_parameters(sandbox: SandboxControl) -> None:
    base, code = sandbox.urls["trade"], sandbox.credit_codes(limit=1)[0]
    assert trade_get(base, "/open/v1/orders", {"company": code, "page_size": "101"}).json()["error"] == (
        "bad_page_size"
    )
    assert trade_get(base, "/open/v1/orders", {"company": code, "role": "boss"}).json()["error"] == "bad_role"
    assert trade_get(base, "/open/v1/receivables", {"company": "x"}).json()["error"] == "bad_credit_code"
    past = trade_get(base, "/open/v1/orders", {"company": code, "page": "999"}).json()
    assert past["orders"] == []


def test_rate_limit_answers_429_with_retry_after(clean_sandbox: SandboxControl) -> None:
    base, code = clean_sandbox.urls["trade"], clean_sandbox.credit_codes(limit=1)[0]
    assert clean_sandbox.set_faults("trade")["rate_limit_per_s"] == 50.0  # trade's own limit by default
    clean_sandbox.set_faults("trade", rate_limit_per_s=2)
    statuses = [trade_get(base, "/open/v1/orders", {"company": code}) for _ in range(5)]
    limited = [response for response in statuses if response.status_code == 429]
    assert limited
    assert limited[0].json()["error"] == "rate_limited"
    assert int(limited[0].headers["Retry-After"]) >= 1
