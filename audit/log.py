"""The append-only, hash-chained audit log: every data access, token issued and consent change.

Each row's hash covers its content and the row before it (:mod:`audit.chain`). Altering a row breaks
its own hash; removing one leaves a gap in ``seq`` and breaks the next row's ``prev_hash``; moving one (its
``seq``) breaks its hash. Appends are serialised so the chain never forks: ``pg_advisory_xact_lock`` on
PostgreSQL (across replicas), SQLite's write lock taken before the head is read (:mod:`audit.sqlite`)
plus a retry on a ``seq`` collision. Concurrent appends of a process are group-committed: whatever is
queued while one transaction runs is written by the next, in one transaction (:mod:`audit.group_commit`).

A truncated tail is not detectable from the rows alone: signed checkpoints of the head
(:mod:`audit.checkpoints`), written every ``checkpoint_every`` rows and on demand, make it so. A
rewrite with the chain recomputed after it, or a deletion of the checkpoint rows with the audit rows, is
detectable only from outside the database: each checkpoint is also appended to the anchor file
(:mod:`audit.anchor`) once its transaction has committed, and :meth:`AuditLog.verify` holds the log
to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.anchor import AuditAnchor
from audit.chain import (
    CHECKPOINT_COLUMNS,
    COLUMNS,
    GENESIS_HASH,
    GENESIS_HEAD,
    HEAD,
    Appender,
    AuditEntry,
    AuditEvent,
    Chain,
    Prepared,
    chain_hash,
    chained_rows,
    digest,
)
from audit.checkpoints import Checkpoint, CheckpointSigner, SignatureCheck, parse_checkpoint
from audit.group_commit import GroupCommit
from audit.postgres import PostgresAppender
from audit.sqlite import SqliteAppender
from foundation.errors import BadRequest
from foundation.storage import as_utc, bound_engine, sync_sqlite_engine
from foundation.storage.models import AuditCheckpoint, AuditRecord

_APPEND_ATTEMPTS = 5
_VERIFY_CHUNK = 1000
# Rows between automatic checkpoints: at most this many trailing rows could vanish unnoticed.
CHECKPOINT_EVERY = 100


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
    """``ok``, or why not: ``reason``, and the first bad row (``bad_seq``) when a row is to blame.

    ``head`` is the last row verified (``seq``, ``row_hash``). ``unverified_signatures`` counts checkpoints
    signed by keys no longer in the key file (or verified without one): only their content was checked.
    ``anchored_seq`` is the newest ``seq`` held by a checkpoint from outside the database (the anchor file,
    or ``checkpoints`` passed in), None without one: rows after it rest on the database's word alone.
    """

    rows_checked: int
    bad_seq: int | None = None
    reason: str | None = None
    head: tuple[int, str] | None = None
    checkpoints_checked: int = 0
    unverified_signatures: int = 0
    anchored_seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def _entry_of(row: AuditRecord) -> AuditEntry:
    return AuditEntry(
        event=AuditEvent(row.event),
        tenant_id=row.tenant_id,
        client_id=row.client_id,
        credit_code=row.credit_code,
        sources=tuple(row.sources.split(",")) if row.sources else (),
        operation_hash=row.operation_hash,
        outcome=row.outcome,
    )


class AuditLog:
    """Appends to and checks the chain. One per process: its group commit batches this process's appends.

    Parameters:
        sessions: the process's session factory.
        signer: signs checkpoints (the hub's key file); without one, no automatic checkpoints are written
            and checkpoint signatures are not verified (their content still is).
        checkpoint_every: an automatic checkpoint is written whenever an append crosses a multiple of it.
        anchor_file: every checkpoint signed here (automatic or by :meth:`checkpoint`) is also appended to it
            once committed, and :meth:`verify` holds the log to the checkpoints it holds. A failed append
            is logged and counted in ``anchor_failures``; the audit rows stand.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        signer: CheckpointSigner | None = None,
        checkpoint_every: int = CHECKPOINT_EVERY,
        anchor_file: Path | None = None,
    ) -> None:
        self._sessions = sessions
        self._signer = signer
        self._checkpoint_every = checkpoint_every
        self._anchor = AuditAnchor(anchor_file) if anchor_file is not None else None
        # The checkpoint signed by the last call of _chained: an appender may chain a group twice (the head
        # moved) and only its last chaining is committed, so it is read once the append has returned.
        self._signed: Checkpoint | None = None
        self._group_commit = GroupCommit(self._append_with_retries)
        self._appender = _appender_for(sessions, self._chained)

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        """Append ``entries`` in order; returns once they are committed (with concurrent appends)."""
        if entries:
            await self._group_commit.submit(entries)

    async def _append_with_retries(self, entries: Sequence[AuditEntry]) -> None:
        for attempt in range(_APPEND_ATTEMPTS):
            try:
                await self._append_once(entries)
                return
            except (IntegrityError, OperationalError):
                # Another process (a CLI next to a SQLite hub) took the same seq or held the write lock.
                if attempt == _APPEND_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.05 * 2**attempt)

    @property
    def anchor_failures(self) -> int:
        """Checkpoints that could not be appended to the anchor file (each was logged)."""
        return self._anchor.failures if self._anchor is not None else 0

    async def _append_once(self, entries: Sequence[AuditEntry]) -> None:
        if self._appender is not None:
            await self._appender.append(entries)
        else:
            # In-memory SQLite (one connection, so no writer of its own): through a session.
            async with self._sessions.begin() as session:
                rows, values = self._chained(await _head(session) or GENESIS_HEAD, entries)
                await session.execute(
                    insert(AuditRecord), [dict(zip(COLUMNS, row, strict=True)) for row in rows]
                )
                if values is not None:
                    await session.execute(insert(AuditCheckpoint), [values])
        # Anchored only once committed: a checkpoint of rows rolled back would fail every later verify.
        signed, self._signed = self._signed, None
        if signed is not None and self._anchor is not None:
            await self._anchor.append(signed)

    def _chained(self, head: tuple[int, str], entries: Sequence[AuditEntry]) -> Prepared:
        """The rows continuing the chain after ``head``, and a checkpoint row when they cross a multiple of
        ``checkpoint_every`` (with a signer)."""
        rows = chained_rows(head, entries, datetime.now(UTC))
        first_seq, (seq, row_hash) = head[0], (rows[-1][0], rows[-1][-1])
        self._signed = None
        if self._signer is None or seq // self._checkpoint_every <= first_seq // self._checkpoint_every:
            return rows, None
        self._signed = self._signer.sign(seq=seq, row_hash=row_hash)
        return rows, _checkpoint_values(self._signed)

    async def checkpoint(self, head: tuple[int, str] | None = None) -> Checkpoint:
        """Sign and record ``head`` (``seq``, ``row_hash``: a head just verified) or else the current head,
        then append it to the anchor file (see ``anchor_failures``).

        Raises :class:`BadRequest` when the log is empty; needs a ``signer``.
        """
        if self._signer is None:
            raise RuntimeError("this AuditLog has no signer: pass signer= to write checkpoints")
        async with self._sessions.begin() as session:
            head = head or await _head(session)
            if head is None:
                raise BadRequest("the audit log is empty: there is no head to checkpoint")
            checkpoint = self._signer.sign(seq=head[0], row_hash=head[1])
            row = _checkpoint_row(checkpoint)
            session.add(row)
            await session.flush()
        if self._anchor is not None:
            await self._anchor.append(checkpoint)
        return parse_checkpoint(checkpoint.jws, f"checkpoint {row.id}")

    async def verify(self, *, checkpoints: Sequence[Checkpoint] = ()) -> VerifyResult:
        """Walk the whole chain in ``seq`` order; the first row that does not fit is reported.

        The recorded checkpoints, those of the anchor file and ``checkpoints`` (e.g. read from an exported
        file) must each match the row at their ``seq``, which must still exist; a checkpoint with a bad
        signature fails the check. Raises :class:`BadRequest` when the anchor file cannot be read or has a
        malformed line.
        """
        async with self._sessions() as session:
            rows = (await session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))).all()
        try:
            recorded = [parse_checkpoint(row.jws, f"checkpoint {row.id}") for row in rows]
        except BadRequest as error:
            return VerifyResult(0, reason=error.message)
        anchored = await asyncio.to_thread(self._anchor.checkpoints) if self._anchor is not None else []
        outside = [*anchored, *checkpoints]
        anchored_seq = max((anchor.seq for anchor in outside), default=None)
        anchors = [*recorded, *outside]
        unverified = 0
        for anchor in anchors:
            signature = self._signer.check(anchor) if self._signer else SignatureCheck.UNKNOWN_KEY
            if signature is SignatureCheck.INVALID:
                return VerifyResult(
                    0, reason=f"{anchor.describe()} has an invalid signature (forged or altered)"
                )
            unverified += signature is SignatureCheck.UNKNOWN_KEY
        result = await self._walk(anchors)
        return VerifyResult(
            result.rows_checked,
            result.bad_seq,
            result.reason,
            result.head,
            checkpoints_checked=len(anchors),
            unverified_signatures=unverified,
            anchored_seq=anchored_seq,
        )

    async def _walk(self, anchors: Sequence[Checkpoint]) -> VerifyResult:
        by_seq: dict[int, list[Checkpoint]] = {}
        for anchor in anchors:
            by_seq.setdefault(anchor.seq, []).append(anchor)
        expected_seq, expected_prev, checked, held_seq = 1, GENESIS_HASH, 0, 0
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
                    break
                for row in rows:
                    held_by = by_seq.get(row.seq, ())
                    problem = _check_row(row, expected_seq, expected_prev) or _check_anchors(
                        row, held_by, held_seq
                    )
                    if problem is not None:
                        return VerifyResult(checked, bad_seq=problem[0], reason=problem[1])
                    checked += 1
                    expected_seq, expected_prev = row.seq + 1, row.row_hash
                    held_seq = row.seq if held_by else held_seq
        head_seq = expected_seq - 1
        head = (head_seq, expected_prev) if head_seq else None
        beyond = max(
            (anchor for anchor in anchors if anchor.seq > head_seq), key=lambda a: a.seq, default=None
        )
        if beyond is not None:
            ends = f"the log ends at seq {head_seq}" if head_seq else "the log is empty"
            reason = (
                f"rows {expected_seq} to {beyond.seq} are missing ({ends}): "
                f"{beyond.describe()} was signed when the log reached seq {beyond.seq}"
            )
            return VerifyResult(checked, bad_seq=expected_seq, reason=reason, head=head)
        return VerifyResult(checked, head=head)

    async def aclose(self) -> None:
        """Wait for appends in flight (at shutdown)."""
        await self._group_commit.aclose()
        if self._appender is not None:
            self._appender.close()

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
                as_utc(row.at),
                _entry_of(row),
                row.prev_hash,
                row.row_hash,
            )
            for row in rows[:first]
        ]
        return events, len(rows) > first


