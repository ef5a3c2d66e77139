"""Auth styles: signatures agree with the providers' reading of the protocol; OAuth tokens are cached and
renewed.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.auth_styles import ApiKeyHeader, HmacSignedHeaders, SignedQuery
from connectors.source import SourceName
from sandbox.control import SandboxControl
from sandbox.signing import tax_signature, trade_sign
from tests.connectors.conftest import CODE, ClientFactory

QUERY = {"years": "3", "name": "杭州 A&B/有限", "z": "~x y"}


def signed(auth: httpx.Auth, url: str, params: dict[str, str]) -> httpx.Request:
    request = httpx.Request("GET", url, params=params)
    flow = auth.sync_auth_flow(request)
    return next(flow)


def test_api_key_header() -> None:
    request = signed(ApiKeyHeader("X-Api-Key", "k-1"), "http://provider/v1/waybills", {})
    assert request.headers["X-Api-Key"] == "k-1"


def test_hmac_headers_match_the_protocol() -> None:
    request = signed(HmacSignedHeaders("app", "s3cret"), "http://provider/api/tax/v1/profile", QUERY)
    headers = request.headers
    assert headers["X-App-Key"] == "app"
    assert 8 <= len(headers["X-Nonce"]) <= 64
    expected = tax_signature(
        "s3cret",
        "GET",
        "/api/tax/v1/profile",
        request.url.params.multi_items(),
        headers["X-Timestamp"],
        headers["X-Nonce"],
    )
    assert headers["X-Signature"] == expected


def test_hmac_nonce_is_fresh_per_send() -> None:
    auth = HmacSignedHeaders("app", "s3cret")
    first = signed(auth, "http://provider/p", QUERY).headers["X-Nonce"]
    assert signed(auth, "http://provider/p", QUERY).headers["X-Nonce"] != first


def test_signed_query_matches_the_protocol() -> None:
    request = signed(SignedQuery("app", "s3cret"), "http://provider/open/v1/orders", QUERY)
    params = request.url.params
    assert params["app_key"] == "app" and params["ts"].isdigit()
    assert params["sign"] == trade_sign("s3cret", params.multi_items())
    assert {key: params[key] for key in QUERY} == QUERY


@pytest.fixture
def source() -> SourceName:
    return "electricity"


def token_requests(sandbox: SandboxControl) -> Any:
    return sandbox.stats("electricity")["requests"].get("/oauth/token", 0)


async def test_oauth_token_is_fetched_once_and_reused(
    provider: SandboxControl, source_client: ClientFactory
) -> None:
    client = source_client("electricity")
    await client.fetch(CODE)
    await client.fetch(CODE)
    assert token_requests(provider) == 1


async def test_oauth_token_refused_by_the_api_is_renewed_once(
    provider: SandboxControl, source_client: ClientFactory
) -> None:
    client = source_client("electricity")
    await client.fetch(CODE)
    client._auth._oauth.token["access_token"] = "revoked-token"  # type: ignore[attr-defined]
    record = await client.fetch(CODE)
    assert record.credit_code == CODE
    assert token_requests(provider) == 2
