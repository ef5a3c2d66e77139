"""A profile query costs about the slowest upstream, not the sum of them."""

from __future__ import annotations

import time

from sandbox.control import SandboxControl
from tests.schema.conftest import Graph

LATENCY_MS = 300
QUERY = """
query ($code: ID!) {
  enterprise(creditCode: $code) {
    name
    electricity { arrearsYuan } logistics { shipments } tax { grade } trade { gmvYuan }
  }
}
"""


async def test_sources_are_fetched_in_parallel(graph: Graph, sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=30)[21]
    await graph.consent([code])
    for provider in sandbox.urls:
        sandbox.set_faults(provider, latency_ms=LATENCY_MS)

    started = time.perf_counter()
    answer = await graph.query(QUERY, {"code": code})
    elapsed = time.perf_counter() - started

    assert "errors" not in answer, answer
    requests = {provider: sandbox.stats(provider)["total"] for provider in sandbox.urls}
    # Eight round trips in all (electricity needs three in a row: token, accounts, consumption); one
    # after the other they would take 8 x latency, in parallel about 3 x latency.
    assert sum(requests.values()) == 8, requests
    assert elapsed < 6 * LATENCY_MS / 1000, (elapsed, requests)
