"""Electricity over real HTTP: client credentials, bearer tokens, page/pageSize walked to the end."""

from __future__ import annotations

import asyncio
import re

import httpx

from sandbox.common import ProviderConfig
from sandbox.control import SandboxControl
from sandbox.providers import DEFAULT_CREDENTIALS
from sandbox.providers.electricity import CLIENT_ID as ELECTRICITY_CLIENT_ID
from sandbox.providers.electricity import CLIENT_SECRET as ELECTRICITY_CLIENT_SECRET
from sandbox.runner import run_sandboxes
from tests.sandbox.clients import electricity_token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_by_basic_and_by_form(sandbox: SandboxControl) -> None:
    url = f"{sandbox.urls['electricity']}/oauth/token"
    basic = httpx.post(
        url,
        data={"grant_type": "client_credentials"},
        auth=(ELECTRICITY_CLIENT_ID, ELECTRICITY_CLIENT_SECRET),
    )
    assert basic.status_code == 200
    assert basic.json()["token_type"] == "Bearer"
    assert basic.json()["expires_in"] == 300
    form = httpx.post(
        url,
        data={
            "grant_type": "client_credentials",
            "client_id": ELECTRICITY_CLIENT_ID,
            "client_secret": ELECTRICITY_CLIENT_SECRET,
        },
    )
    assert form.status_code == 200
    assert form.json()["access_token"] != basic.json()["access_token"]


def test_bad_client_and_bad_grant(sandbox: SandboxControl) -> None:
    url = f"{sandbox.urls['electricity']}/oauth/token"
    wrong = httpx.post(url, data={"grant_type": "client_credentials"}, auth=(ELECTRICITY_CLIENT_ID, "nope"))
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    anonymous = httpx.post(url, data={"grant_type": "client_credentials"})
    assert anonymous.status_code == 401
    grant = httpx.post(
        url, data={"grant_type": "password"}, auth=(ELECTRICITY_CLIENT_ID, ELECTRICITY_CLIENT_SECRET)
    )
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")


def test_data_needs_a_valid_token(sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1)[0]
    url = f"{sandbox.urls['electricity']}/api/v2/accounts"
    assert httpx.get(url, params={"creditCode": code}).json()["error"] == "invalid_token"
    forged = httpx.get(url, params={"creditCode": code}, headers=_bearer("forged"))
    assert (forged.status_code, forged.json()["error"]) == (401, "invalid_token")


async def test_tokens_expire() -> None:
    config = ProviderConfig(DEFAULT_CREDENTIALS["electricity"], token_ttl_s=1)
    async with (
        run_sandboxes(providers=["electricity"], size=50, configs={"electricity": config}) as urls,
        httpx.AsyncClient(base_url=urls["electricity"]) as client,
    ):
        code = (await client.get("/_sandbox/enterprises", params={"limit": 1})).json()["creditCodes"][0]
        issued = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(ELECTRICITY_CLIENT_ID, ELECTRICITY_CLIENT_SECRET),
        )
        headers = _bearer(issued.json()["access_token"])
        assert (
            await client.get("/api/v2/accounts", params={"creditCode": code}, headers=headers)
        ).status_code == 200
        await asyncio.sleep(1.1)
        expired = await client.get("/api/v2/accounts", params={"creditCode": code}, headers=headers)
        assert (expired.status_code, expired.json()["error"]) == (401, "invalid_token")


def test_accounts_then_consumption_walked_page_by_page(sandbox: SandboxControl) -> None:
    base, headers = sandbox.urls["electricity"], _bearer(electricity_token(sandbox.urls["electricity"]))
    code = sandbox.credit_codes(limit=1, core=True)[0]
    accounts = httpx.get(f"{base}/api/v2/accounts", params={"creditCode": code}, headers=headers).json()[
        "accounts"
    ]
    assert 1 <= len(accounts) <= 2
    assert all(re.fullmatch(r"33\d{10}", account["accountNo"]) for account in accounts)
    url = f"{base}/api/v2/accounts/{accounts[0]['accountNo']}/consumption"
    items, page = [], 1
    while True:
        body = httpx.get(url, params={"page": page, "pageSize": 5}, headers=headers).json()
        assert (body["page"], body["pageSize"], body["total"]) == (page, 5, 24)
        if not body["items"]:
            break
        items.extend(body["items"])
        page += 1
    assert page == 6  # five pages of 5, 5, 5, 5, 4, then an empty one
    assert [item["month"] for item in items] == sorted(item["month"] for item in items)
    assert (items[0]["month"], items[-1]["month"], len(items)) == ("2024-11", "2026-10", 24)
    for item in items:
        assert re.fullmatch(r"\d+\.\d", item["kwh"])
        assert all(re.fullmatch(r"\d+\.\d\d", item[key]) for key in ("billAmount", "paidAmount", "arrears"))
    ranged = httpx.get(url, params={"from": "2026-01", "to": "2026-03"}, headers=headers).json()
    assert [item["month"] for item in ranged["items"]] == ["2026-01", "2026-02", "2026-03"]


def test_bad_parameters(sandbox: SandboxControl) -> None:
    base, headers = sandbox.urls["electricity"], _bearer(electricity_token(sandbox.urls["electricity"]))
    code = sandbox.credit_codes(limit=1)[0]
    account = httpx.get(f"{base}/api/v2/accounts", params={"creditCode": code}, headers=headers).json()
    url = f"{base}/api/v2/accounts/{account['accounts'][0]['accountNo']}/consumption"

    def error(params: dict[str, str | int], target: str = url) -> tuple[int, str]:
        response = httpx.get(target, params=params, headers=headers)
        return response.status_code, response.json()["error"]

    assert error({"pageSize": 51}) == (400, "bad_page_size")
    assert error({"page": 0}) == (400, "bad_page")
    assert error({"from": "2026-13"}) == (400, "bad_month")
    assert error({}, f"{base}/api/v2/accounts/999999999999/consumption") == (404, "not_found")
    assert error({"creditCode": "not-a-code"}, f"{base}/api/v2/accounts") == (400, "bad_credit_code")
    assert error({}, f"{base}/api/v2/accounts") == (400, "bad_request")
