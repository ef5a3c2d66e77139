"""Auth styles: signatures agree with the providers' reading of the protocol; OAuth tokens are cached and
renewed.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from joserfc.jwk import ECKey

from connectors.auth_styles import ApiKeyHeader, HmacSignedHeaders, OAuth2PrivateKeyJWT, SignedQuery
from connectors.config import SourceConfig
from connectors.source import SourceName
from foundation.errors import UpstreamRejected
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


SANDBOX_CLIENT_KEY = json.dumps(
    {
        "kty": "EC",
        "crv": "P-256",
        "x": "KNhroH3jbIezFCrTXgfm-0AlUjMJajsDZNjwsv8_aCs",
        "y": "uetfDZ-Wz3nt93dYYDzMWT3nTmHuXtbcgvEtkxXZ-vc",
        "d": "JYzto7x6eck4yC06jDB9vfsSP5km5Lay5l93PQh8pgk",
        "kid": "-OjEb5Rhqq9U9wLZJaPS-czCsd10_q4aOwhBF8x7dYc",
    }
)  # the customs sandbox's published client key (sandbox/PROTOCOL.md)


def private_key_jwt(base_url: str, key: str = SANDBOX_CLIENT_KEY) -> OAuth2PrivateKeyJWT:
    config = SourceConfig.model_validate(
        {"base_url": base_url, "credentials": {"client_id": "hub-sandbox", "private_key": key}}
    )
    style = OAuth2PrivateKeyJWT.from_config("customs", config, {})
    assert isinstance(style, OAuth2PrivateKeyJWT)
    return style


async def test_private_key_jwt_gets_a_token_without_sending_a_secret(sandbox: SandboxControl) -> None:
    base = sandbox.urls["customs"]
    exporter = sandbox.credit_codes(limit=1, provider="customs")[0]
    sent: list[httpx.Request] = []
    style = private_key_jwt(base)
    async with httpx.AsyncClient(base_url=base, auth=style, event_hooks={"request": [_keep(sent)]}) as http:
        first = await http.get(f"/api/v1/exporters/{exporter}/declarations", params={"limit": 1})
        second = await http.get(f"/api/v1/exporters/{exporter}/fx-receipts", params={"limit": 1})
    await style.aclose()
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["items"] and second.json()["items"]
    bearer = {request.headers["Authorization"] for request in sent}
    assert len(bearer) == 1  # one token for both calls


async def test_private_key_jwt_signed_by_another_key_is_refused(sandbox: SandboxControl) -> None:
    stranger = ECKey.generate_key("P-256", private=True).as_dict(private=True)
    style = private_key_jwt(sandbox.urls["customs"], json.dumps(stranger))
    async with httpx.AsyncClient(base_url=sandbox.urls["customs"], auth=style) as http:
        with pytest.raises(UpstreamRejected) as raised:
            await http.get("/api/v1/exporters/9133040285WK93385D/declarations")
    await style.aclose()
    assert raised.value.status == 401 and raised.value.error == "invalid_client"


def test_a_private_key_that_is_not_a_key_is_named() -> None:
    with pytest.raises(ValueError, match="customs: private_key is not a usable JWK or PEM key"):
        private_key_jwt("http://127.0.0.1:1", "not a key")


def _keep(sent: list[httpx.Request]) -> Any:
    async def hook(request: httpx.Request) -> None:
        if "/api/" in request.url.path:
            sent.append(request)

    return hook
