"""The rate limit counts what a request costs, not only that it came: a costly query takes as many tokens
as the cheap requests it replaces (HUB_RATE_LIMIT_COST_PER_TOKEN), and so does its cached repeat."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.control import SandboxControl
from tests.schema.conftest import Graph

COSTLY = "query ($c: [ID!]!) { enterprises(creditCodes: $c) { electricity { arrearsYuan } tax { grade } } }"


@pytest.fixture
def graph_overrides() -> dict[str, Any]:
    # 5 firms × 32 + 1 = 161 → 4 tokens of 50; the bucket holds 10 and barely refills during the test.
    return {"rate_limit_per_minute": 1, "rate_limit_burst": 10, "rate_limit_cost_per_token": 50}


async def test_a_costly_query_takes_tokens_by_its_cost(graph: Graph, sandbox: SandboxControl) -> None:
    codes = sandbox.credit_codes(limit=5)
    await graph.consent(codes)
    first = await graph.post(COSTLY, {"c": codes})  # 4 tokens: 6 left
    second = await graph.post(COSTLY, {"c": codes})  # the cached answer takes 4 as well: 2 left
    third = await graph.post(COSTLY, {"c": codes})  # 1 at the edge, then 3 more are not there
    assert [first.status_code, second.status_code] == [200, 200]
    assert third.status_code == 429
    assert int(third.headers["retry-after"]) >= 1
    assert third.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    # Nothing of the refused request ran; a cheap request still fits in what is left.
    assert (await graph.post("{ __typename }")).status_code == 200
