"""Logistics over real HTTP: API key, cursor paging walked to the end, cursors bound to their query."""

from __future__ import annotations

from typing import Any

import httpx

from sandbox.control import SandboxControl
from tests.sandbox.clients import LOGISTICS_HEADERS


def _waybills(
    sandbox: SandboxControl, params: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.get(
        f"{sandbox.urls['logistics']}/v1/waybills",
        params=params,
        headers=LOGISTICS_HEADERS if headers is None else headers,
    )


def test_api_key(sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1)[0]
    assert _waybills(sandbox, {"party": code}, {}).status_code == 401
    assert _waybills(sandbox, {"party": code}, {"X-Api-Key": "wrong"}).json()["error"] == "invalid_api_key"


def test_cursor_walk_reaches_the_end_and_matches_one_big_page(sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1, core=True)[0]
    params: dict[str, Any] = {"party": code, "since": "2026-01-01", "limit": 37}
    walked: list[dict[str, Any]] = []
    cursors: set[str] = set()
    while True:
        body = _waybills(sandbox, params).json()
        walked.extend(body["data"])
        if body["next_cursor"] is None:
            break
        assert body["next_cursor"] not in cursors
        cursors.add(body["next_cursor"])
        params["cursor"] = body["next_cursor"]
    assert len(cursors) >= 2
    numbers = [waybill["waybillNo"] for waybill in walked]
    assert len(numbers) == len(set(numbers))
    shipped = [waybill["shippedAt"] for waybill in walked]
    assert shipped == sorted(shipped, reverse=True)
    assert min(shipped) >= "2026-01-01"
    for waybill in walked:
        assert code in (waybill["shipper"]["creditCode"], waybill["consignee"]["creditCode"])
        assert (waybill["deliveredAt"] is None) == (waybill["status"] == "in_transit")


def test_cursors_are_bound_to_their_query(sandbox: SandboxControl) -> None:
    first, second = sandbox.credit_codes(limit=2, core=True)
    cursor = _waybills(sandbox, {"party": first, "limit": 5}).json()["next_cursor"]
    foreign = _waybills(sandbox, {"party": second, "limit": 5, "cursor": cursor})
    assert (foreign.status_code, foreign.json()["error"]) == (400, "bad_cursor")
    other_since = _waybills(sandbox, {"party": first, "since": "2026-01-01", "cursor": cursor})
    assert other_since.json()["error"] == "bad_cursor"
    assert _waybills(sandbox, {"party": first, "cursor": "garbage!"}).json()["error"] == "bad_cursor"


def test_bad_parameters(sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1)[0]
    assert _waybills(sandbox, {"party": code, "limit": 201}).json()["error"] == "bad_limit"
    assert _waybills(sandbox, {"party": code, "limit": 0}).json()["error"] == "bad_limit"
    assert _waybills(sandbox, {"party": code, "since": "2026-02-30"}).json()["error"] == "bad_since"
    assert _waybills(sandbox, {}).status_code == 400
