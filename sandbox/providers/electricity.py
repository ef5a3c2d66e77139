"""Electricity (grid company): OAuth 2 client credentials, then accounts and paged monthly bills."""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
import time
from urllib.parse import parse_qsl, unquote_plus

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.common import ProviderConfig, ProviderError, firm_of, int_parameter, provider_app
from sandbox.credentials import Credentials
from sandbox.electricity_data import accounts, consumption, owner_of
from sandbox.provider import SandboxProvider
from sandbox.universe import Universe

CLIENT_ID = "hub-sandbox"
CLIENT_SECRET = "sandbox-electricity-secret"  # noqa: S105 - a published sandbox default
MAX_PAGE_SIZE = 50
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_NO_STORE = {"Cache-Control": "no-store"}


def _client_of(request: Request, form: dict[str, str]) -> tuple[str, str] | None:
    """(client_id, secret) by HTTP Basic (client_secret_basic) or form fields (client_secret_post)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, _, secret = decoded.partition(":")
        # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding
        return unquote_plus(client_id), unquote_plus(secret)
    if "client_id" in form:
        return form["client_id"], form.get("client_secret", "")
    return None


class TokenStore:
    """Issued bearer tokens and when they expire (real clock: expiry is an auth check)."""

    def __init__(self, ttl_s: int) -> None:
        self.ttl_s = ttl_s
        self._expiry: dict[str, float] = {}

    def issue(self) -> str:
        now = time.time()
        self._expiry = {token: expiry for token, expiry in self._expiry.items() if expiry > now}
        token = secrets.token_urlsafe(32)
        self._expiry[token] = now + self.ttl_s
        return token

    def check(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise ProviderError(
                401, "invalid_token", "a bearer token is required", {"WWW-Authenticate": "Bearer"}
            )
        expiry = self._expiry.get(header[7:].strip())
        if expiry is None or expiry <= time.time():
            raise ProviderError(
                401,
                "invalid_token",
                "the token is unknown or expired",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )


def _month_parameter(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    if value is not None and not _MONTH.match(value):
        raise ProviderError(400, "bad_month", f"{name} must be a month YYYY-MM")
    return value


def create_app(universe: Universe, config: ProviderConfig) -> Starlette:
    tokens = TokenStore(config.token_ttl_s)
    expected = config.credentials

    async def token(request: Request) -> Response:
        # a urlencoded body is all OAuth needs: parsed here rather than pulling in python-multipart
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        client = _client_of(request, form)
        if client is None or not (
            hmac.compare_digest(client[0].encode(), expected.key.encode())
            and hmac.compare_digest(client[1].encode(), expected.secret.encode())
        ):
            raise ProviderError(
                401, "invalid_client", "client authentication failed", {"WWW-Authenticate": "Basic"}
            )
        if form.get("grant_type") != "client_credentials":
            raise ProviderError(400, "unsupported_grant_type", "only client_credentials is supported")
        body = {"access_token": tokens.issue(), "token_type": "Bearer", "expires_in": tokens.ttl_s}
        return JSONResponse(body, headers=_NO_STORE)

    async def account_list(request: Request) -> Response:
        tokens.check(request)
        firm = firm_of(universe, request.query_params.get("creditCode"))
        return JSONResponse({"accounts": list(accounts(universe, firm.credit_code))})

    async def account_consumption(request: Request) -> Response:
        tokens.check(request)
        owner = owner_of(universe, request.path_params["accountNo"])
        if owner is None:
            raise ProviderError(404, "not_found", "no such account")
        first, last = _month_parameter(request, "from"), _month_parameter(request, "to")
        if first and last and first > last:
            raise ProviderError(400, "bad_month", "from must not be after to")
        page = int_parameter(request, "page", 1, 1)
        page_size = int_parameter(request, "pageSize", 12, 1, MAX_PAGE_SIZE, code="bad_page_size")
        items = [
            item
            for item in consumption(universe, *owner)
            if (first is None or str(item["month"]) >= first) and (last is None or str(item["month"]) <= last)
        ]
        start = (page - 1) * page_size
        body = {
            "page": page,
            "pageSize": page_size,
            "total": len(items),
            "items": items[start : start + page_size],
        }
        return JSONResponse(body)

    routes = [
        Route("/oauth/token", token, methods=["POST"]),
        Route("/api/v2/accounts", account_list),
        Route("/api/v2/accounts/{accountNo}/consumption", account_consumption),
    ]
    return provider_app(
        universe,
        config,
        routes,
        credential_of=lambda request: request.headers.get("authorization", "anonymous"),
    )


provider = SandboxProvider(
    name="electricity",
    port_offset=1,
    create_app=create_app,
    credentials=Credentials(CLIENT_ID, CLIENT_SECRET),
    description="grid company: accounts and monthly bills; OAuth 2 client credentials, page/pageSize",
)
