"""The append-only, hash-chained audit log: every data access, token issued and consent change.

Row ``n`` stores ``row_hash = sha256(prev_hash + canonical(seq, at, event, tenant, client, enterprise,
sources, operation hash, outcome))`` with ``prev_hash`` the ``row_hash`` of row ``n - 1`` (64 zeros for
row 1). Altering a row breaks its own hash; removing one leaves a gap in ``seq`` and breaks the next row's
``prev_hash``; moving one (its ``seq``) breaks its hash. Appends are serialised so the chain never forks:
``pg_advisory_xact_lock`` on PostgreSQL (across replicas), an in-process lock plus a retry on a ``seq``
collision on SQLite (the one writer). A truncated tail is not detectable from the rows alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.storage.models import AuditRecord

GENESIS_HASH = "0" * 64
# Any constant shared by every replica; names the audit chain among PostgreSQL advisory locks.
_ADVISORY_LOCK_KEY = 0x4155444954  # "AUDIT"
_APPEND_ATTEMPTS = 5
_VERIFY_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What happened, before it gets its place in the chain. ``event`` is one of ``data_access``,
    ``token_issued``, ``token_revoked``, ``consent_granted``, ``consent_withdrawn``."""

    event: str
    tenant_id: str | None
    client_id: str | None
    credit_code: str | None
    sources: tuple[str, ...]
    operation_hash: str
    outcome: str


@dataclass(frozen=True, slots=True)
class AuditedEvent:
    """An entry with its place in the chain, as read back."""

    seq: int
    at: datetime
    entry: AuditEntry
    prev_hash: str
    row_hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """``ok`` or the first bad row (``bad_seq``) and why."""

    rows_checked: int
    bad_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.bad_seq is None


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _canonical_time(at: datetime) -> str:
    # SQLite hands back naive datetimes (stored in UTC), PostgreSQL aware ones: normalise both.
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(prev_hash: str, seq: int, at: datetime, entry: AuditEntry) -> str:
    fields = [
        seq,
        _canonical_time(at),
        entry.event,
        entry.tenant_id,
        entry.client_id,
        entry.credit_code,
        ",".join(entry.sources),
        entry.operation_hash,
        entry.outcome,
    ]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return digest(prev_hash + canonical)


def _entry_of(row: AuditRecord) -> AuditEntry:
    return AuditEntry(
        event=row.event,
        tenant_id=row.tenant_id,
        client_id=row.client_id,
        credit_code=row.credit_code,
        sources=tuple(row.sources.split(",")) if row.sources else (),
        operation_hash=row.operation_hash,
        outcome=row.outcome,
    )


class AuditLog:
    """Appends to and checks the chain. One per process (its lock serialises this process's appends)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._lock = asyncio.Lock()

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        """Append ``entries`` in order, in one short transaction."""
        if not entries:
            return
        async with self._lock:
            for attempt in range(_APPEND_ATTEMPTS):
                try:
                    await self._append_once(entries)
                    return
                except (IntegrityError, OperationalError):
                    # Another process (a CLI next to a SQLite hub) took the same seq or held the write lock.
                    if attempt == _APPEND_ATTEMPTS - 1:
                        raise
                    await asyncio.sleep(0.05 * 2**attempt)

    async def _append_once(self, entries: Sequence[AuditEntry]) -> None:
        async with self._sessions.begin() as session:
            if session.get_bind().dialect.name == "postgresql":
                await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
            last = (
                await session.execute(
                    select(AuditRecord.seq, AuditRecord.row_hash).order_by(AuditRecord.seq.desc()).limit(1)
                )
            ).first()
            seq, prev_hash = (last.seq, last.row_hash) if last else (0, GENESIS_HASH)
            at = datetime.now(UTC)
            for entry in entries:
                seq += 1
                row_hash = chain_hash(prev_hash, seq, at, entry)
                session.add(
                    AuditRecord(
                        seq=seq,
                        at=at,
                        event=entry.event,
                        tenant_id=entry.tenant_id,
                        client_id=entry.client_id,
                        credit_code=entry.credit_code,
                        sources=",".join(entry.sources),
                        operation_hash=entry.operation_hash,
                        outcome=entry.outcome,
                        prev_hash=prev_hash,
                        row_hash=row_hash,
                    )
                )
                prev_hash = row_hash

    async def verify(self) -> VerifyResult:
        """Walk the whole chain in ``seq`` order; the first row that does not fit is reported."""
        expected_seq, expected_prev, checked = 1, GENESIS_HASH, 0
        async with self._sessions() as session:
            while True:
                rows = (
                    await session.scalars(
                        select(AuditRecord)
                        .where(AuditRecord.seq >= expected_seq)
                        .order_by(AuditRecord.seq)
                        .limit(_VERIFY_CHUNK)
                    )
                ).all()
                if not rows:
                    return VerifyResult(checked)
                for row in rows:
                    problem = _check_row(row, expected_seq, expected_prev)
                    if problem is not None:
                        return VerifyResult(checked, bad_seq=problem[0], reason=problem[1])
                    checked += 1
                    expected_seq, expected_prev = row.seq + 1, row.row_hash

    async def trail(
        self, *, tenant_id: str, first: int, after_seq: int | None, credit_code: str | None
    ) -> tuple[list[AuditedEvent], bool]:
        """One page of a tenant's entries, newest first (keyset on ``seq``), and whether more follow."""
        query = select(AuditRecord).where(AuditRecord.tenant_id == tenant_id)
        if credit_code is not None:
            query = query.where(AuditRecord.credit_code == credit_code)
        if after_seq is not None:
            query = query.where(AuditRecord.seq < after_seq)
        async with self._sessions() as session:
            rows = (await session.scalars(query.order_by(AuditRecord.seq.desc()).limit(first + 1))).all()
        events = [
            AuditedEvent(
                row.seq,
                row.at.replace(tzinfo=row.at.tzinfo or UTC),
                _entry_of(row),
                row.prev_hash,
                row.row_hash,
            )
            for row in rows[:first]
        ]
        return events, len(rows) > first


def _check_row(row: AuditRecord, expected_seq: int, expected_prev: str) -> tuple[int, str] | None:
    if row.seq != expected_seq:
        return expected_seq, f"row {expected_seq} is missing (next row is {row.seq})"
    if row.prev_hash != expected_prev:
        return row.seq, "prev_hash does not match the row before it (a row was removed or moved)"
    if chain_hash(row.prev_hash, row.seq, row.at, _entry_of(row)) != row.row_hash:
        return row.seq, "row_hash does not match the row's content (the row was altered or moved)"
    return None
