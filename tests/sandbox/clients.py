"""Minimal, protocol-exact clients of the providers for the sandbox tests (the hub has its own connectors)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping

import httpx

from sandbox.providers.electricity import CLIENT_ID as ELECTRICITY_CLIENT_ID
from sandbox.providers.electricity import CLIENT_SECRET as ELECTRICITY_CLIENT_SECRET
from sandbox.providers.logistics import API_KEY as LOGISTICS_API_KEY
from sandbox.providers.registry import API_KEY as REGISTRY_API_KEY
from sandbox.providers.tax import APP_KEY as TAX_APP_KEY
from sandbox.providers.tax import APP_SECRET as TAX_APP_SECRET
from sandbox.providers.trade import APP_KEY as TRADE_APP_KEY
from sandbox.providers.trade import APP_SECRET as TRADE_APP_SECRET
from sandbox.signing import tax_signature, trade_sign

REGISTRY_HEADERS = {"X-API-Key": REGISTRY_API_KEY}
LOGISTICS_HEADERS = {"X-Api-Key": LOGISTICS_API_KEY}


def electricity_token(base_url: str) -> str:
    response = httpx.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(ELECTRICITY_CLIENT_ID, ELECTRICITY_CLIENT_SECRET),
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def tax_headers(
    path: str,
    params: Mapping[str, str] | None = None,
    *,
    secret: str = TAX_APP_SECRET,
    app_key: str = TAX_APP_KEY,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(8)
    signature = tax_signature(secret, "GET", path, (params or {}).items(), stamp, nonce)
    return {"X-App-Key": app_key, "X-Timestamp": stamp, "X-Nonce": nonce, "X-Signature": signature}


def tax_get(
    base_url: str, path: str, params: Mapping[str, str] | None = None, **signing: object
) -> httpx.Response:
    headers = tax_headers(path, params, **signing)  # type: ignore[arg-type]
    return httpx.get(f"{base_url}{path}", params=dict(params or {}), headers=headers)


def trade_params(
    params: Mapping[str, str],
    *,
    secret: str = TRADE_APP_SECRET,
    app_key: str = TRADE_APP_KEY,
    ts: int | None = None,
) -> dict[str, str]:
    signed = {**params, "app_key": app_key, "ts": str(int(time.time()) if ts is None else ts)}
    return {**signed, "sign": trade_sign(secret, signed.items())}


def trade_get(base_url: str, path: str, params: Mapping[str, str], **signing: object) -> httpx.Response:
    return httpx.get(f"{base_url}{path}", params=trade_params(params, **signing))  # type: ignore[arg-type]
