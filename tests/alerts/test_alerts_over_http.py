"""Early warnings over HTTP on the sandbox's fixture firms, on both backends: built-ins firing, a re-run
adding none, a disabled built-in, a custom JDM rule, no alert without consent, and the events emitted."""

from __future__ import annotations

from typing import Any

from sandbox.fixtures import fixture_code
from sandbox.universe import build_universe
from tests.fixtures.events import Recorder
from tests.schema.conftest import TENANT, Graph

WATCH = "mutation ($codes: [ID!]!) { watch(creditCodes: $codes) { creditCode } }"
EVALUATE = """mutation ($codes: [ID!]!) {
  evaluateAlerts(creditCodes: $codes) { id rule severity creditCode period details createdAt }
}"""
ALERTS = """query ($first: Int!, $after: String) {
  alerts(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id rule period creditCode }
  }
}"""
SET_RULE = """mutation ($name: String!, $document: JSON, $enabled: Boolean!) {
  setAlertRule(name: $name, document: $document, enabled: $enabled) { name builtIn enabled sources }
}"""


def code_of(name: str) -> str:
    return fixture_code(build_universe(), name)


async def evaluate(graph: Graph, code: str) -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = (await graph.data(EVALUATE, {"codes": [code]}))["evaluateAlerts"]
    return alerts


async def test_arrears_fire_once_with_their_events(graph: Graph) -> None:
    code = code_of("electricity-arrears")
    recorder = Recorder()
    graph.services.events.subscribe(recorder)
    await graph.consent([code])
    await graph.data(WATCH, {"codes": [code]})
    first = await evaluate(graph, code)
    arrears = [alert for alert in first if alert["rule"] == "electricity-arrears"]
    assert len(arrears) == 1, first
    assert arrears[0]["severity"] == "HIGH"
    assert arrears[0]["details"]["arrearsMonthsRunning"] >= 3
    assert arrears[0]["details"]["sources"] == ["electricity"]
    assert await evaluate(graph, code) == []  # idempotent: the same period adds none
    listed = (await graph.data(ALERTS, {"first": 50}))["alerts"]
    assert listed["totalCount"] == len(first)
    created = [event for event in recorder.events if event.type == "alert.created"]
    assert {event.data["alertId"] for event in created} == {alert["id"] for alert in first}
    assert all(event.tenant_id == TENANT for event in created)
    raised = {event.data["flag"] for event in recorder.events if event.type == "indicator.flag_raised"}
    assert "LATE_ELECTRICITY_PAYMENTS" in raised
    assert all(
        event.tenant_id is None and event.source == "electricity"
        for event in recorder.events
        if event.type == "indicator.flag_raised" and event.data["flag"] == "LATE_ELECTRICITY_PAYMENTS"
    )


async def test_no_consent_no_alert_and_a_disabled_built_in_does_not_fire(graph: Graph) -> None:
    code = code_of("electricity-arrears")
    await graph.data(WATCH, {"codes": [code]})
    assert [a for a in await evaluate(graph, code) if a["rule"] == "electricity-arrears"] == []
    await graph.consent([code])
    rule = await graph.data(SET_RULE, {"name": "electricity-arrears", "document": None, "enabled": False})
    assert rule["setAlertRule"] == {
        "name": "electricity-arrears",
        "builtIn": True,
        "enabled": False,
        "sources": ["electricity"],
    }
    assert [a for a in await evaluate(graph, code) if a["rule"] == "electricity-arrears"] == []


def grade_rule(grade: str) -> dict[str, Any]:
    return {
        "description": "tax grade is params.grade",
        "parameters": {"grade": grade},
        "graph": {
            "nodes": [
                {"id": "in", "type": "inputNode", "name": "in", "content": {}},
                {
                    "id": "rule",
                    "type": "expressionNode",
                    "name": "rule",
                    "content": {
                        "expressions": [
                            {"id": "f", "key": "fire", "value": "tax.grade == params.grade"},
                            {"id": "s", "key": "severity", "value": "'LOW'"},
                        ],
                        "passThrough": False,
                        "executionMode": "single",
                    },
                },
                {"id": "out", "type": "outputNode", "name": "out", "content": {}},
            ],
            "edges": [
                {"id": "a", "sourceId": "in", "targetId": "rule", "type": "edge"},
                {"id": "b", "sourceId": "rule", "targetId": "out", "type": "edge"},
            ],
        },
    }


async def test_a_custom_rule_and_a_grade_downgrade_fire(graph: Graph) -> None:
    code = code_of("tax-grade-c")
    await graph.consent([code])
    await graph.data(WATCH, {"codes": [code]})
    rule = await graph.data(SET_RULE, {"name": "grade-c", "document": grade_rule("C"), "enabled": True})
    assert rule["setAlertRule"]["sources"] == ["tax"]
    # as if the previous evaluation had seen grade A
    await graph.services.alerts.book.set_baseline(TENANT, code, {"tax": {"grade": "A"}})
    fired = {alert["rule"]: alert for alert in await evaluate(graph, code)}
    assert fired["grade-c"]["severity"] == "LOW"
    assert fired["grade-c"]["details"] == {"tax.grade": "C", "sources": ["tax"]}
    downgrade = fired["tax-grade-downgrade"]
    assert downgrade["severity"] == "HIGH"
    assert downgrade["period"].endswith(":A>C")
    assert await evaluate(graph, code) == []  # the baseline is now C: no new downgrade


async def test_an_invalid_rule_is_refused_naming_the_fact(graph: Graph) -> None:
    document = grade_rule("C")
    document["graph"]["nodes"][1]["content"]["expressions"][0]["value"] = "tax.nope == 1"
    answer = await graph.query(SET_RULE, {"name": "bad", "document": document, "enabled": True})
    assert answer["errors"][0]["extensions"]["code"] == "ALERT_RULE_INVALID"
    assert "tax.nope" in answer["errors"][0]["message"]


async def test_two_sources_deteriorating_fire_the_composite_once(graph: Graph) -> None:
    code = code_of("electricity-arrears")  # arrears on its bills, and a tax grade B
    await graph.consent([code])
    await graph.data(WATCH, {"codes": [code]})
    await graph.services.alerts.book.set_baseline(TENANT, code, {"tax": {"grade": "A"}})
    fired = {alert["rule"]: alert for alert in await evaluate(graph, code)}
    assert fired["electricity-arrears"]["details"]["sources"] == ["electricity"]
    assert fired["tax-grade-downgrade"]["severity"] == "MEDIUM"  # A to B
    composite = fired["sources-deteriorating"]
    assert composite["severity"] == "HIGH"
    assert composite["details"]["windowDays"] == 60
    assert {alert["rule"] for alert in composite["details"]["alerts"]} == {
        "electricity-arrears",
        "tax-grade-downgrade",
    }
    assert await evaluate(graph, code) == []  # the same day: the composite is not raised again


async def test_one_source_deteriorating_is_not_the_composite(graph: Graph) -> None:
    code = code_of("electricity-arrears")
    await graph.consent([code], ["registry", "electricity"])
    await graph.data(WATCH, {"codes": [code]})
    rules = {alert["rule"] for alert in await evaluate(graph, code)}
    assert "electricity-arrears" in rules and "sources-deteriorating" not in rules
