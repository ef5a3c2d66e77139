"""Monitoring over HTTP on a small universe written into the tables: a regulator's and a bank's answers,
suppression, the sums county → city → province, CORE_OVERFINANCED, coreExposure, and a regulator kept
to aggregates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from auth.clients import register_client
from auth.principal import TenantKind
from tests.monitoring.universe import Universe, build, finance, report_overdue, write_snapshots
from tests.schema.conftest import TENANT, Graph

CELLS = """
query ($groupBy: [MonitoringDimension!]!, $filter: MonitoringFilter, $period: String) {
  monitoring(groupBy: $groupBy, filter: $filter, period: $period) {
    threshold minimumFirms
    cells {
      key { province city county industry coreEnterprise }
      suppressed firms firmsWithConsent financedFirms financedYuan overdueYuan confirmedReceivablesYuan
      financedByProduct { product amountYuan }
      financedToConfirmed flags
      own { financedFirms financedYuan overdueYuan firmsWithConsent financedByProduct { product amountYuan } }
    }
    electricityIndex { industry period index }
  }
}"""
EXPOSURE = """
query ($code: ID!) {
  coreExposure(creditCode: $code) {
    creditCode confirmedYuan financedYuan ownFinancedYuan lenders financedToConfirmed flags
  }
}"""
ADDITIVE = (
    "firms",
    "firmsWithConsent",
    "financedFirms",
    "financedYuan",
    "overdueYuan",
    "confirmedReceivablesYuan",
)


async def token_of(graph: Graph, tenant: str, scopes: set[str], kind: TenantKind | None = None) -> str:
    issued = await register_client(
        sessions=graph.services.sessions, tenant_id=tenant, scopes=frozenset(scopes), kind=kind
    )
    answer = await graph.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(issued.client_id, issued.client_secret),
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


@pytest.fixture
async def universe(graph: Graph) -> Universe:
    """Financings of bank-a (the graph's tenant), bank-b and bank-c; bank-b reports one loan overdue."""
    built = build()
    sessions = graph.services.sessions
    await write_snapshots(sessions, built)
    suppliers = built.suppliers
    for number, code in enumerate(suppliers):
        await finance(sessions, ("bank-a", "bank-b", "bank-c")[number % 3], code, built.core, 9000 + number)
    await finance(sessions, "bank-b", suppliers[0], built.core, 999, status="RELEASED")
    await report_overdue(sessions, "bank-b", suppliers[1], 1234)
    await graph.consent(suppliers[:4], ["registry"])
    return built


async def monitoring(graph: Graph, token: str, **variables: Any) -> dict[str, Any]:
    answer = await graph.query(CELLS, variables, token=token)
    assert "errors" not in answer, answer["errors"]
    result: dict[str, Any] = answer["data"]["monitoring"]
    return result


def _sum(cells: list[dict[str, Any]], measure: str) -> Decimal:
    return sum((Decimal(str(cell[measure])) for cell in cells), Decimal(0))


async def test_a_regulator_sees_every_tenant_and_small_cells_are_suppressed(
    graph: Graph, universe: Universe
) -> None:
    token = await token_of(graph, "pboc", {"monitoring:read"}, kind="regulator")
    answer = await monitoring(graph, token, groupBy=["COUNTY"])
    counties = {cell["key"]["county"]: cell for cell in answer["cells"]}
    assert counties["北仑区"]["suppressed"] and counties["北仑区"]["firms"] is None  # 3 firms
    assert counties["海曙区"]["suppressed"]  # its city's only other county: else 宁波市 − 海曙区 = 北仑区
    assert not counties["上城区"]["suppressed"] and counties["上城区"]["firms"] == 6
    assert all(cell["own"] is None for cell in answer["cells"])
    [province] = (await monitoring(graph, token, groupBy=["PROVINCE"]))["cells"]
    suppliers = universe.suppliers
    assert Decimal(province["financedYuan"]) == sum(Decimal(9000 + n) for n in range(len(suppliers)))
    assert Decimal(province["overdueYuan"]) == Decimal(1234)
    assert province["firms"] == 21 and province["firmsWithConsent"] == 4
    assert Decimal(province["confirmedReceivablesYuan"]) == 10000 * len(suppliers)
    assert province["financedByProduct"] == [
        {"product": "receivable-loan", "amountYuan": province["financedYuan"]}
    ]
    index = [point for point in answer["electricityIndex"] if point["industry"] == "纺织业"]
    assert [point["index"] for point in index] == [100.0, 110.0, 120.0]
    rebased = await monitoring(graph, token, groupBy=["COUNTY"], period="2026-02")
    assert [p["index"] for p in rebased["electricityIndex"] if p["industry"] == "纺织业"][1] == 100.0


async def test_counties_sum_to_their_city_and_cities_to_the_province(
    graph: Graph, universe: Universe
) -> None:
    token = await token_of(graph, "pboc", {"monitoring:read"}, kind="regulator")
    counties = (await monitoring(graph, token, groupBy=["COUNTY"]))["cells"]
    cities = (await monitoring(graph, token, groupBy=["CITY"]))["cells"]
    [province] = (await monitoring(graph, token, groupBy=["PROVINCE"]))["cells"]
    hangzhou = [cell for cell in counties if cell["key"]["city"] == "杭州市"]
    assert not any(cell["suppressed"] for cell in hangzhou)
    [hangzhou_city] = [cell for cell in cities if cell["key"]["city"] == "杭州市"]
    for measure in ADDITIVE:
        assert _sum(hangzhou, measure) == Decimal(str(hangzhou_city[measure])), measure
        assert _sum(cities, measure) == Decimal(str(province[measure])), measure


async def test_core_overfinanced_and_the_exposure(graph: Graph, universe: Universe) -> None:
    token = await token_of(graph, "pboc", {"monitoring:read"}, kind="regulator")
    answer = await monitoring(graph, token, groupBy=["CORE_ENTERPRISE"])
    [core] = [cell for cell in answer["cells"] if cell["key"]["coreEnterprise"] == universe.core]
    assert core["financedToConfirmed"] > answer["threshold"] == 0.8
    assert core["flags"] == ["CORE_OVERFINANCED"]
    exposure = (await graph.query(EXPOSURE, {"code": universe.core}, token=token))["data"]["coreExposure"]
    assert exposure["lenders"] == 3 and exposure["flags"] == ["CORE_OVERFINANCED"]
    assert Decimal(exposure["confirmedYuan"]) == 10000 * len(universe.suppliers)
    assert exposure["financedYuan"] == core["financedYuan"] and exposure["ownFinancedYuan"] is None
    refused = await graph.query(EXPOSURE, {"code": universe.suppliers[0]}, token=token)
    assert refused["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_bank_sees_its_own_figures_and_anonymised_totals(graph: Graph, universe: Universe) -> None:
    token = await token_of(graph, TENANT, {"monitoring:read"})
    response = await graph.post(CELLS, {"groupBy": ["CITY"]}, token=token)
    answer = response.json()["data"]["monitoring"]
    [hangzhou] = [cell for cell in answer["cells"] if cell["key"]["city"] == "杭州市"]
    own = [9000 + n for n, _ in enumerate(universe.suppliers) if n % 3 == 0]
    everyone = await monitoring(
        graph, await token_of(graph, "pboc", {"monitoring:read"}, kind="regulator"), groupBy=["PROVINCE"]
    )
    [province] = (await monitoring(graph, token, groupBy=["PROVINCE"]))["cells"]
    assert Decimal(province["own"]["financedYuan"]) == sum(Decimal(amount) for amount in own)
    assert province["financedYuan"] == everyone["cells"][0]["financedYuan"]
    assert province["own"]["overdueYuan"] == "0.00" and province["own"]["firmsWithConsent"] == 4
    assert hangzhou["own"] is not None
    exposure = (await graph.query(EXPOSURE, {"code": universe.core}, token=token))["data"]["coreExposure"]
    assert exposure["lenders"] == 3 and Decimal(exposure["ownFinancedYuan"]) == sum(Decimal(a) for a in own)


async def test_a_bank_never_learns_another_tenants_identity_or_amount(
    graph: Graph, universe: Universe
) -> None:
    sessions = graph.services.sessions
    lone = build()
    # Only bank-a and bank-b finance against a second core: bank-a's totals there would be bank-b's.
    other_core = universe.other_core
    await finance(sessions, "bank-b", universe.firms["330203"][1], other_core, 50_017)
    await finance(sessions, "bank-a", universe.firms["330203"][2], other_core, 40_013)
    token = await token_of(graph, TENANT, {"monitoring:read", "financing:write"})
    texts = []
    for group_by in (
        ["PROVINCE"],
        ["CITY"],
        ["COUNTY"],
        ["INDUSTRY"],
        ["CORE_ENTERPRISE"],
        ["CITY", "INDUSTRY"],
    ):
        response = await graph.post(CELLS, {"groupBy": group_by}, token=token)
        texts.append(response.text)
        for cell in response.json()["data"]["monitoring"]["cells"]:
            assert cell["suppressed"] or cell["financedYuan"] is not None
    exposure = await graph.post(EXPOSURE, {"code": universe.core}, token=token)
    texts.append(exposure.text)
    for text in texts:
        assert "bank-b" not in text and "bank-c" not in text and "50017" not in text and "90030" not in text
        for code in universe.suppliers + lone.suppliers:
            assert code not in text  # never a non-core firm's code


async def test_a_regulator_is_refused_everything_but_aggregates(graph: Graph, universe: Universe) -> None:
    token = await token_of(graph, "pboc", {"monitoring:read"}, kind="regulator")
    code = universe.suppliers[0]
    for query in (
        "query ($code: ID!) { enterprise(creditCode: $code) { name } }",
        "query ($code: ID!) { ...F } fragment F on Query { enterprise(creditCode: $code) { name } }",
        "query ($code: ID!) { monitoring(groupBy: [CITY]) { threshold }"
        " enterprise(creditCode: $code) { name } }",
    ):
        answer = await graph.query(query, {"code": code}, token=token)
        assert "data" not in answer or answer["data"] is None
        [error] = answer["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert "regulators see aggregates only" in error["message"]
    consents = await graph.query("{ consents { totalCount } }", token=token)
    assert consents["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "BAD_REQUEST")
    typename = await graph.query("{ __typename monitoring(groupBy: [PROVINCE]) { threshold } }", token=token)
    assert typename["data"]["monitoring"]["threshold"] == 0.8


async def test_a_bank_without_the_scope_is_forbidden(graph: Graph, universe: Universe) -> None:
    token = await token_of(graph, TENANT, {"registry:read"})
    answer = await graph.query(CELLS, {"groupBy": ["CITY"]}, token=token)
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    exposure = await graph.query(EXPOSURE, {"code": universe.core}, token=token)
    assert exposure["errors"][0]["extensions"]["code"] == "FORBIDDEN"
