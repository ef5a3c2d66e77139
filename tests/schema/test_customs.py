"""Enterprise.customs over HTTP: an exporter's profile with its consent and scope, null for a firm that
does not export, FORBIDDEN and NO_CONSENT like every source, and the low-receipt flag in the indicators."""

from __future__ import annotations

from typing import Any

from tests.schema.conftest import Graph

LOW_RECEIPTS = "9133040285WK93385D"  # an exporter paid far less than it ships (sandbox ground truth)
STEADY = "9133078388PNYXD02U"  # an exporter paid for what it ships
NOT_AN_EXPORTER = "913309038YLB77TF5A"
PROFILE = """query ($c: ID!) { enterprise(creditCode: $c) {
  customs(months: 12) {
    fobUsd fobYuan receivedUsd fxReceiptRatio lowReceiptMonths exportYoyGrowth crossBorderEcommerceShare
    months { month declarations fobUsd receivedUsd receiptRatio }
    topDestinations { key share } topHsChapters { key share }
    freshness { source stale }
  }
  indicators { sourcesUsed riskFlags figures { name source value } }
} }"""


def codes_of(answer: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in answer.get("errors", [])]


async def test_an_exporters_profile_and_its_low_receipt_flag(graph: Graph) -> None:
    await graph.consent([LOW_RECEIPTS, STEADY])
    low = (await graph.query(PROFILE, {"c": LOW_RECEIPTS}))["data"]["enterprise"]
    steady = (await graph.query(PROFILE, {"c": STEADY}))["data"]["enterprise"]

    customs = low["customs"]
    assert customs["freshness"] == {"source": "customs", "stale": False}
    assert len(customs["months"]) == 12 and customs["topDestinations"] and customs["topHsChapters"]
    assert customs["fxReceiptRatio"] < 0.6 and customs["lowReceiptMonths"] >= 6
    assert "LOW_FX_RECEIPT_RATIO" in low["indicators"]["riskFlags"]
    assert "customs" in low["indicators"]["sourcesUsed"]
    figures = {figure["name"]: figure for figure in low["indicators"]["figures"]}
    assert figures["fx_receipt_ratio"]["source"] == "customs"

    assert steady["customs"]["fxReceiptRatio"] > 0.8
    assert "LOW_FX_RECEIPT_RATIO" not in steady["indicators"]["riskFlags"]


async def test_a_firm_that_does_not_export_has_no_customs_profile(graph: Graph) -> None:
    await graph.consent([NOT_AN_EXPORTER])
    answer = await graph.query(PROFILE, {"c": NOT_AN_EXPORTER})
    firm = answer["data"]["enterprise"]
    assert firm["customs"] is None and "errors" not in answer
    assert "customs" not in firm["indicators"]["sourcesUsed"]


async def test_customs_needs_its_scope_and_the_enterprises_consent(graph: Graph) -> None:
    await graph.consent([STEADY], sources=["tax"])
    query = "query ($c: ID!) { enterprise(creditCode: $c) { customs { fobUsd } tax { grade } } }"
    no_consent = await graph.query(query, {"c": STEADY})
    assert no_consent["data"]["enterprise"]["customs"] is None
    assert codes_of(no_consent) == ["NO_CONSENT"]
    token = await graph.token_with(frozenset({"registry:read", "tax:read"}))
    forbidden = await graph.query(query, {"c": STEADY}, token=token)
    assert codes_of(forbidden) == ["FORBIDDEN"]
    assert forbidden["errors"][0]["extensions"]["scope"] == "customs:read"
