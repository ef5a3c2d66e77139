"""Logistics (freight platform): waybills of a party, newest first, with an opaque cursor."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import date

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.common import ProviderConfig, ProviderError, firm_of, int_parameter, provider_app
from sandbox.credentials import Credentials
from sandbox.flows import waybills_of
from sandbox.provider import SandboxProvider
from sandbox.providers.registry import api_key_of, check_api_key
from sandbox.universe import Universe

API_KEY = "sandbox-logistics-key"
MAX_LIMIT = 200


class CursorCodec:
    """Cursors carry the next offset, bound to the query and signed so they cannot be forged or reused."""

    def __init__(self, seed: int) -> None:
        self._key = hashlib.sha256(f"{seed}:logistics-cursor".encode()).digest()

    def _mac(self, query: str, offset: int) -> str:
        return hmac.new(self._key, f"{query}|{offset}".encode(), hashlib.sha256).hexdigest()[:16]

    def encode(self, query: str, offset: int) -> str:
        body = json.dumps({"o": offset, "m": self._mac(query, offset)}, separators=(",", ":"))
        return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")

    def decode(self, query: str, cursor: str) -> int:
        try:
            body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            offset, mac = int(body["o"]), str(body["m"])
        except (ValueError, KeyError, TypeError):
            raise ProviderError(400, "bad_cursor", "the cursor is malformed") from None
        if offset < 0 or not hmac.compare_digest(mac, self._mac(query, offset)):
            raise ProviderError(400, "bad_cursor", "the cursor does not belong to this query")
        return offset


def create_app(universe: Universe, config: ProviderConfig) -> Starlette:
    cursors = CursorCodec(universe.seed)

    async def waybills(request: Request) -> Response:
        check_api_key(request, config.credentials.key)
        firm = firm_of(universe, request.query_params.get("party"), "party")
        since_text = request.query_params.get("since")
        try:
            since = date.fromisoformat(since_text).isoformat() if since_text else ""
        except ValueError:
            raise ProviderError(400, "bad_since", "since must be a date YYYY-MM-DD") from None
        limit = int_parameter(request, "limit", 100, 1, MAX_LIMIT)
        query = f"{firm.credit_code}|{since}"
        cursor = request.query_params.get("cursor")
        offset = cursors.decode(query, cursor) if cursor else 0
        matching = [
            item for item in waybills_of(universe, firm.credit_code) if str(item["shippedAt"]) >= since
        ]
        page = matching[offset : offset + limit]
        following = offset + limit
        next_cursor = cursors.encode(query, following) if following < len(matching) else None
        return JSONResponse({"data": page, "next_cursor": next_cursor})

    routes = [Route("/v1/waybills", waybills)]
    return provider_app(universe, config, routes, credential_of=api_key_of)


provider = SandboxProvider(
    name="logistics",
    port_offset=2,
    create_app=create_app,
    credentials=Credentials(API_KEY),
    description="freight platform: waybills of a party; API key header, opaque cursor",
)
