"""Everything the providers serve about every firm of a universe, fetched over HTTP as a client would (for
the tests of the planted cases: tests/sandbox/test_anomalies.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import httpx
from defusedxml import ElementTree

from tests.sandbox.clients import (
    LOGISTICS_HEADERS,
    REGISTRY_HEADERS,
    electricity_token,
    tax_headers,
    trade_params,
)
from tests.sandbox.verification_checks import FirmData

Json = dict[str, Any]


class ServedFirms:
    """Fetches one firm's data from providers at ``urls`` with one keep-alive client (trade's rate limit
    must be lifted: ``POST /_sandbox/faults {"rate_limit_per_s": 0}``)."""

    def __init__(self, urls: Mapping[str, str]) -> None:
        self.urls = urls
        self.client = httpx.Client(timeout=60)
        self.bearer = {"Authorization": f"Bearer {electricity_token(urls['electricity'])}"}

    def close(self) -> None:
        self.client.close()

    def _json(self, url: str, **options: Any) -> Any:
        return self.client.get(url, **options).raise_for_status().json()

    def _trade(self, path: str, key: str, code: str) -> list[Json]:
        items: list[Json] = []
        page = 1
        while True:
            params = trade_params({"company": code, "page": str(page), "page_size": "100"})
            body = self._json(f"{self.urls['trade']}{path}", params=params)
            items += body[key]
            if page >= body["total_pages"]:
                return items
            page += 1

    def _waybills(self, code: str) -> list[Json]:
        waybills: list[Json] = []
        params: Json = {"party": code, "limit": 200}
        while True:
            body = self._json(
                f"{self.urls['logistics']}/v1/waybills", params=params, headers=LOGISTICS_HEADERS
            )
            waybills += body["data"]
            if body["next_cursor"] is None:
                return waybills
            params["cursor"] = body["next_cursor"]

    def _invoiced(self, code: str) -> dict[str, Decimal]:
        path = f"/api/tax/v1/taxpayers/{code}/profile"
        response = self.client.get(
            self.urls["tax"] + path, params={"years": "1"}, headers=tax_headers(path, {"years": "1"})
        )
        profile = ElementTree.fromstring(response.raise_for_status().content)
        return {
            str(month.get("value")): Decimal(str(month.findtext("InvoicedSales")))
            for month in profile.iterfind("MonthlyInvoices/Month")
        }

    def _kwh(self, code: str) -> dict[str, Decimal]:
        base = self.urls["electricity"]
        accounts = self._json(f"{base}/api/v2/accounts", params={"creditCode": code}, headers=self.bearer)
        kwh: dict[str, Decimal] = defaultdict(Decimal)
        for account in accounts["accounts"]:
            url = f"{base}/api/v2/accounts/{account['accountNo']}/consumption"
            for bill in self._json(url, params={"pageSize": "50"}, headers=self.bearer)["items"]:
                kwh[bill["month"]] += Decimal(bill["kwh"])
        return dict(kwh)

    def firm(self, code: str) -> FirmData:
        registration = self._json(f"{self.urls['registry']}/v1/enterprises/{code}", headers=REGISTRY_HEADERS)
        orders = self._trade("/open/v1/orders", "orders", code)
        # waybills ship orders and receivables arise from sales (PROTOCOL.md): none without them
        waybills = self._waybills(code) if orders else []
        sells = any(order["seller_code"] == code for order in orders)
        receivables = self._trade("/open/v1/receivables", "receivables", code) if sells else []
        return FirmData(
            code, registration, self._invoiced(code), self._kwh(code), orders, waybills, receivables
        )


def served_firms(urls: Mapping[str, str], codes: Iterable[str]) -> dict[str, FirmData]:
    """Every firm of ``codes``, as the providers at ``urls`` serve it."""
    fetcher = ServedFirms(urls)
    try:
        return {code: fetcher.firm(code) for code in codes}
    finally:
        fetcher.close()
