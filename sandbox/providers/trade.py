"""Trade (B2B platform): signed query parameters, page-number paging, a per-app-key rate limit."""

from __future__ import annotations

import hmac
import time
from dataclasses import replace
from typing import cast

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.common import ProviderConfig, ProviderError, firm_of, int_parameter, provider_app
from sandbox.credentials import Credentials
from sandbox.flows import Role, orders_of, receivables_of
from sandbox.lifecycle import lineage_by_number, lineage_of
from sandbox.provider import SandboxProvider
from sandbox.registry_data import Payload
from sandbox.signing import trade_sign
from sandbox.universe import Universe

APP_KEY = "hub-sandbox"
APP_SECRET = "sandbox-trade-secret"  # noqa: S105 - a published sandbox default
MAX_PAGE_SIZE = 100
DEFAULT_RATE_LIMIT_PER_S = 50.0


class SignedQuery:
    """Verifies ``app_key``, ``ts`` (±window, real clock) and ``sign`` of a request's query."""

    def __init__(self, app_key: str, secret: str, window_s: int) -> None:
        self.app_key, self.secret, self.window_s = app_key, secret, window_s

    def __call__(self, request: Request) -> None:
        query = request.query_params
        app_key, ts, sign = query.get("app_key"), query.get("ts"), query.get("sign")
        if not (app_key and ts and sign):
            raise ProviderError(401, "missing_signature", "app_key, ts and sign are required")
        if not hmac.compare_digest(app_key.encode(), self.app_key.encode()):
            raise ProviderError(401, "unknown_app_key", "the app key is not known")
        if not ts.isdigit() or abs(time.time() - int(ts)) > self.window_s:
            raise ProviderError(401, "expired", f"ts is more than {self.window_s} s off")
        expected = trade_sign(self.secret, query.multi_items())
        if not hmac.compare_digest(sign.lower().encode(), expected.encode()):
            raise ProviderError(401, "bad_sign", "the signature does not match")


def _page(request: Request, items: tuple[Payload, ...], key: str) -> Response:
    page = int_parameter(request, "page", 1, 1)
    page_size = int_parameter(request, "page_size", 50, 1, MAX_PAGE_SIZE)
    total_pages = (len(items) + page_size - 1) // page_size
    start = (page - 1) * page_size
    body = {
        "page": page,
        "page_size": page_size,
        "total_pages": total_pages,
        key: items[start : start + page_size],
    }
    return JSONResponse(body)


def create_app(universe: Universe, config: ProviderConfig) -> Starlette:
    if not config.faults.rate_limit_per_s:  # trade always has a rate limit unless set at run time
        config = replace(config, faults=replace(config.faults, rate_limit_per_s=DEFAULT_RATE_LIMIT_PER_S))
    check = SignedQuery(config.credentials.key, config.credentials.secret, config.signature_window_s)

    async def orders(request: Request) -> Response:
        check(request)
        firm = firm_of(universe, request.query_params.get("company"), "company")
        role = request.query_params.get("role", "any")
        if role not in ("buyer", "seller", "any"):
            raise ProviderError(400, "bad_role", "role must be buyer, seller or any")
        return _page(request, orders_of(universe, firm.credit_code, cast(Role, role)), "orders")

    async def receivables(request: Request) -> Response:
        check(request)
        firm = firm_of(universe, request.query_params.get("company"), "company")
        return _page(request, receivables_of(universe, firm.credit_code), "receivables")

    async def lineage(request: Request) -> Response:
        check(request)
        firm = firm_of(universe, request.query_params.get("company"), "company")
        return _page(request, lineage_of(universe, firm.credit_code), "receivables")

    async def receivable(request: Request) -> Response:
        check(request)
        number = str(request.path_params["receivable_no"])
        found = lineage_by_number(universe, number)
        if found is None:
            raise ProviderError(404, "not_found", f"no receivable {number}")
        return JSONResponse(found)

    routes = [
        Route("/open/v1/orders", orders),
        Route("/open/v1/receivables", receivables),
        Route("/open/v1/receivables/lineage", lineage),  # before the number's route, which would take it
        Route("/open/v1/receivables/{receivable_no}", receivable),
    ]
    return provider_app(
        universe,
        config,
        routes,
        credential_of=lambda request: request.query_params.get("app_key", "anonymous"),
    )


provider = SandboxProvider(
    name="trade",
    port_offset=4,
    create_app=create_app,
    credentials=Credentials(APP_KEY, APP_SECRET),
    description="B2B platform: orders, receivables and their lifecycle; signed query parameters, page "
    "numbers, rate limit",
)
