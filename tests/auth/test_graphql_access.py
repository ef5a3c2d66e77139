"""Access at /graphql: tenant isolation across every profile field and enterprises/_entities, consent
withdrawal taking effect at once (cached data included), refused tokens, and the audit of what was read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from auth.consent import consent_today
from auth.principal import ALL_SCOPES
from connectors.catalog import load_catalog
from sandbox.control import SandboxControl
from schema.sources import indicator_sources
from tests.fixtures.backends import Backend
from tests.fixtures.hub import mint
from tests.fixtures.sources import SOURCE_NAMES
from tests.schema.conftest import Graph, graph_settings, running_graph

PROFILE = (
    "creditCode registration { status } electricity { arrearsYuan } logistics { shipments } "
    "tax { grade } trade { gmvYuan } indicators { sourcesUsed }"
)
# The consent-gated fields. ``registration`` (public register data, personal data masked) needs only the
# registry:read scope by the schema's design, so it is not part of the isolation check.
PROFILE_FIELDS = ("electricity", "logistics", "tax", "trade")
PUBLIC_SOURCES = [name for name in indicator_sources() if not load_catalog()[name].consent_required]


@pytest.fixture
async def graph(
    backend: Backend, tmp_path: Path, clean_sandbox: SandboxControl, engine: object
) -> AsyncIterator[Graph]:
    async for running in running_graph(graph_settings(backend, tmp_path, clean_sandbox)):
        yield running


async def _consent(graph: Graph, tenant: str, code: str, sources: tuple[str, ...] = SOURCE_NAMES) -> None:
    today = consent_today()
    await graph.services.auth.consents.grant(
        tenant_id=tenant,
        client_id=None,
        credit_code=code,
        sources=sources,
        valid_from=today,
        valid_until=today.replace(year=today.year + 1),
        evidence_ref="test",
    )


def _codes_by_field(answer: dict[str, Any]) -> dict[str, str]:
    return {str(error["path"][-1]): error["extensions"]["code"] for error in answer.get("errors", [])}


async def test_a_tenant_never_reads_what_only_another_tenant_may(
    graph: Graph, sandbox: SandboxControl
) -> None:
    code = sandbox.credit_codes(limit=3)[2]
    bank_b = await graph.token_with(ALL_SCOPES, tenant="bank-b")
    await _consent(graph, "bank-b", code)

    allowed = await graph.query(
        f"query ($c: ID!) {{ enterprise(creditCode: $c) {{ {PROFILE} }} }}", {"c": code}, token=bank_b
    )
    assert "errors" not in allowed, allowed["errors"]
    assert all(allowed["data"]["enterprise"][field] is not None for field in PROFILE_FIELDS)

    entities = (
        "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Enterprise { " + PROFILE + " } } }"
    )
    for query, variables, root in (
        (f"query ($c: ID!) {{ enterprise(creditCode: $c) {{ {PROFILE} }} }}", {"c": code}, "enterprise"),
        (
            f"query ($c: [ID!]!) {{ enterprises(creditCodes: $c) {{ {PROFILE} }} }}",
            {"c": [code]},
            "enterprises",
        ),
        (entities, {"r": [{"__typename": "Enterprise", "creditCode": code}]}, "_entities"),
    ):
        answer = await graph.query(query, variables)  # bank-a: every scope, no consent
        firm = answer["data"][root][0] if root != "enterprise" else answer["data"][root]
        assert firm is None or all(firm[field] is None for field in PROFILE_FIELDS), (root, firm)
        if firm is not None:
            codes = _codes_by_field(answer)
            assert {codes[field] for field in PROFILE_FIELDS} == {"NO_CONSENT"}, (root, codes)
            # only a public register (no consent needed, like ``registration``) may feed the indicators
            assert not firm["indicators"] or firm["indicators"]["sourcesUsed"] == PUBLIC_SOURCES


async def test_withdrawal_takes_effect_at_once_even_for_cached_data(
    graph: Graph, sandbox: SandboxControl
) -> None:
    code = sandbox.credit_codes(limit=4)[3]
    await _consent(graph, "bank-a", code, ("registry", "tax"))
    query = "query ($c: ID!) { enterprise(creditCode: $c) { tax { grade } } }"
    first = await graph.query(query, {"c": code})
    assert first["data"]["enterprise"]["tax"]["grade"]

    await graph.services.auth.consents.withdraw(
        tenant_id="bank-a", client_id=None, credit_code=code, sources=["tax"]
    )
    again = await graph.query(query, {"c": code})  # the tax profile is still in the cache
    assert again["data"]["enterprise"]["tax"] is None
    assert _codes_by_field(again) == {"tax": "NO_CONSENT"}


async def test_refused_tokens_get_401_unauthenticated(graph: Graph, tmp_path: Path) -> None:
    client_token = await graph.token_with(frozenset({"registry:read"}))
    known = await graph.services.auth.known_token(client_token)
    assert known is not None
    await graph.services.auth.revoke([known])
    keys = graph.services.auth.keys.keys().signing_set()
    for token in (
        client_token,
        mint(keys, exp=1_700_000_000, iat=1_699_999_000),
        mint(keys, aud="other"),
        "junk",
    ):
        answer = await graph.post("{ __typename }", token=token)
        assert answer.status_code == 401, (token, answer.text)
        assert answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    missing = await graph.http.post("/graphql", json={"query": "{ __typename }"})
    assert missing.status_code == 401


async def test_every_read_is_audited_with_its_outcome(graph: Graph, sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=5)[4]
    await _consent(graph, "bank-a", code, ("registry", "tax"))
    await graph.query(
        "query ($c: ID!) { enterprise(creditCode: $c) { tax { grade } trade { gmvYuan } } }", {"c": code}
    )
    audit = graph.services.auth.audit
    events, _ = await audit.trail(tenant_id="bank-a", first=10, after_seq=None, credit_code=code)
    reads = [event.entry for event in events if event.entry.event == "data_access"]
    assert len(reads) == 1
    outcomes = dict(zip(reads[0].sources, reads[0].outcome.split(","), strict=True))
    assert outcomes["tax"] == "served" and outcomes["trade"] == "no_consent"
    assert (await audit.verify()).ok
