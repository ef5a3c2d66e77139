"""Profile queries over HTTP on sandbox data, checked against the sandbox's own payloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from defusedxml import ElementTree

from foundation.credit_code import region_of
from sandbox.control import SandboxControl
from schema.sources import indicator_sources
from tests.sandbox.clients import electricity_token, tax_get, trade_get
from tests.schema.conftest import Graph

PROFILE = """
query Profile($code: ID!) {
  enterprise(creditCode: $code) {
    creditCode name industry
    region { divisionCode province city county }
    registration { legalForm registeredCapitalYuan foundedOn isCore
                   legalRepresentative { name idNumberMasked phoneMasked } freshness { source stale } }
    electricity(months: 12) {
      freshness { source stale fetchedAt contentHash }
      months { month kwh billYuan arrearsYuan }
      averageMonthlyKwh onTimePaymentRate arrearsYuan
    }
    tax(years: 3) { grade overdueFilings years { year taxPaidYuan invoicedSalesYuan } }
    logistics(months: 12) { shipments waybills(first: 5) { totalCount edges { cursor node { waybillNo } } } }
    trade(months: 12) { gmvYuan orders(first: 3) { totalCount } receivables(first: 100) { totalCount } }
    indicators { sourcesUsed sourcesWithheld sourcesUnavailable riskFlags }
  }
}
"""


def sandbox_kwh_by_month(sandbox: SandboxControl, code: str) -> dict[str, Decimal]:
    """The grid company's own monthly kWh over the firm's accounts, Nov 2025 to Oct 2026."""
    base = sandbox.urls["electricity"]
    headers = {"Authorization": f"Bearer {electricity_token(base)}"}
    accounts = sandbox_get(
        sandbox, "electricity", "/api/v2/accounts", params={"creditCode": code}, headers=headers
    )
    totals: dict[str, Decimal] = {}
    for account in accounts.json()["accounts"]:
        consumption = sandbox_get(
            sandbox,
            "electricity",
            f"/api/v2/accounts/{account['accountNo']}/consumption",
            params={"from": "2025-11", "to": "2026-10", "page": 1, "pageSize": 12},
            headers=headers,
        ).json()
        for item in consumption["items"]:
            totals[item["month"]] = totals.get(item["month"], Decimal(0)) + Decimal(item["kwh"])
    return totals


def sandbox_receivables(sandbox: SandboxControl, code: str) -> list[dict[str, Any]]:
    receivables: list[dict[str, Any]] = []
    page, pages = 1, 1
    while page <= pages:
        params = {"company": code, "page": str(page), "page_size": "100"}
        answer = trade_get(sandbox.urls["trade"], "/open/v1/receivables", params).json()
        receivables += answer["receivables"]
        pages = answer["total_pages"]
        page += 1
    return receivables


def sandbox_get(sandbox: SandboxControl, provider: str, path: str, **options: Any) -> httpx.Response:
    response = httpx.get(f"{sandbox.urls[provider]}{path}", timeout=10, **options)
    response.raise_for_status()
    return response


async def test_a_full_profile_matches_the_sandbox(graph: Graph, sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=3)[1]
    await graph.consent([code])

    answer = await graph.query(PROFILE, {"code": code})

    assert "errors" not in answer, answer
    firm = answer["data"]["enterprise"]
    registry = sandbox_get(
        sandbox, "registry", f"/v1/enterprises/{code}", headers={"X-API-Key": "sandbox-registry-key"}
    ).json()
    assert firm["creditCode"] == code
    assert firm["name"] == registry["name"]
    assert firm["industry"] == registry["industry"]
    assert firm["region"]["divisionCode"] == region_of(code).division_code
    assert firm["region"]["province"] == "浙江省"
    registration = firm["registration"]
    assert Decimal(registration["registeredCapitalYuan"]) == Decimal(registry["registeredCapital"])
    person = registration["legalRepresentative"]
    assert (
        person["idNumberMasked"]
        == registry["legalRepresentative"]["idNumber"][:6]
        + "********"
        + (registry["legalRepresentative"]["idNumber"][-4:])
    )
    assert registry["legalRepresentative"]["phone"] not in str(answer)
    assert registry["legalRepresentative"]["idNumber"] not in str(answer)

    electricity = firm["electricity"]
    assert electricity["freshness"]["source"] == "electricity"
    assert electricity["freshness"]["stale"] is False
    assert len(electricity["months"]) == 12
    assert electricity["months"][-1]["month"] == "2026-10-01"
    kwh = sandbox_kwh_by_month(sandbox, code)
    assert {month["month"][:7]: Decimal(month["kwh"]) for month in electricity["months"]} == kwh
    assert Decimal(electricity["averageMonthlyKwh"]) == (sum(kwh.values(), Decimal(0)) / 12).quantize(
        Decimal("0.1")
    )

    tax_path = f"/api/tax/v1/taxpayers/{code}/profile"
    tax_xml = ElementTree.fromstring(tax_get(sandbox.urls["tax"], tax_path, {"years": "3"}).content)
    assert firm["tax"]["grade"] == tax_xml.findtext("CreditGrade")
    assert firm["tax"]["overdueFilings"] == int(tax_xml.findtext("OverdueFilings") or "-1")
    sandbox_years = {
        int(year.get("value") or "0"): Decimal(year.findtext("TaxPaid") or "NaN")
        for year in tax_xml.iter("Year")
    }
    assert {year["year"]: Decimal(year["taxPaidYuan"]) for year in firm["tax"]["years"]} == sandbox_years

    assert firm["trade"]["receivables"]["totalCount"] == len(sandbox_receivables(sandbox, code))
    assert firm["logistics"]["waybills"]["totalCount"] == firm["logistics"]["shipments"]
    assert len(firm["logistics"]["waybills"]["edges"]) == min(5, firm["logistics"]["shipments"])
    # Every contributing source that knows the firm (not every firm exports).
    knowing = [
        source for source in indicator_sources() if code in sandbox.credit_codes(10_000, provider=source)
    ]
    assert firm["indicators"]["sourcesUsed"] == knowing
