"""The ``connection_state`` table and the consents that drive it, read and written in few queries.

Which pairs are refreshed: :mod:`hub.connections.consented`. A pair whose
last consent ended keeps its state with ``consent_ended_at`` until the retention passes; then its snapshots
and its state are deleted (:meth:`ConnectionBook.purge_due`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.consent import ConsentRecord, consent_record
from foundation.storage import as_utc
from foundation.storage.models import ConnectionState, Consent, Snapshot
from hub.connections.consented import ConsentRule, consent_rule, live_on
from hub.connections.status import ConnectionStatus, FetchState


def covering(source: str, consents: Iterable[ConsentRecord]) -> list[ConsentRecord]:
    """The consents that decide ``source``'s row: its own, or every consent of the firm."""
    rule = consent_rule(source)
    return [consent for consent in consents if not rule.required or consent.source == rule.consent]


def _state(row: ConnectionState) -> FetchState:
    return FetchState(
        credit_code=row.credit_code,
        source=row.source,
        status=ConnectionStatus(row.status),
        status_since=as_utc(row.status_since),
        last_attempt_at=as_utc(row.last_attempt_at) if row.last_attempt_at else None,
        last_success_at=as_utc(row.last_success_at) if row.last_success_at else None,
        last_error_code=row.last_error_code,
        first_month=row.first_month,
        last_month=row.last_month,
        content_hash=row.content_hash,
        consent_ended_at=as_utc(row.consent_ended_at) if row.consent_ended_at else None,
    )


@dataclass(frozen=True, slots=True)
class Purged:
    credit_code: str
    source: str
    snapshots: int


