"""The facts lending rules read, over HTTP on the sandbox's fixture firms: months in business, shareholders
and managers (masked, never hashed), the credit code's agreement with the legal form and its risk flag,
electricity accounts' holders and terms, tax payments and violations, receivables' issue dates and tenors."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from sandbox.control import SandboxControl
from sandbox.fixtures import fixture_code
from sandbox.universe import build_universe
from tests.sandbox.clients import REGISTRY_HEADERS
from tests.schema.conftest import Graph

REGISTRY = """query ($c: ID!) { enterprise(creditCode: $c) {
  monthsInBusiness
  registration { legalForm creditCodeAgrees }
  shareholders { kind name creditCode shareRatio }
  seniorManagers { name role idNumberMasked }
  indicators { sourcesUsed riskFlags figures { name source value } }
} }"""
ELECTRICITY = """query ($c: ID!) { enterprise(creditCode: $c) {
  electricity { accounts { holderName paymentMethod contractedCapacityKva supplyStatus openedOn } }
} }"""
TAX = """query ($c: ID!) { enterprise(creditCode: $c) {
  tax(years: 2) { years { year taxPaidYuan vatPaidYuan citPaidYuan }
                  payments { paidOn taxType amountYuan } violations { caseNo decidedOn kind penaltyYuan } }
} }"""
RECEIVABLES = """query ($c: ID!) { enterprise(creditCode: $c) {
  trade { receivables(first: 100) { nodes { receivableNo issuedOn dueOn tenorDays confirmed settled } } }
} }"""


def code(name: str) -> str:
    return fixture_code(build_universe(), name)


def registry_document(sandbox: SandboxControl, credit_code: str) -> dict[str, Any]:
    url = f"{sandbox.urls['registry']}/v1/enterprises/{credit_code}"
    document: dict[str, Any] = httpx.get(url, headers=REGISTRY_HEADERS).json()
    return document


async def test_months_in_business_owners_and_managers_masked(graph: Graph, sandbox: SandboxControl) -> None:
    young, cooperative = code("young-firm"), code("cooperative")
    await graph.consent([young, cooperative])
    firm = (await graph.query(REGISTRY, {"c": young}))["data"]["enterprise"]
    # founded 2025-09-01, as of the sandbox's 2026-10-31 (both days counted)
    assert firm["monthsInBusiness"] == 14
    answer = await graph.query(REGISTRY, {"c": cooperative})
    firm = answer["data"]["enterprise"]
    assert "errors" not in answer
    holders = firm["shareholders"]
    assert holders and all(holder["kind"] == "PERSON" and "*" in holder["name"] for holder in holders)
    assert sum(Decimal(holder["shareRatio"]) for holder in holders) == 1
    ratios = [Decimal(holder["shareRatio"]) for holder in holders]
    assert ratios == sorted(ratios, reverse=True)
    assert {manager["role"] for manager in firm["seniorManagers"]} == {"chairman", "supervisor"}
    assert all(
        "*" in manager["name"] and "*" in manager["idNumberMasked"] for manager in firm["seniorManagers"]
    )
    served = json.dumps(answer, ensure_ascii=False)
    document = registry_document(sandbox, cooperative)
    assert "hmac-sha256" not in served
    for person in [*document["shareholders"], *document["seniorManagers"]]:
        assert person["idNumber"] not in served


async def test_an_enterprise_shareholder_is_named_with_its_code(
    graph: Graph, sandbox: SandboxControl
) -> None:
    core = sandbox.credit_codes(limit=1, core=True)[0]
    document = registry_document(sandbox, core)
    enterprises = [holder for holder in document["shareholders"] if holder["kind"] == "enterprise"]
    firm = (await graph.query(REGISTRY, {"c": core}))["data"]["enterprise"]
    served = [holder for holder in firm["shareholders"] if holder["kind"] == "ENTERPRISE"]
    assert [(holder["name"], holder["creditCode"]) for holder in served] == [
        (holder["name"], holder["creditCode"]) for holder in enterprises
    ]


async def test_a_code_of_the_wrong_kind_is_flagged(graph: Graph) -> None:
    mismatch, cooperative = code("code-mismatch"), code("cooperative")
    await graph.consent([mismatch, cooperative])
    flagged = (await graph.query(REGISTRY, {"c": mismatch}))["data"]["enterprise"]
    assert flagged["registration"] == {"legalForm": "limited_liability_company", "creditCodeAgrees": False}
    assert "CREDIT_CODE_LEGAL_FORM_MISMATCH" in flagged["indicators"]["riskFlags"]
    assert "registry" in flagged["indicators"]["sourcesUsed"]
    figures = {figure["name"]: figure for figure in flagged["indicators"]["figures"]}
    assert figures["credit_code_agrees"] == {
        "name": "credit_code_agrees",
        "source": "registry",
        "value": "false",
    }
    fine = (await graph.query(REGISTRY, {"c": cooperative}))["data"]["enterprise"]
    assert fine["registration"] == {"legalForm": "farmers_cooperative", "creditCodeAgrees": True}
    assert "CREDIT_CODE_LEGAL_FORM_MISMATCH" not in fine["indicators"]["riskFlags"]


async def test_registry_facts_need_registry_read(graph: Graph) -> None:
    young = code("young-firm")
    token = await graph.token_with(frozenset({"tax:read"}))
    answer = await graph.query(
        REGISTRY.replace("sourcesUsed", "sourcesUsed sourcesWithheld"), {"c": young}, token=token
    )
    firm = answer["data"]["enterprise"]
    assert (
        firm["monthsInBusiness"] is None and firm["shareholders"] is None and firm["seniorManagers"] is None
    )
    forbidden = {
        error["path"][-1] for error in answer["errors"] if error["extensions"]["code"] == "FORBIDDEN"
    }
    assert {"monthsInBusiness", "shareholders", "seniorManagers", "registration"} <= forbidden
    assert "registry" in firm["indicators"]["sourcesWithheld"]


async def test_electricity_accounts_holder_and_terms(graph: Graph, sandbox: SandboxControl) -> None:
    names = (
        "electricity-eligible",
        "electricity-holder-mismatch",
        "electricity-suspended",
        "electricity-cash",
    )
    eligible, mismatch, suspended, cash = (code(name) for name in names)
    await graph.consent([eligible, mismatch, suspended, cash])

    async def account(credit_code: str) -> dict[str, Any]:
        answer = await graph.query(ELECTRICITY, {"c": credit_code})
        assert "hmac-sha256" not in json.dumps(answer)
        (only,) = answer["data"]["enterprise"]["electricity"]["accounts"]
        return dict(only)

    first = await account(eligible)
    assert first["holderName"] == registry_document(sandbox, eligible)["name"]
    assert (first["paymentMethod"], first["supplyStatus"]) == ("AUTO_DEBIT", "NORMAL")
    assert Decimal(first["contractedCapacityKva"]) > 0
    held = await account(mismatch)
    assert held["holderName"][1:] == "*" * (len(held["holderName"]) - 1)
    assert (await account(suspended))["supplyStatus"] == "SUSPENDED"
    assert (await account(cash))["paymentMethod"] == "CASH"


async def test_tax_payments_violations_and_the_vat_cit_split(graph: Graph) -> None:
    penalised = code("tax-violation")
    await graph.consent([penalised])
    tax = (await graph.query(TAX, {"c": penalised}))["data"]["enterprise"]["tax"]
    assert [year["year"] for year in tax["years"]] == [2024, 2025]
    for year in tax["years"]:
        assert Decimal(year["vatPaidYuan"]) + Decimal(year["citPaidYuan"]) <= Decimal(year["taxPaidYuan"])
    days = [payment["paidOn"] for payment in tax["payments"]]
    assert days == sorted(days) and days[0] >= "2024-11-01" and days[-1] <= "2026-10-31"
    assert {payment["taxType"] for payment in tax["payments"]} == {"VAT", "CIT", "OTHER"}
    (violation,) = tax["violations"]
    assert violation["decidedOn"] == "2025-12-08" and violation["kind"] == "late_payment"
    assert Decimal(violation["penaltyYuan"]) > 0 and violation["caseNo"]


async def test_receivables_issue_dates_and_tenors(graph: Graph) -> None:
    supplier = code("receivable-supplier")
    await graph.consent([supplier])
    nodes = (await graph.query(RECEIVABLES, {"c": supplier}))["data"]["enterprise"]["trade"]["receivables"][
        "nodes"
    ]
    assert nodes and all(node["issuedOn"] <= node["dueOn"] for node in nodes)
    tenors = sorted(node["tenorDays"] for node in nodes)
    assert tenors[0] >= 30 and tenors[-1] > 365 and any(183 < tenor <= 365 for tenor in tenors)
