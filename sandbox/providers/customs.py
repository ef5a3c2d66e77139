"""Customs (single-window gateway): OAuth 2 client credentials with a ``private_key_jwt`` assertion, then an
exporter's declarations and monthly FX receipts with offset/limit paging."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.client_assertion import JWT_BEARER, AssertionRejected, ClientAssertionCheck, public_key
from sandbox.common import (
    MAX_ENTERPRISE_LIMIT,
    ProviderConfig,
    ProviderError,
    firm_of,
    int_parameter,
    provider_app,
)
from sandbox.credentials import Credentials
from sandbox.customs_data import CustomsHistory, Declaration, FxReceipt, customs_history, exporter_codes
from sandbox.provider import SandboxProvider
from sandbox.providers.electricity import TokenStore
from sandbox.universe import Universe

CLIENT_ID = "hub-sandbox"
# The sandbox client's PUBLIC key: its private half is in the hub's sandbox defaults and the sandbox tests.
CLIENT_PUBLIC_JWK = {
    "kty": "EC",
    "crv": "P-256",
    "x": "KNhroH3jbIezFCrTXgfm-0AlUjMJajsDZNjwsv8_aCs",
    "y": "uetfDZ-Wz3nt93dYYDzMWT3nTmHuXtbcgvEtkxXZ-vc",
    "kid": "-OjEb5Rhqq9U9wLZJaPS-czCsd10_q4aOwhBF8x7dYc",
    "alg": "ES256",
    "use": "sig",
}
TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a path, not a secret
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_NO_STORE = {"Cache-Control": "no-store"}


class _TokenRequestError(Exception):
    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def _token_form(body: bytes) -> dict[str, str]:
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise _TokenRequestError(400, "invalid_request", f"repeated parameter(s) {', '.join(repeated)}")
    return dict(pairs)


def _authenticate(check: ClientAssertionCheck, request: Request, form: dict[str, str]) -> str:
    """The client id of a token request, in the order of PROTOCOL.md; raises :class:`_TokenRequestError`."""
    if "authorization" in request.headers or "client_secret" in form:
        raise _TokenRequestError(400, "invalid_request", "authenticate with the client assertion only")
    grant_type = form.get("grant_type")
    if not grant_type:
        raise _TokenRequestError(400, "invalid_request", "grant_type is required")
    if grant_type != "client_credentials":
        raise _TokenRequestError(400, "unsupported_grant_type", "only client_credentials is supported")
    assertion_type, assertion = form.get("client_assertion_type"), form.get("client_assertion")
    if not assertion_type or not assertion:
        raise _TokenRequestError(
            400, "invalid_request", "client_assertion_type and client_assertion are required"
        )
    if assertion_type != JWT_BEARER:
        raise _TokenRequestError(401, "invalid_client", f"client_assertion_type must be {JWT_BEARER}")
    # the token endpoint as the client addressed it: the scheme, the Host header it sent, this path
    try:
        return check(assertion, str(request.url), form.get("client_id"))
    except AssertionRejected as rejected:
        raise _TokenRequestError(401, "invalid_client", str(rejected)) from None


def _months(request: Request) -> tuple[str, str]:
    first, last = request.query_params.get("from", "0000-01"), request.query_params.get("to", "9999-12")
    if not (_MONTH.match(first) and _MONTH.match(last)) or first > last:
        raise ProviderError(400, "bad_month", "from and to must be months YYYY-MM, from not after to")
    return first, last


def _page(request: Request, items: Sequence[dict[str, object]]) -> Response:
    offset = int_parameter(request, "offset", 0, 0)
    limit = min(MAX_LIMIT, int_parameter(request, "limit", DEFAULT_LIMIT, 1))
    body = {"total": len(items), "offset": offset, "limit": limit, "items": items[offset : offset + limit]}
    return JSONResponse(body)


def _declaration(item: Declaration) -> dict[str, object]:
    return {
        "declarationNo": item.number,
        "declaredOn": item.declared_on.isoformat(),
        "tradeMode": {"code": item.trade_mode.code, "name": item.trade_mode.name},
        "hsCode": item.goods.hs_code,
        "goodsName": item.goods.name,
        "destinationCountry": item.destination,
        "portOfExit": item.port.name,
        "fobUsd": str(item.fob_usd),
        "exchangeRate": str(item.exchange_rate),
        "fobCny": str(item.fob_cny),
        "quantity": str(item.quantity),
        "unit": item.goods.unit,
    }


def _receipt(item: FxReceipt) -> dict[str, object]:
    return {
        "month": f"{item.month:%Y-%m}",
        "receivedUsd": str(item.received_usd),
        "exchangeRate": str(item.exchange_rate),
        "receivedCny": str(item.received_cny),
    }


def create_app(universe: Universe, config: ProviderConfig) -> Starlette:
    try:
        key = public_key(config.credentials.secret)
    except ValueError as error:
        raise ValueError(f"customs: the client's public key (credentials secret): {error}") from None
    check = ClientAssertionCheck({config.credentials.key: key})
    tokens = TokenStore(config.token_ttl_s)

    async def token(request: Request) -> Response:
        try:
            _authenticate(check, request, _token_form(await request.body()))
        except _TokenRequestError as error:
            refusal = {"error": error.code, "error_description": error.description}
            return JSONResponse(refusal, status_code=error.status, headers=_NO_STORE)
        body = {"access_token": tokens.issue(), "token_type": "Bearer", "expires_in": tokens.ttl_s}
        return JSONResponse(body, headers=_NO_STORE)

    def history(request: Request) -> CustomsHistory:
        tokens.check(request)
        firm = firm_of(universe, request.path_params["creditCode"])
        found = customs_history(universe, firm.credit_code)
        if found is None:
            raise ProviderError(404, "not_found", f"{firm.credit_code} is not a registered exporter")
        return found

    async def declarations(request: Request) -> Response:
        found = history(request)
        first, last = _months(request)
        chosen = [item for item in found.declarations if first <= f"{item.declared_on:%Y-%m}" <= last]
        return _page(request, [_declaration(item) for item in chosen])

    async def fx_receipts(request: Request) -> Response:
        found = history(request)
        first, last = _months(request)
        return _page(
            request, [_receipt(item) for item in found.receipts if first <= f"{item.month:%Y-%m}" <= last]
        )

    async def exporters(request: Request) -> Response:
        limit = int_parameter(request, "limit", 100, 0, MAX_ENTERPRISE_LIMIT)
        offset = int_parameter(request, "offset", 0, 0)
        codes = exporter_codes(universe)
        if request.query_params.get("core", "false").lower() in ("true", "1", "yes"):
            codes = tuple(code for code in codes if universe.by_code[code].is_core)
        return JSONResponse({"total": len(codes), "creditCodes": list(codes[offset : offset + limit])})

    routes = [
        Route(TOKEN_PATH, token, methods=["POST"]),
        Route("/api/v1/exporters/{creditCode}/declarations", declarations),
        Route("/api/v1/exporters/{creditCode}/fx-receipts", fx_receipts),
        # ahead of the common /_sandbox routes, so the listing is of exporters (faults never apply to it)
        Route("/_sandbox/enterprises", exporters),
    ]
    return provider_app(
        universe,
        config,
        routes,
        credential_of=lambda request: request.headers.get("authorization", "anonymous"),
    )


def _credentials_text(credentials: Credentials) -> str:
    try:
        kid = public_key(credentials.secret).kid
    except ValueError:
        kid = "(not a valid EC P-256 JWK)"
    return f"client {credentials.key}  private_key_jwt, public key kid {kid}"


provider = SandboxProvider(
    name="customs",
    port_offset=5,
    create_app=create_app,
    credentials=Credentials(CLIENT_ID, json.dumps(CLIENT_PUBLIC_JWK)),
    description="single-window customs: export declarations, FX receipts; private_key_jwt, offset paging",
    credentials_text=_credentials_text,
)
