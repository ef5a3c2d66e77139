"""The whole-answer cache: a repeated source-data query is answered from it, audited like an execution,
and never crosses what decides an answer (tenant, scopes, consents, tokens, the source cache's records)."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from auth.principal import ALL_SCOPES
from connectors.source import SourceName
from hub.sources.reader import SourceReader
from sandbox.control import SandboxControl
from tests.schema.conftest import TENANT, Graph

QUERY = "query ($c: ID!) { enterprise(creditCode: $c) { name tax { grade } electricity { arrearsYuan } } }"
TAX_FETCHED_AT = "query ($c: ID!) { enterprise(creditCode: $c) { tax { freshness { fetchedAt } } } }"


def _upstream_requests(sandbox: SandboxControl) -> int:
    return sum(int(sandbox.stats(provider)["total"]) for provider in sandbox.urls)


def _count(outcome: str) -> float:
    return REGISTRY.get_sample_value("hub_answer_cache_total", {"outcome": outcome}) or 0.0


async def _audited(graph: Graph, code: str) -> list[tuple[str | None, str]]:
    events, _ = await graph.services.auth.audit.trail(
        tenant_id=TENANT, first=50, after_seq=None, credit_code=code
    )
    return [
        (event.entry.client_id, event.entry.outcome) for event in events if event.entry.event == "data_access"
    ]


async def test_a_repeated_query_is_answered_from_the_cache_and_audited_each_time(
    graph: Graph, sandbox: SandboxControl
) -> None:
    code = sandbox.credit_codes(limit=30)[21]
    await graph.consent([code])
    first = await graph.query(QUERY, {"c": code})
    assert "errors" not in first, first
    upstream_before = _upstream_requests(sandbox)
    hits_before = _count("hit")

    colleague = await graph.token_with(ALL_SCOPES)  # another client of the same tenant, same scopes
    again = await graph.query(QUERY, {"c": code})
    theirs = await graph.query(QUERY, {"c": code}, token=colleague)

    assert again == first and theirs == first
    assert _count("hit") - hits_before == 2
    assert _upstream_requests(sandbox) == upstream_before
    audited = await _audited(graph, code)
    assert len(audited) == 3, audited  # one row per request, hits included
    assert {outcome for _, outcome in audited} == {"served,served,served"}
    assert len({client for client, _ in audited}) == 2  # each hit under its own client
    assert (await graph.services.auth.audit.verify()).ok


async def test_answers_are_not_shared_across_scopes_or_tenants(graph: Graph, sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=30)[22]
    await graph.consent([code])
    assert "errors" not in await graph.query(QUERY, {"c": code})

    registry_only = await graph.token_with(frozenset({"registry:read"}))
    narrow = await graph.query(QUERY, {"c": code}, token=registry_only)
    assert {error["extensions"]["code"] for error in narrow["errors"]} == {"FORBIDDEN"}

    other_bank = await graph.token_with(ALL_SCOPES, tenant="bank-b")
    foreign = await graph.query(QUERY, {"c": code}, token=other_bank)
    assert {error["extensions"]["code"] for error in foreign["errors"]} == {"NO_CONSENT"}


async def test_a_withdrawal_or_revocation_counts_at_once_for_cached_answers(
    graph: Graph, sandbox: SandboxControl
) -> None:
    code = sandbox.credit_codes(limit=30)[23]
    await graph.consent([code])
    token = await graph.token_with(ALL_SCOPES)
    for _ in range(2):
        assert "errors" not in await graph.query(QUERY, {"c": code}, token=token)

    await graph.services.auth.consents.withdraw(
        tenant_id=TENANT, client_id=None, credit_code=code, sources=["electricity"]
    )
    answer = await graph.query(QUERY, {"c": code}, token=token)
    assert answer["data"]["enterprise"]["electricity"] is None
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["NO_CONSENT"]

    known = await graph.services.auth.known_token(token)
    assert known is not None
    await graph.services.auth.revoke([known])
    assert (await graph.post(QUERY, {"c": code}, token=token)).status_code == 401


async def test_a_record_refreshed_in_the_source_cache_outdates_the_answer(
    graph: Graph, sandbox: SandboxControl
) -> None:
    code = sandbox.credit_codes(limit=30)[24]
    await graph.consent([code])
    first = await graph.query(TAX_FETCHED_AT, {"c": code})
    assert (await graph.services.sources.refresh("tax", code)) in {"fetched", "unchanged"}
    outdated_before = _count("outdated")

    again = await graph.query(TAX_FETCHED_AT, {"c": code})

    assert _count("outdated") - outdated_before == 1
    fetched_at = [answer["data"]["enterprise"]["tax"]["freshness"]["fetchedAt"] for answer in (first, again)]
    assert fetched_at[1] > fetched_at[0]


async def test_live_tables_errors_and_mutations_are_never_cached(
    graph: Graph, sandbox: SandboxControl
) -> None:
    code = sandbox.credit_codes(limit=30)[25]
    await graph.consent([code], sources=["registry", "tax"])
    trail = "query ($c: ID!) { auditTrail(first: 50, creditCode: $c) { edges { node { event } } } }"
    consents = "query ($c: ID!) { consents(creditCode: $c) { source withdrawnAt } }"
    before = (await graph.query(trail, {"c": code}), await graph.query(consents, {"c": code}))
    partial = await graph.query(QUERY, {"c": code})  # electricity: NO_CONSENT, an answer with an error
    await graph.services.auth.consents.withdraw(
        tenant_id=TENANT, client_id=None, credit_code=code, sources=["tax"]
    )
    hits_before = _count("hit")

    after = (await graph.query(trail, {"c": code}), await graph.query(consents, {"c": code}))
    assert await graph.query(QUERY, {"c": code}) != partial

    assert _count("hit") == hits_before
    assert after[0] != before[0] and after[1] != before[1]


@pytest.mark.parametrize("graph_overrides", [{"response_cache_ttl_s": 0}])
async def test_a_zero_ttl_turns_the_cache_off(graph: Graph, sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=30)[26]
    await graph.consent([code])
    lookups_before = _count("hit") + _count("miss")
    for _ in range(2):
        assert "errors" not in await graph.query(QUERY, {"c": code})
    assert _count("hit") + _count("miss") == lookups_before


async def _refresh_elsewhere(graph: Graph, source: SourceName, code: str) -> None:
    """A refresh by another reader of the same cache (another replica's, or ``hub sync``'s)."""
    settings = graph.services.settings
    other = SourceReader.create(settings, graph.services.sessions, graph.services.cache)
    try:
        assert await other.refresh(source, code) in {"fetched", "unchanged"}
    finally:
        await other.aclose()


@pytest.mark.parametrize("graph_overrides", [{"access_refresh_ms": 0}])
async def test_with_no_refresh_interval_a_refresh_elsewhere_outdates_the_answer_at_once(
    graph: Graph, sandbox: SandboxControl
) -> None:
    code = sandbox.credit_codes(limit=30)[27]
    await graph.consent([code])
    first = await graph.query(TAX_FETCHED_AT, {"c": code})
    await _refresh_elsewhere(graph, "tax", code)
    outdated_before = _count("outdated")

    again = await graph.query(TAX_FETCHED_AT, {"c": code})

    assert _count("outdated") - outdated_before == 1
    assert again != first


@pytest.mark.parametrize("graph_overrides", [{"access_refresh_ms": 60_000}])
async def test_a_refresh_elsewhere_counts_within_the_refresh_interval_a_local_write_at_once(
    graph: Graph, sandbox: SandboxControl
) -> None:
    codes = sandbox.credit_codes(limit=30)[28:30]
    await graph.consent(codes)
    await graph.query(TAX_FETCHED_AT, {"c": codes[0]})  # read cold: the first hit checks what the cache holds
    first = await graph.query(TAX_FETCHED_AT, {"c": codes[0]})
    await _refresh_elsewhere(graph, "tax", codes[0])
    hits_before, outdated_before = _count("hit"), _count("outdated")

    # Checked less than the interval ago and nothing written here since: the answer stands.
    assert await graph.query(TAX_FETCHED_AT, {"c": codes[0]}) == first
    assert (_count("hit") - hits_before, _count("outdated") - outdated_before) == (1, 0)

    # This process writes the source cache (another firm, read cold): every answer is checked again.
    assert "errors" not in await graph.query(TAX_FETCHED_AT, {"c": codes[1]})
    again = await graph.query(TAX_FETCHED_AT, {"c": codes[0]})
    assert _count("outdated") - outdated_before == 1
    assert again != first
