"""supplyChain on a core enterprise of the sandbox, and the audit record each operation leaves."""

from __future__ import annotations

from sandbox.control import SandboxControl
from tests.sandbox.clients import trade_get
from tests.schema.conftest import TENANT, Graph

CHAIN = """
query ($core: ID!, $depth: Int!) {
  supplyChain(coreCreditCode: $core, depth: $depth) {
    core { creditCode name }
    depth crossCheckedWithLogistics
    suppliers { creditCode tier via orders amountYuan since shipments }
    distributors { creditCode tier via orders amountYuan since shipments enterprise { name } }
  }
}
"""


def sandbox_counterparties(sandbox: SandboxControl, core: str) -> tuple[set[str], set[str]]:
    """(sellers to the core, buyers from the core) over its non-cancelled orders, from the trade sandbox."""
    sellers: set[str] = set()
    buyers: set[str] = set()
    page, pages = 1, 1
    while page <= pages:
        params = {"company": core, "role": "any", "page": str(page), "page_size": "100"}
        answer = trade_get(sandbox.urls["trade"], "/open/v1/orders", params).json()
        for order in answer["orders"]:
            if order["status"] == "cancelled":
                continue
            if order["buyer_code"] == core:
                sellers.add(order["seller_code"])
            else:
                buyers.add(order["buyer_code"])
        pages = answer["total_pages"]
        page += 1
    return sellers, buyers


async def test_tier_one_is_the_cores_trade_counterparties(graph: Graph, sandbox: SandboxControl) -> None:
    core = sandbox.credit_codes(limit=1, core=True)[0]
    await graph.consent([core])

    answer = await graph.query(CHAIN, {"core": core, "depth": 1})

    assert "errors" not in answer, answer
    chain = answer["data"]["supplyChain"]
    sellers, buyers = sandbox_counterparties(sandbox, core)
    assert {link["creditCode"] for link in chain["suppliers"]} == sellers
    assert {link["creditCode"] for link in chain["distributors"]} == buyers
    assert chain["crossCheckedWithLogistics"] is True
    assert all(link["tier"] == 1 and link["via"] == core for link in chain["suppliers"])
    assert any(link["shipments"] for link in chain["distributors"])
    assert all(link["enterprise"]["name"] for link in chain["distributors"])


async def test_deeper_tiers_follow_only_readable_firms(graph: Graph, sandbox: SandboxControl) -> None:
    core = sandbox.credit_codes(limit=1, core=True)[0]
    await graph.consent([core])
    one = await graph.query(CHAIN, {"core": core, "depth": 1})
    tier_one = [link["creditCode"] for link in one["data"]["supplyChain"]["suppliers"]]
    assert await graph.query(CHAIN, {"core": core, "depth": 2}) == one | {
        "data": {"supplyChain": {**one["data"]["supplyChain"], "depth": 2}}
    }, "without consents of tier-1 firms nothing further is read"

    await graph.consent(tier_one, sources=["trade"])
    two = await graph.query(CHAIN, {"core": core, "depth": 2})
    links = two["data"]["supplyChain"]["suppliers"]
    assert {link["tier"] for link in links} <= {1, 2}
    assert all(link["via"] in tier_one for link in links if link["tier"] == 2)
    assert len({link["creditCode"] for link in links}) == len(links)


async def test_every_operation_is_audited_with_what_it_touched(graph: Graph, sandbox: SandboxControl) -> None:
    code, refused = sandbox.credit_codes(limit=2)
    await graph.consent([code], sources=["tax"])

    await graph.query(
        "query ($a: ID!, $b: ID!) { a: enterprise(creditCode: $a) { tax { grade } trade { gmvYuan } } "
        "b: enterprise(creditCode: $b) { tax { grade } } }",
        {"a": code, "b": refused},
    )

    audit = graph.services.auth.audit
    events, _ = await audit.trail(tenant_id=TENANT, first=20, after_seq=None, credit_code=None)
    entries = [event.entry for event in events]
    accesses = {entry.credit_code: entry for entry in entries if entry.event == "data_access"}
    assert accesses[code].sources == ("registry", "tax", "trade")
    assert accesses[code].outcome == "served,served,no_consent"
    assert accesses[refused].outcome == "served,no_consent"
    assert accesses[code].operation_hash == accesses[refused].operation_hash
