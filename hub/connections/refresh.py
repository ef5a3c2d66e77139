"""Refresh of consented (firm, source) pairs: what the refresh jobs do, and the connection state it keeps.

A refresh fetches each consented source of a firm (bypassing the cache, snapshot by content hash), then
writes the firm's connection states and emits ``connection.status_changed`` (the previous status with it,
an error clearing included) and ``profile.changed`` (a content hash the state did not hold yet). A source
nobody consents to any more is not fetched: its state's retention starts (``consent_ended_at``).

Idempotent: a refresh run twice (a job redelivered after its worker died) fetches again, writes no new
snapshot and changes no state. Events are emitted before the states are written, each with an id made of
what it says (firm, source, transition or content): a job killed between the two emits the same events
again with the same ids, so a sink de-duplicates by id and loses none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from auth.consent import consent_today
from foundation.settings import Settings
from hub.connections.consented import refreshed_sources
from hub.connections.coverage import coverage_of
from hub.connections.status import FETCH_STATUS, ConnectionStatus, FetchState
from hub.connections.store import ConnectionBook
from hub.events import Event, EventBus
from hub.sources.reader import Refreshed, RefreshOutcome

if TYPE_CHECKING:
    from hub.services import HubServices

DEFAULT_STALE_DAYS = 3


def stale_after(settings: Settings, source: str) -> timedelta:
    """How long a LINKED connection of ``source`` stays current without a successful refresh."""
    return timedelta(days=settings.refresh_stale_days.get(source, DEFAULT_STALE_DAYS))


def event_id(*parts: str) -> str:
    """An event's id made of what it says: the same fact emitted twice has the same id."""
    return "evt_" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass
class FirmRefresh:
    """What one firm's refresh did: each fetched source's outcome, the sources no consent covers."""

    outcomes: dict[str, RefreshOutcome] = field(default_factory=dict)
    unconsented: tuple[str, ...] = ()


def next_state(
    previous: FetchState | None, credit_code: str, source: str, refreshed: Refreshed, now: datetime
) -> FetchState:
    """The state after a refresh that went as ``refreshed``."""
    status = FETCH_STATUS[refreshed.outcome]
    since = previous.status_since if previous is not None and previous.status is status else now
    succeeded = refreshed.outcome != "failed"
    first_month = previous.first_month if previous else None
    last_month = previous.last_month if previous else None
    content_hash = previous.content_hash if previous else None
    if refreshed.fetched is not None and refreshed.fetched.content_hash != content_hash:
        first_month, last_month = coverage_of(refreshed.fetched.record)  # the same content: the same months
        content_hash = refreshed.fetched.content_hash
    return FetchState(
        credit_code=credit_code,
        source=source,
        status=status,
        status_since=since,
        last_attempt_at=now,
        last_success_at=now if succeeded else (previous.last_success_at if previous else None),
        last_error_code=None if succeeded or refreshed.outcome == "not_found" else refreshed.error_code,
        first_month=first_month,
        last_month=last_month,
        content_hash=content_hash,
        consent_ended_at=None,
    )


def status_changed(previous: FetchState | None, state: FetchState) -> Event | None:
    """``connection.status_changed`` from ``previous`` (none: nothing held, STALE) to ``state``, if it did."""
    before = previous.status if previous is not None else ConnectionStatus.STALE
    if previous is not None and before is state.status:
        return None
    since = previous.status_since.isoformat() if previous is not None else ""
    return Event(
        type="connection.status_changed",
        credit_code=state.credit_code,
        source=state.source,
        data={"status": state.status.value, "previous": before.value, "errorCode": state.last_error_code},
        id=event_id("status", state.credit_code, state.source, before.value, since, state.status.value),
    )


def profile_changed(previous: FetchState | None, state: FetchState) -> Event | None:
    if state.content_hash is None or (previous is not None and previous.content_hash == state.content_hash):
        return None
    return Event(
        type="profile.changed",
        credit_code=state.credit_code,
        source=state.source,
        data={
            "month": state.last_month.strftime("%Y-%m") if state.last_month else None,
            "contentHash": state.content_hash,
        },
        id=event_id("profile", state.credit_code, state.source, state.content_hash),
    )


async def refresh_firm(
    services: HubServices,
    credit_code: str,
    sources: Sequence[str] | None = None,
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> FirmRefresh:
    """:func:`refresh_firms` of one firm."""
    return (await refresh_firms(services, {credit_code: sources}, today=today, now=now))[credit_code]


async def refresh_firms(
    services: HubServices,
    firms: Mapping[str, Sequence[str] | None],
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> dict[str, FirmRefresh]:
    """Refresh each firm's sources (None: every source the hub reads) that some tenant consents to; the
    firms' consents, states and new states read and written once for the batch."""
    today, now = today or consent_today(), now or datetime.now(UTC)
    book = ConnectionBook(services.sessions)
    readable = services.sources.sources
    wanted = {code: [s for s in (sources or readable) if s in readable] for code, sources in firms.items()}
    names = await book.consented_names(list(wanted), today)
    done = {code: FirmRefresh() for code in wanted}
    todo: list[tuple[str, str]] = []
    for code, sources in wanted.items():
        consented = refreshed_sources(sources, names[code])
        todo += [(code, source) for source in consented]
        done[code].unconsented = tuple(source for source in sources if source not in consented)
    await book.end_consent([(code, source) for code in done for source in done[code].unconsented], now)
    if not todo:
        return done
    results = await services.sources.refresh_many([(source, code) for code, source in todo])
    attempts = [Attempt(code, source, got, now) for (code, source), got in zip(todo, results, strict=True)]
    await record_attempts(book, services.events, attempts)
    for attempt in attempts:
        done[attempt.credit_code].outcomes[attempt.source] = attempt.refreshed.outcome
    return done


@dataclass(frozen=True, slots=True)
class Attempt:
    """One fetch of a (firm, source) at the upstream, by a refresh or by a read, and how it went."""

    credit_code: str
    source: str
    refreshed: Refreshed
    at: datetime


async def record_attempts(book: ConnectionBook, events: EventBus, attempts: Sequence[Attempt]) -> None:
    """The connection states after these attempts (in order; a pair may come twice), their events
    emitted first (see the module docstring), then the states written, in one transaction."""
    if not attempts:
        return
    previous = await book.states(list(dict.fromkeys(attempt.credit_code for attempt in attempts)))
    states: dict[tuple[str, str], FetchState] = {}
    emitted: list[Event] = []
    for attempt in attempts:
        pair = (attempt.credit_code, attempt.source)
        before = states.get(pair, previous.get(pair))
        state = next_state(before, attempt.credit_code, attempt.source, attempt.refreshed, attempt.at)
        states[pair] = state
        emitted.extend(e for e in (status_changed(before, state), profile_changed(before, state)) if e)
    if emitted:
        await events.emit(emitted)
    await book.save(list(states.values()))
