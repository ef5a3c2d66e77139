"""Reads keep connection states too: a read that fetches from the upstream moves the (firm, source) state
as a refresh does (over HTTP on both backends), with the same events; a cached read or a firm nobody
consents to leaves no state."""

from __future__ import annotations

from hub.connections.store import ConnectionBook
from sandbox.control import SandboxControl
from tests.connections.test_refresh import grant
from tests.fixtures.events import Recorder
from tests.schema.conftest import Graph

TAX = "query ($c: ID!) { enterprise(creditCode: $c) { name tax { grade } } }"
CONNECTIONS = """query ($c: ID!) {
  enterprise(creditCode: $c) { connections { source status lastAttemptAt lastError { code } } }
}"""


async def connections(graph: Graph, code: str) -> dict[str, dict[str, object]]:
    await graph.services.connections.settle()
    answer = await graph.data(CONNECTIONS, {"c": code})
    return {row["source"]: row for row in answer["enterprise"]["connections"]}


async def test_a_read_that_fetches_moves_the_state_and_tells_it(
    graph: Graph, clean_sandbox: SandboxControl, recorder: Recorder
) -> None:
    code, failing = clean_sandbox.credit_codes(2)
    await grant(graph, [code, failing], ["tax"])

    await graph.data(TAX, {"c": code})
    read = await connections(graph, code)

    assert read["tax"]["status"] == "LINKED" and read["tax"]["lastAttemptAt"]
    assert read["registry"]["status"] == "LINKED"  # the public register follows any consent
    assert read["electricity"]["status"] == "PENDING_CONSENT" and read["electricity"]["lastAttemptAt"] is None
    changed = {event.source: event.data for event in recorder.of("connection.status_changed")}
    assert changed["tax"] == {"status": "LINKED", "previous": "STALE", "errorCode": None}
    assert {event.source for event in recorder.of("profile.changed")} == {"registry", "tax"}

    recorder.clear()
    await graph.data(TAX, {"c": code})  # from the cache: no attempt at the source
    assert (await connections(graph, code))["tax"]["lastAttemptAt"] == read["tax"]["lastAttemptAt"]
    assert recorder.events == []

    clean_sandbox.set_faults("tax", down=True)
    answer = await graph.query(TAX, {"c": failing})
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["SOURCE_UNAVAILABLE"]
    down = await connections(graph, failing)
    assert down["tax"]["status"] == "SOURCE_ERROR" and down["tax"]["lastError"] == {
        "code": "SOURCE_UNAVAILABLE"
    }
    assert down["registry"]["status"] == "LINKED"  # one failing source, one state
    assert [
        event.data["status"] for event in recorder.of("connection.status_changed") if event.source == "tax"
    ] == ["SOURCE_ERROR"]


async def test_a_firm_nobody_consents_to_keeps_no_state(graph: Graph, clean_sandbox: SandboxControl) -> None:
    (code,) = clean_sandbox.credit_codes(1)
    await graph.data("query ($c: ID!) { enterprise(creditCode: $c) { name } }", {"c": code})  # the register
    await graph.services.connections.settle()
    assert await ConnectionBook(graph.services.sessions).states([code]) == {}