class ConnectionBook:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def states(self, credit_codes: Sequence[str]) -> dict[tuple[str, str], FetchState]:
        """(credit code, source) → its state, for every source, in one query."""
        if not credit_codes:
            return {}
        query = select(ConnectionState).where(ConnectionState.credit_code.in_(list(set(credit_codes))))
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return {(row.credit_code, row.source): _state(row) for row in rows}

    async def consents_of(
        self, tenant_id: str, credit_codes: Sequence[str]
    ) -> dict[str, list[ConsentRecord]]:
        """Every consent (live, ended, withdrawn) of the tenant for these firms, in one query."""
        found: dict[str, list[ConsentRecord]] = {code: [] for code in credit_codes}
        if not found:
            return found
        query = select(Consent).where(Consent.tenant_id == tenant_id, Consent.credit_code.in_(list(found)))
        async with self._sessions() as session:
            for row in (await session.scalars(query)).all():
                found[row.credit_code].append(consent_record(row))
        return found

    async def consented_names(self, credit_codes: Sequence[str], today: date) -> dict[str, set[str]]:
        """Each firm's consent names with a live consent of any tenant, in one query."""
        found: dict[str, set[str]] = {code: set() for code in credit_codes}
        if not found:
            return found
        query = (
            select(Consent.credit_code, Consent.source)
            .distinct()
            .where(Consent.credit_code.in_(list(found)), live_on(today))
        )
        async with self._sessions() as session:
            for code, name in await session.execute(query):
                found[code].add(name)
        return found

    async def save(self, states: Sequence[FetchState]) -> None:
        """Write these states (insert or replace), in one transaction."""
        if not states:
            return
        rows: list[dict[str, Any]] = [
            {
                "credit_code": state.credit_code,
                "source": state.source,
                "status": state.status.value,
                "status_since": state.status_since,
                "last_attempt_at": state.last_attempt_at,
                "last_success_at": state.last_success_at,
                "last_error_code": state.last_error_code,
                "first_month": state.first_month,
                "last_month": state.last_month,
                "content_hash": state.content_hash,
                "consent_ended_at": state.consent_ended_at,
            }
            for state in states
        ]
        async with self._sessions.begin() as session:
            insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
            statement = insert(ConnectionState)
            replaced = {
                name: statement.excluded[name] for name in rows[0] if name not in ("credit_code", "source")
            }
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[ConnectionState.credit_code, ConnectionState.source], set_=replaced
                ),
                rows,
            )

    async def end_consent(self, pairs: Sequence[tuple[str, str]], now: datetime) -> None:
        """Record that these (credit code, source) have no live consent any more (their retention starts)."""
        if not pairs:
            return
        async with self._sessions.begin() as session:
            await session.execute(
                update(ConnectionState)
                .where(
                    tuple_(ConnectionState.credit_code, ConnectionState.source).in_(list(pairs)),
                    ConnectionState.consent_ended_at.is_(None),
                )
                .values(consent_ended_at=now)
                .execution_options(synchronize_session=False)
            )

    async def follow_consents(self, sources: Sequence[str], today: date, now: datetime) -> None:
        """Every state's ``consent_ended_at`` from the consents of ``today``: set (to ``now``) where none is
        live any more, cleared where one is live again."""
        async with self._sessions.begin() as session:
            for source in sources:
                consented = _consented(consent_rule(source))
                mine = ConnectionState.source == source
                await session.execute(
                    update(ConnectionState)
                    .where(mine, ConnectionState.consent_ended_at.is_(None), ~consented(today))
                    .values(consent_ended_at=now)
                    .execution_options(synchronize_session=False)
                )
                await session.execute(
                    update(ConnectionState)
                    .where(mine, ConnectionState.consent_ended_at.is_not(None), consented(today))
                    .values(consent_ended_at=None)
                    .execution_options(synchronize_session=False)
                )

    async def mark_stale(self, stale_after: Mapping[str, datetime]) -> list[FetchState]:
        """LINKED states of a source whose last success is before its cutoff turn STALE; returns them as
        they were (with the status they had)."""
        found: list[FetchState] = []
        async with self._sessions.begin() as session:
            for source, cutoff in stale_after.items():
                query = select(ConnectionState).where(
                    ConnectionState.source == source,
                    ConnectionState.status == ConnectionStatus.LINKED.value,
                    ConnectionState.consent_ended_at.is_(None),
                    ConnectionState.last_success_at < cutoff,
                )
                rows = (await session.scalars(query.with_for_update())).all()
                for row in rows:
                    found.append(_state(row))
                    row.status = ConnectionStatus.STALE.value
                    row.status_since = as_utc(row.last_success_at or cutoff)
        return found

    async def purge_due(self, ended_before: datetime) -> list[Purged]:
        """Delete the snapshots and the state of every pair whose consent ended before ``ended_before``."""
        async with self._sessions.begin() as session:
            due = (
                await session.execute(
                    select(ConnectionState.credit_code, ConnectionState.source).where(
                        ConnectionState.consent_ended_at < ended_before
                    )
                )
            ).all()
            purged: list[Purged] = []
            for credit_code, source in due:
                deleted = await session.execute(
                    delete(Snapshot).where(Snapshot.credit_code == credit_code, Snapshot.source == source)
                )
                purged.append(Purged(credit_code, source, int(getattr(deleted, "rowcount", 0) or 0)))
            if due:
                await session.execute(
                    delete(ConnectionState).where(
                        tuple_(ConnectionState.credit_code, ConnectionState.source).in_(
                            [(code, source) for code, source in due]
                        )
                    )
                )
        return purged

    async def snapshot_count(self, credit_code: str, source: str) -> int:
        query = select(func.count()).where(Snapshot.credit_code == credit_code, Snapshot.source == source)
        async with self._sessions() as session:
            return int((await session.execute(query)).scalar_one())


def _consented(rule: ConsentRule) -> Callable[[date], ColumnElement[bool]]:
    """``today → condition``: the state's firm has a live consent covering the source."""

    def condition(today: date) -> ColumnElement[bool]:
        same_firm = Consent.credit_code == ConnectionState.credit_code
        if not rule.required:
            return exists().where(same_firm, live_on(today))
        return exists().where(same_firm, Consent.source == rule.consent, live_on(today))

    return condition