def _appender_for(sessions: async_sessionmaker[AsyncSession], chain: Chain) -> Appender | None:
    """The fast writer for the sessions' database, or None for in-memory SQLite."""
    engine = bound_engine(sessions)
    if engine is not None and engine.dialect.name == "postgresql":
        return PostgresAppender(engine, chain)
    sqlite_engine = sync_sqlite_engine(sessions)
    return SqliteAppender(sqlite_engine, chain) if sqlite_engine is not None else None


async def _head(session: AsyncSession) -> tuple[int, str] | None:
    last = (await session.execute(HEAD)).first()
    return (last.seq, last.row_hash) if last else None


def _checkpoint_values(checkpoint: Checkpoint) -> dict[str, object]:
    return {name: getattr(checkpoint, name) for name in CHECKPOINT_COLUMNS}


def _checkpoint_row(checkpoint: Checkpoint) -> AuditCheckpoint:
    return AuditCheckpoint(**_checkpoint_values(checkpoint))


def _check_anchors(row: AuditRecord, anchors: Sequence[Checkpoint], held_seq: int) -> tuple[int, str] | None:
    """A row whose chain is whole but whose hash differs from a checkpoint's: rows after the last checkpoint
    held (``held_seq``) were rewritten and the chain recomputed (the rows alone cannot tell which)."""
    for anchor in anchors:
        if anchor.row_hash != row.row_hash:
            return row.seq, (
                f"the row differs from {anchor.describe()}: the log was rewritten within rows "
                f"{held_seq + 1} to {row.seq} and its chain recomputed"
            )
    return None


def _check_row(row: AuditRecord, expected_seq: int, expected_prev: str) -> tuple[int, str] | None:
    if row.seq != expected_seq:
        return expected_seq, f"row {expected_seq} is missing (next row is {row.seq})"
    if row.prev_hash != expected_prev:
        return row.seq, "prev_hash does not match the row before it (a row was removed or moved)"
    if chain_hash(row.prev_hash, row.seq, row.at, _entry_of(row)) != row.row_hash:
        return row.seq, "row_hash does not match the row's content (the row was altered or moved)"
    return None


__all__ = [
    "CHECKPOINT_EVERY",
    "GENESIS_HASH",
    "AuditEntry",
    "AuditLog",
    "AuditedEvent",
    "VerifyResult",
    "chain_hash",
    "digest",
]
