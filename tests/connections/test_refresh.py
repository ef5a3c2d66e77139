"""Refresh driven by consent, on both backends against the sandbox: connection states and their events,
idempotent re-runs, an error clearing, withdrawal stopping refresh, and purging after the retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from foundation.storage.models import AuditRecord
from hub.connections.jobs import housekeeping, kick_due
from hub.connections.refresh import refresh_firm
from hub.connections.status import ConnectionStatus
from hub.connections.store import ConnectionBook
from sandbox.control import SandboxControl
from tests.fixtures.events import Recorder
from tests.schema.conftest import TENANT, Graph


async def grant(graph: Graph, codes: list[str], sources: list[str], tenant: str = TENANT) -> None:
    await graph.services.auth.consents.grant_many(
        tenant_id=tenant,
        client_id=None,
        credit_codes=codes,
        sources=sources,
        valid_from=date.today() - timedelta(days=1),
        valid_until=date.today() + timedelta(days=60),
        evidence_ref="doc-1",
    )


async def test_only_consented_sources_are_refreshed_and_the_registry_follows_any(
    graph: Graph, clean_sandbox: SandboxControl, recorder: Recorder
) -> None:
    code, other = clean_sandbox.credit_codes(2)
    await grant(graph, [code], ["tax"])

    done = await refresh_firm(graph.services, code)

    assert set(done.outcomes) == {"registry", "tax"}
    assert "electricity" in done.unconsented
    assert clean_sandbox.stats("electricity")["total"] == 0
    states = await ConnectionBook(graph.services.sessions).states([code])
    assert {source for _, source in states} == {"registry", "tax"}
    tax = states[(code, "tax")]
    assert tax.status is ConnectionStatus.LINKED and tax.last_error_code is None
    assert tax.first_month is not None and tax.last_month is not None and tax.first_month < tax.last_month
    assert states[(code, "registry")].first_month is None  # no series: no coverage

    changed = {event.source: event for event in recorder.of("connection.status_changed")}
    assert changed["tax"].data == {"status": "LINKED", "previous": "STALE", "errorCode": None}
    profile = {event.source: event for event in recorder.of("profile.changed")}
    assert profile["tax"].data == {"month": tax.last_month.strftime("%Y-%m"), "contentHash": tax.content_hash}

    nothing = await refresh_firm(graph.services, other)  # nobody consents: nothing fetched
    assert nothing.outcomes == {} and clean_sandbox.stats("registry")["total"] == 1


async def test_a_rerun_changes_nothing_and_an_error_clears(
    graph: Graph, clean_sandbox: SandboxControl, recorder: Recorder
) -> None:
    (code,) = clean_sandbox.credit_codes(1)
    await grant(graph, [code], ["tax"])
    book = ConnectionBook(graph.services.sessions)
    await refresh_firm(graph.services, code, ["tax"])
    first = (await book.states([code]))[(code, "tax")]
    recorder.clear()

    again = await refresh_firm(graph.services, code, ["tax"])  # e.g. a job redelivered

    assert again.outcomes == {"tax": "unchanged"}
    assert recorder.events == []
    assert await book.snapshot_count(code, "tax") == 1
    linked = (await book.states([code]))[(code, "tax")]
    assert linked.status_since == first.status_since and linked.last_success_at > first.last_success_at  # type: ignore[operator]

    clean_sandbox.set_faults("tax", down=True)
    assert (await refresh_firm(graph.services, code, ["tax"])).outcomes == {"tax": "failed"}
    failed = (await book.states([code]))[(code, "tax")]
    assert (failed.status, failed.last_error_code) == (ConnectionStatus.SOURCE_ERROR, "SOURCE_UNAVAILABLE")
    assert failed.last_success_at == linked.last_success_at and failed.content_hash == first.content_hash
    await refresh_firm(graph.services, code, ["tax"])  # still down: no second event
    clean_sandbox.reset_faults("tax")
    await refresh_firm(graph.services, code, ["tax"])

    transitions = [
        (event.data["previous"], event.data["status"], event.data["errorCode"])
        for event in recorder.of("connection.status_changed")
    ]
    assert transitions == [("LINKED", "SOURCE_ERROR", "SOURCE_UNAVAILABLE"), ("SOURCE_ERROR", "LINKED", None)]
    assert recorder.of("profile.changed") == []  # the same content throughout


async def test_withdrawal_stops_refresh_and_the_snapshots_go_after_the_retention(
    graph: Graph, clean_sandbox: SandboxControl
) -> None:
    code, kept = clean_sandbox.credit_codes(2)
    await grant(graph, [code, kept], ["tax"])
    await graph.token_with(frozenset({"tax:read"}), tenant="bank-b")
    await grant(graph, [code], ["tax"], tenant="bank-b")  # two tenants: the last consent ends it
    services, book = graph.services, ConnectionBook(graph.services.sessions)
    await refresh_firm(services, code, ["tax"])
    await refresh_firm(services, kept, ["tax"])
    consents = services.auth.consents

    await consents.withdraw(tenant_id=TENANT, client_id=None, credit_code=code, sources=["tax"])
    assert (await refresh_firm(services, code, ["tax"])).outcomes == {"tax": "unchanged"}  # bank-b's
    await consents.withdraw(tenant_id="bank-b", client_id=None, credit_code=code, sources=["tax"])
    clean_sandbox.reset_stats()
    ended_at = datetime.now(UTC)

    done = await refresh_firm(services, code, ["tax"], now=ended_at)

    assert done.outcomes == {} and done.unconsented == ("tax",)
    assert clean_sandbox.stats("tax")["total"] == 0
    assert (await book.states([code]))[(code, "tax")].consent_ended_at == ended_at
    assert await kick_due(services, ["tax"]) == 1  # only the firm still consented

    early = await housekeeping(services, now=ended_at + timedelta(days=29))
    assert early.purged == [] and await book.snapshot_count(code, "tax") == 1
    due = await housekeeping(services, now=ended_at + timedelta(days=30, minutes=1))
    assert [(gone.credit_code, gone.source, gone.snapshots) for gone in due.purged] == [(code, "tax", 1)]
    assert await book.snapshot_count(code, "tax") == 0
    assert (code, "tax") not in await book.states([code])
    assert await book.snapshot_count(kept, "tax") == 1
    async with services.sessions() as session:
        audited = (
            await session.scalars(select(AuditRecord).where(AuditRecord.event == "snapshots_purged"))
        ).all()
    assert [(row.credit_code, row.sources) for row in audited] == [(code, "tax")]


async def test_housekeeping_follows_consents_and_marks_stale(
    graph: Graph, clean_sandbox: SandboxControl, recorder: Recorder
) -> None:
    code, lapsed = clean_sandbox.credit_codes(2)
    await grant(graph, [code, lapsed], ["tax"])
    services, book = graph.services, ConnectionBook(graph.services.sessions)
    await refresh_firm(services, code, ["tax"])
    await refresh_firm(services, lapsed, ["tax"])
    await services.auth.consents.withdraw(
        tenant_id=TENANT, client_id=None, credit_code=lapsed, sources=["tax"]
    )
    recorder.clear()
    later = datetime.now(UTC) + timedelta(days=41)  # tax: stale after 40 days (HUB_REFRESH_STALE_DAYS)

    done = await housekeeping(services, now=later)

    assert [(state.credit_code, state.status) for state in done.stale] == [(code, ConnectionStatus.LINKED)]
    states = await book.states([code, lapsed])
    assert states[(code, "tax")].status is ConnectionStatus.STALE
    assert states[(lapsed, "tax")].consent_ended_at == later  # no longer consented: retention runs
    assert [event.data["status"] for event in recorder.of("connection.status_changed")] == ["STALE"]
    await grant(graph, [lapsed], ["tax"])  # consented again: the retention stops
    await housekeeping(services, now=later)
    assert (await book.states([lapsed]))[(lapsed, "tax")].consent_ended_at is None
