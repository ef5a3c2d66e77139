"""Customs over real HTTP: private_key_jwt client assertions, bearer tokens, offset paging to the end, and
declarations and FX receipts consistent with the rest of the universe."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from sandbox.common import ProviderConfig
from sandbox.control import SandboxControl
from sandbox.credentials import Credentials
from sandbox.customs_catalog import GOODS_BY_INDUSTRY, PORTS_BY_CITY
from sandbox.customs_data import CustomsHistory, customs_history, exporter, exporter_codes
from sandbox.providers import DEFAULT_CREDENTIALS
from sandbox.providers.customs import CLIENT_ID, CLIENT_PUBLIC_JWK, create_app
from sandbox.runner import run_sandboxes
from sandbox.universe import Universe, build_universe
from tests.sandbox.clients import LOGISTICS_HEADERS, REGISTRY_HEADERS

# The sandbox client's key pair is published (sandbox only, like every sandbox secret); the provider keeps the
# public half, the hub's sandbox defaults and these tests the private one.
CLIENT_PRIVATE_JWK: dict[str, str | list[str]] = {
    "kty": "EC",
    "crv": "P-256",
    "x": "KNhroH3jbIezFCrTXgfm-0AlUjMJajsDZNjwsv8_aCs",
    "y": "uetfDZ-Wz3nt93dYYDzMWT3nTmHuXtbcgvEtkxXZ-vc",
    "d": "JYzto7x6eck4yC06jDB9vfsSP5km5Lay5l93PQh8pgk",
    "kid": "-OjEb5Rhqq9U9wLZJaPS-czCsd10_q4aOwhBF8x7dYc",
    "alg": "ES256",
    "use": "sig",
}
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PRIVATE_KEY = ECKey.import_key(CLIENT_PRIVATE_JWK)
HISTORY = ("2024-11", "2026-10")


def _assertion(
    base: str, key: ECKey = PRIVATE_KEY, header: dict[str, Any] | None = None, **claims: Any
) -> str:
    """A client assertion of the sandbox client; a claim given as None is left out."""
    now = int(time.time())
    payload = {
        "iss": CLIENT_ID,
        "sub": CLIENT_ID,
        "aud": f"{base}/oauth2/token",
        "iat": now,
        "exp": now + 120,
        "jti": secrets.token_urlsafe(16),
        **claims,
    }
    signed = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode({"alg": "ES256", "kid": key.kid, **(header or {})}, signed, key)


def _token_request(base: str, assertion: str, **form: str) -> httpx.Response:
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion,
        **form,
    }
    return httpx.post(f"{base}/oauth2/token", data=data)


def _bearer(base: str) -> dict[str, str]:
    response = _token_request(base, _assertion(base))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _exporters(base: str, limit: int = 10_000) -> list[str]:
    codes: list[str] = httpx.get(f"{base}/_sandbox/enterprises", params={"limit": limit}).json()[
        "creditCodes"
    ]
    return codes


def _walk(base: str, path: str, headers: dict[str, str], limit: int, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        body = httpx.get(
            f"{base}{path}", params={**params, "offset": len(items), "limit": limit}, headers=headers
        )
        page = body.json()
        assert (page["offset"], page["limit"]) == (len(items), limit)
        if not page["items"]:
            assert len(items) == page["total"]
            return items
        items.extend(page["items"])


def _path(code: str, what: str) -> str:
    return f"/api/v1/exporters/{code}/{what}"


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


def test_a_valid_assertion_gets_a_token_and_the_data(sandbox: SandboxControl) -> None:
    base = sandbox.urls["customs"]
    issued = _token_request(base, _assertion(base))
    assert issued.status_code == 200
    assert issued.headers["cache-control"] == "no-store"
    body = issued.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 300)
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    code = _exporters(base, 1)[0]
    declarations = httpx.get(f"{base}{_path(code, 'declarations')}", headers=headers)
    assert declarations.status_code == 200
    page = declarations.json()
    assert (page["offset"], page["limit"]) == (0, 50) and page["total"] > 0
    item = page["items"][0]
    assert set(item) == {
        "declarationNo", "declaredOn", "tradeMode", "hsCode", "goodsName", "destinationCountry", "portOfExit",
        "fobUsd", "exchangeRate", "fobCny", "quantity", "unit",
    }  # fmt: skip
    receipts = httpx.get(f"{base}{_path(code, 'fx-receipts')}", headers=headers).json()
    assert receipts["total"] == 24
    assert (receipts["items"][0]["month"], receipts["items"][-1]["month"]) == HISTORY


def test_the_audience_is_the_token_endpoint_as_the_client_addressed_it(sandbox: SandboxControl) -> None:
    base = sandbox.urls["customs"]
    port = base.rsplit(":", 1)[1]
    for audience in (
        f"{base}/oauth2/token",
        f"HTTP://127.0.0.1:{port}/oauth2/token/",
        [f"{base}/oauth2/token"],
    ):
        assert _token_request(base, _assertion(base, aud=audience)).status_code == 200, audience
    # behind a name (docker compose's http://sandbox:9106): the Host header the client sent is the audience
    docker = _assertion(base, aud="http://sandbox:9106/oauth2/token")
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": docker,
    }
    named = httpx.post(f"{base}/oauth2/token", data=data, headers={"Host": "sandbox:9106"})
    assert named.status_code == 200, named.text
    assert _token_request(base, docker).status_code == 401


def _refusal(base: str, assertion: str, **form: str) -> tuple[int, str, str]:
    response = _token_request(base, assertion, **form)
    body = response.json()
    return response.status_code, body["error"], body["error_description"]


def test_bad_assertions_are_refused_as_invalid_client(sandbox: SandboxControl) -> None:
    base = sandbox.urls["customs"]
    now = int(time.time())
    stranger = ECKey.generate_key("P-256", private=True)
    cases = {
        "bad signature": _assertion(base, key=stranger, header={"kid": PRIVATE_KEY.kid}),
        "wrong aud": _assertion(base, aud="http://127.0.0.1:9102/oauth2/token"),
        "wrong path in aud": _assertion(base, aud=f"{base}/oauth/token"),
        "expired": _assertion(base, iat=now - 200, exp=now - 20),
        "wrong client id": _assertion(base, iss="someone-else", sub="someone-else"),
        "sub is not iss": _assertion(base, sub="someone-else"),
        "longer than 5 minutes": _assertion(base, exp=now + 301),
        "issued in the future": _assertion(base, iat=now + 120, exp=now + 180),
        "no jti": _assertion(base, jti=None),
        "no iat": _assertion(base, iat=None),
        "another kid": _assertion(base, header={"kid": "another"}),
        "not a JWT": "not.a.jwt",
    }
    for case, assertion in cases.items():
        status, error, description = _refusal(base, assertion)
        assert (status, error) == (401, "invalid_client"), case
        assert description, case
    assert _refusal(base, _assertion(base), client_id="someone-else")[:2] == (401, "invalid_client")


def test_an_assertion_is_accepted_once(sandbox: SandboxControl) -> None:
    base = sandbox.urls["customs"]
    assertion = _assertion(base)
    assert _token_request(base, assertion).status_code == 200
    status, error, description = _refusal(base, assertion)
    assert (status, error) == (401, "invalid_client")
    assert "replayed" in description
    refused_first = _assertion(base, jti="used-by-a-refused-assertion", aud="http://elsewhere/oauth2/token")
    assert _refusal(base, refused_first)[0] == 401
    assert _token_request(base, _assertion(base, jti="used-by-a-refused-assertion")).status_code == 200


def test_malformed_token_requests(sandbox: SandboxControl) -> None:
    url = f"{sandbox.urls['customs']}/oauth2/token"
    assertion = _assertion(sandbox.urls["customs"])
    complete = {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion,
    }

    def refused(data: dict[str, str] | str, **options: Any) -> tuple[int, str]:
        response = (
            httpx.post(url, data=data, **options) if isinstance(data, dict) else httpx.post(url, content=data)
        )
        return response.status_code, response.json()["error"]

    assert refused({**complete, "grant_type": ""}) == (400, "invalid_request")
    assert refused({key: value for key, value in complete.items() if key != "grant_type"}) == (
        400,
        "invalid_request",
    )
    assert refused({**complete, "grant_type": "password"}) == (400, "unsupported_grant_type")
    assert refused({key: value for key, value in complete.items() if key != "client_assertion"}) == (
        400,
        "invalid_request",
    )
    assert refused("grant_type=client_credentials&grant_type=client_credentials") == (400, "invalid_request")
    assert refused({**complete, "client_secret": "x"}) == (400, "invalid_request")
    assert refused(complete, auth=(CLIENT_ID, "secret")) == (400, "invalid_request")
    assert refused({**complete, "client_assertion_type": "urn:other"}) == (401, "invalid_client")


def test_data_needs_a_valid_token(sandbox: SandboxControl) -> None:
    base = sandbox.urls["customs"]
    url = f"{base}{_path(_exporters(base, 1)[0], 'declarations')}"
    assert _error(httpx.get(url)) == (401, "invalid_token")
    assert _error(httpx.get(url, headers={"Authorization": "Bearer forged"})) == (401, "invalid_token")
    assertion_as_token = {"Authorization": f"Bearer {_assertion(base)}"}
    assert _error(httpx.get(url, headers=assertion_as_token)) == (401, "invalid_token")


async def test_tokens_expire() -> None:
    config = ProviderConfig(DEFAULT_CREDENTIALS["customs"], token_ttl_s=1)
    async with (
        run_sandboxes(providers=["customs"], size=100, configs={"customs": config}) as urls,
        httpx.AsyncClient(base_url=urls["customs"]) as client,
    ):
        base = urls["customs"]
        code = (await client.get("/_sandbox/enterprises", params={"limit": 1})).json()["creditCodes"][0]
        data = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER}
        issued = await client.post("/oauth2/token", data={**data, "client_assertion": _assertion(base)})
        assert issued.json()["expires_in"] == 1
        headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        assert (await client.get(_path(code, "fx-receipts"), headers=headers)).status_code == 200
        await asyncio.sleep(1.1)
        expired = await client.get(_path(code, "fx-receipts"), headers=headers)
        assert _error(expired) == (401, "invalid_token")


def _history(code: str) -> CustomsHistory:
    history = customs_history(build_universe(), code)
    assert history is not None, f"{code} is no exporter"
    return history


def test_paging_to_the_end_gives_every_item_once(sandbox: SandboxControl) -> None:
    base, headers = sandbox.urls["customs"], _bearer(sandbox.urls["customs"])
    code = max(_exporters(base, 40), key=lambda code: len(_history(code).declarations))
    walked = _walk(base, _path(code, "declarations"), headers, 37)
    assert len(walked) > 200
    numbers = [item["declarationNo"] for item in walked]
    assert len(set(numbers)) == len(numbers)
    assert [(item["declaredOn"], item["declarationNo"]) for item in walked] == sorted(
        (item["declaredOn"], item["declarationNo"]) for item in walked
    )
    assert walked == _walk(base, _path(code, "declarations"), headers, 200)
    capped = httpx.get(f"{base}{_path(code, 'declarations')}", params={"limit": 1000}, headers=headers).json()
    assert (capped["limit"], len(capped["items"]), capped["total"]) == (200, 200, len(walked))
    assert walked[0]["declaredOn"][:7] == HISTORY[0] and walked[-1]["declaredOn"][:7] <= HISTORY[1]
    receipts = _walk(base, _path(code, "fx-receipts"), headers, 5)
    assert [item["month"] for item in receipts] == [f"{month:%Y-%m}" for month in _history_months()]


def _history_months() -> list[date]:
    return [date(2024 + (10 + step) // 12, (10 + step) % 12 + 1, 1) for step in range(24)]


def test_months_filter_and_bad_parameters(sandbox: SandboxControl) -> None:
    base, headers = sandbox.urls["customs"], _bearer(sandbox.urls["customs"])
    code = _exporters(base, 1)[0]
    url = f"{base}{_path(code, 'declarations')}"
    ranged = _walk(base, _path(code, "declarations"), headers, 200, **{"from": "2026-01", "to": "2026-03"})
    assert ranged and all("2026-01" <= item["declaredOn"][:7] <= "2026-03" for item in ranged)
    receipts = httpx.get(
        f"{base}{_path(code, 'fx-receipts')}", params={"from": "2026-01", "to": "2026-03"}, headers=headers
    ).json()
    assert [item["month"] for item in receipts["items"]] == ["2026-01", "2026-02", "2026-03"]
    past = httpx.get(url, params={"offset": 100_000}, headers=headers).json()
    assert past["items"] == [] and past["total"] > 0

    def error(params: dict[str, str | int]) -> tuple[int, str]:
        return _error(httpx.get(url, params=params, headers=headers))

    assert error({"limit": 0}) == (400, "bad_limit")
    assert error({"limit": "x"}) == (400, "bad_limit")
    assert error({"offset": -1}) == (400, "bad_offset")
    assert error({"from": "2026-13"}) == (400, "bad_month")
    assert error({"from": "2026-05", "to": "2026-04"}) == (400, "bad_month")


def test_unknown_firms_and_firms_that_do_not_export(sandbox: SandboxControl) -> None:
    base, headers = sandbox.urls["customs"], _bearer(sandbox.urls["customs"])
    exporters = set(_exporters(base))
    everyone = sandbox.credit_codes(limit=10_000)
    assert exporters < set(everyone)
    outsider = next(code for code in everyone if code not in exporters)
    for what in ("declarations", "fx-receipts"):
        assert _error(httpx.get(f"{base}{_path(outsider, what)}", headers=headers)) == (404, "not_found")
    assert _error(httpx.get(f"{base}{_path('91330100BADCODE000', 'declarations')}", headers=headers)) == (
        400,
        "bad_credit_code",
    )
    listing = httpx.get(
        f"{base}/_sandbox/enterprises", params={"limit": 5, "offset": 2, "core": "true"}
    ).json()
    assert listing["total"] == len([code for code in exporters if build_universe().by_code[code].is_core])


def _waybills(sandbox: SandboxControl, code: str) -> list[dict[str, Any]]:
    waybills: list[dict[str, Any]] = []
    params: dict[str, Any] = {"party": code, "limit": 200}
    while True:
        url = f"{sandbox.urls['logistics']}/v1/waybills"
        body = httpx.get(url, params=params, headers=LOGISTICS_HEADERS).json()
        waybills.extend(body["data"])
        if body["next_cursor"] is None:
            return waybills
        params["cursor"] = body["next_cursor"]


def _fen(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_declarations_are_consistent_with_the_universe(sandbox: SandboxControl) -> None:
    base, headers = sandbox.urls["customs"], _bearer(sandbox.urls["customs"])
    for code in _exporters(base)[:8]:
        declarations = _walk(base, _path(code, "declarations"), headers, 200)
        registration = httpx.get(
            f"{sandbox.urls['registry']}/v1/enterprises/{code}", headers=REGISTRY_HEADERS
        )
        industry = registration.json()["industry"]
        shipped = [bill for bill in _waybills(sandbox, code) if bill["shipper"]["creditCode"] == code]
        assert shipped, "an exporter ships goods"
        ports = {port.name for port, _ in PORTS_BY_CITY[shipped[0]["origin"]]}
        assert {item["portOfExit"] for item in declarations} <= ports
        chapters = {goods.hs_code[:2] for goods in GOODS_BY_INDUSTRY.get(industry, ())}
        for item in declarations:
            assert re.fullmatch(r"\d{4}20(24|25|26)0\d{9}", item["declarationNo"])
            assert item["declarationNo"][4:8] == item["declaredOn"][:4]
            assert re.fullmatch(r"\d{10}", item["hsCode"])
            assert industry == "wholesale" or item["hsCode"][:2] in chapters
            assert item["tradeMode"] in (
                {"code": "0110", "name": "一般贸易"},
                {"code": "9610", "name": "跨境贸易电子商务"},
                {"code": "9710", "name": "跨境电商B2B直接出口"},
                {"code": "9810", "name": "跨境电商出口海外仓"},
            )
            assert re.fullmatch(r"[A-Z]{2}", item["destinationCountry"])
            assert re.fullmatch(r"\d+\.\d\d", item["fobUsd"]) and re.fullmatch(
                r"\d\.\d{4}", item["exchangeRate"]
            )
            assert Decimal(item["fobCny"]) == _fen(Decimal(item["fobUsd"]) * Decimal(item["exchangeRate"]))
            assert Decimal(item["quantity"]) > 0 and item["unit"]
        for receipt in _walk(base, _path(code, "fx-receipts"), headers, 24):
            assert Decimal(receipt["receivedCny"]) == _fen(
                Decimal(receipt["receivedUsd"]) * Decimal(receipt["exchangeRate"])
            )


def _pattern(universe: Universe, code: str) -> str:
    profile = exporter(universe, code)
    assert profile is not None
    return profile.pattern


def _ratio(received: list[dict[str, Any]], declared: list[dict[str, Any]], months: set[str]) -> Decimal:
    usd = sum((Decimal(item["receivedUsd"]) for item in received if item["month"] in months), Decimal(0))
    fob = sum((Decimal(item["fobUsd"]) for item in declared if item["declaredOn"][:7] in months), Decimal(0))
    return usd / fob


def test_most_exporters_are_paid_for_what_they_ship_some_far_less(sandbox: SandboxControl) -> None:
    base, headers = sandbox.urls["customs"], _bearer(sandbox.urls["customs"])
    universe = build_universe()
    codes = exporter_codes(universe)
    low = [code for code in codes if _pattern(universe, code) == "low_receipts"]
    assert 0.05 < len(low) / len(codes) < 0.15
    normal = [code for code in codes if code not in low]
    all_months = {f"{month:%Y-%m}" for month in _history_months()}
    last_six = set(sorted(all_months)[-6:])
    for code in low[:6] + normal[:10]:
        declared = _walk(base, _path(code, "declarations"), headers, 200)
        received = _walk(base, _path(code, "fx-receipts"), headers, 24)
        if code in low:
            assert _ratio(received, declared, last_six) < Decimal("0.6"), code
        else:
            assert Decimal("0.85") <= _ratio(received, declared, all_months) <= Decimal("1.05"), code


def test_growing_and_seasonal_exporters_exist() -> None:
    universe = build_universe()
    patterns = Counter(_pattern(universe, code) for code in exporter_codes(universe))
    assert min(patterns.values()) >= 20 and set(patterns) == {"steady", "growing", "seasonal", "low_receipts"}
    for code in exporter_codes(universe):
        profile, history = exporter(universe, code), customs_history(universe, code)
        assert profile is not None and history is not None
        by_month = dict.fromkeys(range(24), Decimal(0))
        for item in history.declarations:
            by_month[(item.declared_on.year - 2024) * 12 + item.declared_on.month - 11] += item.fob_usd
        if profile.pattern == "growing":
            assert sum(by_month[step] for step in range(12, 24)) > Decimal("1.1") * sum(
                by_month[step] for step in range(12)
            )
        if profile.pattern == "seasonal":
            september = by_month[10] + by_month[22]
            february = by_month[3] + by_month[15]
            assert september > 2 * february


def test_same_seed_same_answers() -> None:
    first, again, other = (build_universe.__wrapped__(seed, 300) for seed in (7, 7, 8))
    codes = exporter_codes(first)
    assert codes == exporter_codes(again) != exporter_codes(other)
    assert all(customs_history(first, code) == customs_history(again, code) for code in codes)


async def test_same_seed_gives_byte_identical_answers() -> None:
    async def answers() -> list[bytes]:
        async with run_sandboxes(providers=["customs"], size=300) as urls, httpx.AsyncClient() as client:
            base = urls["customs"]
            bodies = [(await client.get(f"{base}/_sandbox/enterprises", params={"limit": 3})).content]
            data = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER}
            token = await client.post(
                f"{base}/oauth2/token", data={**data, "client_assertion": _assertion(base)}
            )
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            for code in json.loads(bodies[0])["creditCodes"]:
                for what in ("declarations", "fx-receipts"):
                    bodies.append((await client.get(f"{base}{_path(code, what)}", headers=headers)).content)
            return bodies

    assert await answers() == await answers()


def test_the_provider_keeps_only_the_public_key() -> None:
    assert "d" not in CLIENT_PUBLIC_JWK
    assert json.loads(DEFAULT_CREDENTIALS["customs"].secret) == CLIENT_PUBLIC_JWK
    assert {key: CLIENT_PRIVATE_JWK[key] for key in CLIENT_PUBLIC_JWK} == CLIENT_PUBLIC_JWK


@pytest.mark.parametrize(
    "bad_key", ["not json", '{"kty": "oct", "k": "c2VjcmV0"}', '{"kty": "EC", "crv": "P-384"}']
)
def test_a_bad_public_key_fails_at_start(bad_key: str) -> None:
    with pytest.raises(ValueError, match="customs: the client's public key"):
        create_app(build_universe(20261125, 50), ProviderConfig(Credentials(CLIENT_ID, bad_key)))
