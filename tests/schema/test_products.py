"""Lending products over HTTP: publish and list versions, assess and replay, batches, what-ifs, scopes, audit.

The acceptance cases of each template with the sandbox's fixture firms are in test_product_templates.py.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from auth.principal import ALL_SCOPES
from foundation.storage.models import Assessment as AssessmentRow
from foundation.storage.models import AuditRecord, Snapshot
from hub.products.templates import templates
from sandbox.control import SandboxControl
from tests.schema.conftest import Graph

PUBLISH = """
mutation ($input: PublishProductInput!) {
  publishProduct(input: $input) { key version name kind documentHash facts sources parameters publishedBy }
}"""
PRODUCTS = "{ products { key name kind latestVersion versions { version documentHash } } }"
ASSESS = """
mutation ($code: ID!, $product: ID!, $version: Int) {
  assess(creditCode: $code, product: $product, version: $version) {
    id creditCode product productVersion decision score rating creditLineYuan reasonCount evaluatedAt
    reasons { code message inputs threshold }
    trace { node kind rule description inputs result }
    inputHashes { source creditCode status contentHash fetchedAt }
    facts { name value sources contentHashes }
  }
}"""
ASSESSMENTS = """
mutation ($codes: [ID!]!, $product: ID!) {
  assessments(creditCodes: $codes, product: $product) { id creditCode decision reasons { code } }
}"""
REPLAY = """
query ($id: ID!) {
  assessment(id: $id) {
    id creditCode product productVersion decision score rating creditLineYuan reasonCount evaluatedAt
    reasons { code message inputs threshold }
    trace { node kind rule description inputs result }
    inputHashes { source creditCode status contentHash fetchedAt }
    facts { name value sources contentHashes }
    replayed
  }
}"""
SIMULATE = """
query ($product: ID!, $versions: [Int!]!, $population: PopulationInput!) {
  simulateProduct(product: $product, versions: $versions, population: $population) {
    population flipCount
    versions { version totalCreditLineYuan counts { eligible ineligible refer } }
    flips { creditCode fromVersion toVersion fromDecision toDecision reasonsAdded reasonsRemoved }
  }
}"""


def _input(key: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
    template = templates()[key]
    return {
        "key": key,
        "name": template.name,
        "kind": template.kind,
        "document": document or template.document,
    }


async def _publish(graph: Graph, key: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = await graph.query(PUBLISH, {"input": _input(key, document)})
    assert "errors" not in answer, answer["errors"]
    published: dict[str, Any] = answer["data"]["publishProduct"]
    return published


async def _assess(graph: Graph, code: str, product: str, version: int | None = None) -> dict[str, Any]:
    answer = await graph.query(ASSESS, {"code": code, "product": product, "version": version})
    assert "errors" not in answer, answer["errors"]
    assessed: dict[str, Any] = answer["data"]["assess"]
    return assessed


def _stricter(key: str, **parameters: Any) -> dict[str, Any]:
    document = copy.deepcopy(templates()[key].document)
    document["parameters"].update(parameters)
    return document


async def _audit_rows(graph: Graph, event: str) -> list[AuditRecord]:
    async with graph.services.sessions() as session:
        rows = (await session.scalars(select(AuditRecord).where(AuditRecord.event == event))).all()
    return list(rows)


async def test_publishing_creates_versions_and_lists_them(graph: Graph) -> None:
    first = await _publish(graph, "tax-loan")
    second = await _publish(graph, "tax-loan", _stricter("tax-loan", minTaxPaid12mYuan=50000))
    assert (first["version"], second["version"]) == (1, 2)
    assert first["sources"] == ["registry", "tax"]
    assert "tax.grade" in first["facts"]
    assert second["parameters"]["minTaxPaid12mYuan"] == 50000
    assert first["documentHash"] != second["documentHash"]
    answer = await graph.query(PRODUCTS)
    assert answer["data"]["products"] == [
        {
            "key": "tax-loan",
            "name": templates()["tax-loan"].name,
            "kind": "TAX",
            "latestVersion": 2,
            "versions": [
                {"version": 1, "documentHash": first["documentHash"]},
                {"version": 2, "documentHash": second["documentHash"]},
            ],
        }
    ]
    rows = await _audit_rows(graph, "product_published")
    assert [row.outcome for row in rows] == ["tax-loan v1", "tax-loan v2"]


async def test_products_are_per_tenant(graph: Graph) -> None:
    await _publish(graph, "tax-loan")
    other = await graph.token_with(ALL_SCOPES, tenant="bank-b")
    answer = await graph.query(PRODUCTS, token=other)
    assert answer["data"]["products"] == []
    refused = await graph.query(ASSESS, {"code": "91330100MA27XL0K3Y", "product": "tax-loan"}, token=other)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_an_invalid_document_is_refused_naming_node_and_rule(graph: Graph) -> None:
    document = copy.deepcopy(templates()["electricity-loan"].document)
    knockouts = next(node for node in document["graph"]["nodes"] if node["name"] == "knock-outs")
    knockouts["content"]["inputs"][0]["field"] = "registry.monthsOpen"
    answer = await graph.query(PUBLISH, {"input": _input("electricity-loan", document)})
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "PRODUCT_INVALID"
    assert error["extensions"]["node"] == "knock-outs"
    assert error["extensions"]["name"] == "registry.monthsOpen"
    assert (await graph.query(PRODUCTS))["data"]["products"] == []  # nothing half-written


async def test_publishing_needs_products_write(graph: Graph) -> None:
    token = await graph.token_with(ALL_SCOPES - {"products:write"})
    answer = await graph.query(PUBLISH, {"input": _input("tax-loan")}, token=token)
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert answer["errors"][0]["extensions"]["scope"] == "products:write"


async def test_an_assessment_is_stored_audited_and_replays_identically(
    graph: Graph, sandbox: SandboxControl
) -> None:
    [code] = sandbox.credit_codes(limit=1)
    await graph.consent([code])
    await _publish(graph, "electricity-loan")
    made = await _assess(graph, code, "electricity-loan")
    assert made["decision"] in ("ELIGIBLE", "INELIGIBLE", "REFER")
    assert made["productVersion"] == 1
    assert {entry["source"] for entry in made["inputHashes"]} == {"registry", "electricity"}
    assert all(len(entry["contentHash"]) == 64 for entry in made["inputHashes"])
    assert any(step["node"] == "knock-outs" for step in made["trace"])
    hashes = {entry["source"]: entry["contentHash"] for entry in made["inputHashes"]}
    facts = {fact["name"]: fact for fact in made["facts"]}
    assert facts["registry.monthsInBusiness"]["contentHashes"] == [hashes["registry"]]
    assert facts["electricity.holderMatchesName"]["contentHashes"] == [
        hashes["electricity"],
        hashes["registry"],
    ]
    assert isinstance(facts["electricity.feesPaid24mYuan"]["value"], float | int)

    # A newer version and newer data change nothing of a replay.
    await _publish(graph, "electricity-loan", _stricter("electricity-loan", minFeesPaid24mYuan=10**9))
    sandbox.set_faults("electricity", down=True)
    replayed = (await graph.query(REPLAY, {"id": made["id"]}))["data"]["assessment"]
    assert replayed.pop("replayed") is True
    assert replayed == made

    rows = await _audit_rows(graph, "assessment")
    assert len(rows) == 1
    assert rows[0].credit_code == code
    assert rows[0].outcome == f"{made['id']} electricity-loan v1 {made['decision']}"
    assert rows[0].sources == "electricity,registry"
    data_rows = await _audit_rows(graph, "data_access")
    assert any(row.credit_code == code and "electricity" in row.sources for row in data_rows)


async def test_a_replay_whose_snapshot_is_gone_says_so(graph: Graph, sandbox: SandboxControl) -> None:
    [code] = sandbox.credit_codes(limit=1)
    await graph.consent([code])
    await _publish(graph, "electricity-loan")
    made = await _assess(graph, code, "electricity-loan")
    async with graph.services.sessions() as session, session.begin():
        await session.execute(delete(Snapshot).where(Snapshot.source == "electricity"))
    answer = await graph.query(REPLAY, {"id": made["id"]})
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "SNAPSHOT_EXPIRED"
    assert error["extensions"]["source"] == "electricity"


async def test_another_tenants_assessment_is_not_found(graph: Graph, sandbox: SandboxControl) -> None:
    [code] = sandbox.credit_codes(limit=1)
    await graph.consent([code])
    await _publish(graph, "tax-loan")
    made = await _assess(graph, code, "tax-loan")
    other = await graph.token_with(ALL_SCOPES, tenant="bank-b")
    answer = await graph.query(REPLAY, {"id": made["id"]}, token=other)
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_without_consent_the_decision_is_refer_and_nothing_is_read(
    graph: Graph, sandbox: SandboxControl
) -> None:
    [code] = sandbox.credit_codes(limit=1)
    await _publish(graph, "tax-loan")
    sandbox.reset_stats()
    made = await _assess(graph, code, "tax-loan")
    assert made["decision"] == "REFER"
    assert made["reasons"][0]["code"] == "DATA_WITHHELD"
    assert made["reasons"][0]["inputs"] == {"source": "tax"}
    assert made["creditLineYuan"] is None
    assert sum(sandbox.stats("tax")["requests"].values()) == 0
    assert {step["kind"] for step in made["trace"]} == {"data"}
    assert made["facts"] == []
    statuses = {entry["source"]: entry["status"] for entry in made["inputHashes"]}
    assert statuses == {"registry": "AVAILABLE", "tax": "WITHHELD"}


async def test_without_a_source_scope_the_decision_is_refer(graph: Graph, sandbox: SandboxControl) -> None:
    [code] = sandbox.credit_codes(limit=1)
    await graph.consent([code])
    await _publish(graph, "tax-loan")
    token = await graph.token_with(ALL_SCOPES - {"tax:read"})
    answer = await graph.query(ASSESS, {"code": code, "product": "tax-loan"}, token=token)
    made = answer["data"]["assess"]
    assert made["decision"] == "REFER"
    assert [reason["code"] for reason in made["reasons"]] == ["DATA_WITHHELD"]


async def test_data_older_than_the_product_allows_is_refer_data_stale(
    graph: Graph, sandbox: SandboxControl
) -> None:
    [code] = sandbox.credit_codes(limit=1)
    await graph.consent([code])
    await _publish(graph, "electricity-loan")
    later = datetime.now(UTC) + timedelta(days=50, hours=1)
    graph.services.products.clock = lambda: later
    made = await _assess(graph, code, "electricity-loan")
    assert made["decision"] == "REFER"
    stale = [reason for reason in made["reasons"] if reason["code"] == "DATA_STALE"]
    assert stale[0]["inputs"] == {"source": "electricity", "ageDays": 50}
    assert stale[0]["threshold"] == {"maxAgeDays": 45}


async def test_a_batch_reads_each_source_and_firm_once(graph: Graph, sandbox: SandboxControl) -> None:
    codes = sandbox.credit_codes(limit=100)
    await graph.consent(codes)
    await _publish(graph, "electricity-loan")
    sandbox.reset_stats()
    answer = await graph.query(ASSESSMENTS, {"codes": codes, "product": "electricity-loan"})
    assert "errors" not in answer, answer["errors"][:2]
    made = answer["data"]["assessments"]
    assert [entry["creditCode"] for entry in made] == codes
    assert sandbox.stats("registry")["total"] == 100
    assert sandbox.stats("electricity")["requests"].get("/api/v2/accounts", 0) == 100
    async with graph.services.sessions() as session:
        stored = await session.scalar(select(func.count()).select_from(AssessmentRow))
    assert stored == 100
    assert len(await _audit_rows(graph, "assessment")) == 100


async def test_a_batch_over_the_limit_is_refused(graph: Graph) -> None:
    codes = [f"9133010{index:010d}X" for index in range(101)]
    answer = await graph.query(ASSESSMENTS, {"codes": codes, "product": "tax-loan"})
    assert answer["errors"][0]["extensions"]["code"] in ("BAD_REQUEST", "QUERY_TOO_COMPLEX")


async def test_simulation_counts_decisions_and_lists_flips_without_storing(
    graph: Graph, sandbox: SandboxControl
) -> None:
    codes = sandbox.credit_codes(limit=40)
    await graph.consent(codes)
    await _publish(graph, "logistics-loan")
    await _publish(
        graph, "logistics-loan", _stricter("logistics-loan", minConsignees12m=1, minActiveMonths12=1)
    )
    answer = await graph.query(
        SIMULATE, {"product": "logistics-loan", "versions": [1, 2], "population": {"creditCodes": codes}}
    )
    assert "errors" not in answer, answer["errors"]
    simulation = answer["data"]["simulateProduct"]
    assert simulation["population"] == 40
    first, second = simulation["versions"]
    assert sum(first["counts"].values()) == sum(second["counts"].values()) == 40
    assert second["counts"]["eligible"] >= first["counts"]["eligible"]
    assert simulation["flipCount"] == len(simulation["flips"])
    assert simulation["flipCount"] == second["counts"]["eligible"] - first["counts"]["eligible"]
    for flip in simulation["flips"]:
        assert (flip["fromDecision"], flip["toDecision"]) == ("INELIGIBLE", "ELIGIBLE")
        assert flip["reasonsRemoved"]
    async with graph.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AssessmentRow)) == 0
    rows = await _audit_rows(graph, "product_simulated")
    assert len(rows) == 1
    assert "over 40 firms" in rows[0].outcome
    assert await _audit_rows(graph, "data_access") == []


async def test_simulation_by_region_and_its_population_errors(graph: Graph, sandbox: SandboxControl) -> None:
    codes = sandbox.credit_codes(limit=30)
    await graph.consent(codes)
    await _publish(graph, "tax-loan")
    await graph.query("query ($c: [ID!]!) { enterprises(creditCodes: $c) { name } }", {"c": codes})
    await graph.services.sources.flush_snapshots()
    region = codes[0][2:6]
    answer = await graph.query(
        SIMULATE, {"product": "tax-loan", "versions": [1], "population": {"region": region}}
    )
    assert "errors" not in answer, answer["errors"]
    expected = sum(1 for code in codes if code[2:6] == region)
    assert answer["data"]["simulateProduct"]["population"] == expected
    both = await graph.query(
        SIMULATE, {"product": "tax-loan", "versions": [1], "population": {"region": "33", "industry": "C17"}}
    )
    assert both["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    bad = await graph.query(
        SIMULATE, {"product": "tax-loan", "versions": [1], "population": {"region": "3x"}}
    )
    assert bad["errors"][0]["extensions"]["argument"] == "region"


async def test_templates_and_facts_are_listed(graph: Graph) -> None:
    answer = await graph.query(
        "{ productTemplates { key kind description }"
        " productFacts { name type sources nullable items { name } } }"
    )
    keys = [template["key"] for template in answer["data"]["productTemplates"]]
    assert keys == ["electricity-loan", "logistics-loan", "receivable-loan", "tax-loan"]
    facts = {fact["name"]: fact for fact in answer["data"]["productFacts"]}
    assert facts["electricity.feesPaid24mYuan"]["type"] == "MONEY"
    assert facts["electricity.holderMatchesName"]["sources"] == ["electricity", "registry"]
    assert "tenorDays" in [item["name"] for item in facts["trade.receivables"]["items"]]


async def test_simulation_by_industry_and_by_supply_chain(graph: Graph, sandbox: SandboxControl) -> None:
    codes = sandbox.credit_codes(limit=60)
    [core] = sandbox.credit_codes(limit=1, core=True)
    await graph.consent([*codes, core])
    await _publish(graph, "tax-loan")
    profiles = await graph.query(
        "query ($c: [ID!]!) { enterprises(creditCodes: $c) { creditCode industry } }", {"c": codes}
    )
    await graph.services.sources.flush_snapshots()
    industries = {firm["creditCode"]: firm["industry"] for firm in profiles["data"]["enterprises"]}
    chosen = industries[codes[0]]
    answer = await graph.query(
        SIMULATE, {"product": "tax-loan", "versions": [1], "population": {"industry": chosen}}
    )
    assert "errors" not in answer, answer["errors"]
    assert answer["data"]["simulateProduct"]["population"] == sum(
        1 for i in industries.values() if i == chosen
    )

    chain = await graph.query(
        "query ($c: ID!) { supplyChain(coreCreditCode: $c) {"
        " suppliers { creditCode } distributors { creditCode } } }",
        {"c": core},
    )
    links = chain["data"]["supplyChain"]
    expected = {link["creditCode"] for link in links["suppliers"] + links["distributors"]}
    answer = await graph.query(
        SIMULATE, {"product": "tax-loan", "versions": [1], "population": {"supplyChainOf": core}}
    )
    assert "errors" not in answer, answer["errors"]
    assert answer["data"]["simulateProduct"]["population"] == len(expected) > 0


async def test_a_supply_chain_population_needs_the_cores_consent(
    graph: Graph, sandbox: SandboxControl
) -> None:
    [core] = sandbox.credit_codes(limit=1, core=True)
    await _publish(graph, "tax-loan")
    answer = await graph.query(
        SIMULATE, {"product": "tax-loan", "versions": [1], "population": {"supplyChainOf": core}}
    )
    assert answer["errors"][0]["extensions"]["code"] == "NO_CONSENT"
    too_many = await graph.query(
        SIMULATE, {"product": "tax-loan", "versions": [1, 2, 3, 4, 5, 6], "population": {"region": "33"}}
    )
    assert too_many["errors"][0]["extensions"]["argument"] == "versions"


async def test_the_trace_is_made_when_asked_for_also_through_fragments(
    graph: Graph, sandbox: SandboxControl
) -> None:
    [code] = sandbox.credit_codes(limit=1)
    await graph.consent([code])
    await _publish(graph, "tax-loan")
    variables = {"code": code, "product": "tax-loan"}
    plain = await graph.query(
        "mutation ($code: ID!, $product: ID!) { assess(creditCode: $code, product: $product) { decision } }",
        variables,
    )
    assert plain["data"]["assess"]["decision"]
    fragment = """
    fragment Why on Assessment { trace { node rule result } }
    mutation ($code: ID!, $product: ID!) {
      first: assess(creditCode: $code, product: $product) { decision }
      second: assess(creditCode: $code, product: $product) { decision ...Why }
    }"""
    answer = await graph.query(fragment, variables)
    assert "errors" not in answer, answer["errors"]
    assert any(step["node"] == "knock-outs" for step in answer["data"]["second"]["trace"])
    without = await graph.query(
        "mutation ($code: ID!, $product: ID!) { assess(creditCode: $code, product: $product) {"
        " decision reasons { code } } }",
        variables,
    )
    assert without["data"]["assess"]["decision"] == answer["data"]["first"]["decision"]
