"""Snapshots: every distinct normalised payload of a source for an enterprise, append-only.

A write is ``INSERT … ON CONFLICT (source, credit_code, content_hash) DO UPDATE SET checked_at``, so the
same content is stored once however often it is fetched, concurrent writers cannot duplicate it, and
re-running a sync writes nothing new for unchanged data. :func:`save_snapshots` writes many in one short
transaction (one statement): SQLite has a single writer, so one commit for a batch instead of one per
snapshot (see :mod:`hub.sources.snapshot_writer`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Dialect, Table, TypeDecorator, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import ReturningInsert

from connectors.records import Record
from foundation.storage import as_utc
from foundation.storage.models import Snapshot

SnapshotKey = tuple[str, str, str]  # source, credit code, content hash


def canonical_json(payload: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8 (the bytes of ``json.dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` for a record's JSON form, which holds no floats), in one fast pass.
    """
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


def payload_hash(payload: Any) -> str:
    """sha256 of the canonical JSON of a record's JSON form."""
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def content_hash(record: Record) -> str:
    """Equal records hash equal, whatever the fetch that produced them."""
    return payload_hash(record.model_dump(mode="json"))


@dataclass(frozen=True)
class PendingSnapshot:
    """A snapshot to write: ``payload`` is the record's JSON form, ``content_hash`` its hash and
    ``document`` its canonical JSON text when already made (stored as is, not serialised again)."""

    source: str
    credit_code: str
    content_hash: str
    payload: dict[str, Any]
    now: datetime
    document: str | None = None

    @property
    def json_text(self) -> str:
        return self.document if self.document is not None else canonical_json(self.payload).decode()

    @property
    def key(self) -> SnapshotKey:
        return (self.source, self.credit_code, self.content_hash)


@dataclass(frozen=True)
class SnapshotWrite:
    content_hash: str
    fetched_at: datetime  # first time this content was seen
    created: bool  # False: the same content was already stored (only checked_at moved)


@dataclass(frozen=True)
class StoredSnapshot:
    payload: dict[str, Any]
    content_hash: str
    fetched_at: datetime
    checked_at: datetime


@dataclass(frozen=True)
class EncodedRecord:
    """A record's JSON form (``payload``, for the snapshot row), its canonical JSON text (``document``,
    for the cache) and its ``content_hash``: one serialisation serves all three.
    """

    payload: dict[str, Any]
    document: str
    content_hash: str


def encode_record(record: Record) -> EncodedRecord:
    payload = record.model_dump(mode="json")
    document = canonical_json(payload)
    return EncodedRecord(payload, document.decode(), hashlib.sha256(document).hexdigest())


def pending_snapshot(
    *, source: str, credit_code: str, encoded: EncodedRecord, now: datetime
) -> PendingSnapshot:
    return PendingSnapshot(source, credit_code, encoded.content_hash, encoded.payload, now, encoded.document)


class _JSONText(TypeDecorator[str]):
    """A JSON column bound from JSON text already made: the canonical text of the content hash is stored
    as is instead of the column's serializer encoding the payload again (~3% of a sync's CPU)."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


@functools.cache
def _upsert_statement(dialect: str) -> ReturningInsert[str, str, str, datetime]:
    """``INSERT … ON CONFLICT (source, credit_code, content_hash) DO UPDATE SET checked_at … RETURNING``."""
    table = Snapshot.__table__
    assert isinstance(table, Table)
    insert = postgresql_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    insert = insert.values(payload=bindparam("payload", type_=_JSONText()))
    return insert.on_conflict_do_update(
        index_elements=[table.c.source, table.c.credit_code, table.c.content_hash],
        set_={"checked_at": insert.excluded.checked_at},
    ).returning(table.c.source, table.c.credit_code, table.c.content_hash, table.c.fetched_at)


async def save_snapshots(
    sessions: async_sessionmaker[AsyncSession], snapshots: Sequence[PendingSnapshot]
) -> list[SnapshotWrite]:
    """Write ``snapshots`` in one transaction; one result per snapshot, in order. The same content twice
    in one batch is one row (first seen at the earliest ``now``, checked at the latest).
    """
    rows: dict[SnapshotKey, dict[str, Any]] = {}
    for snapshot in snapshots:
        row = rows.get(snapshot.key)
        if row is None:
            rows[snapshot.key] = {
                "source": snapshot.source,
                "credit_code": snapshot.credit_code,
                "content_hash": snapshot.content_hash,
                "payload": snapshot.json_text,
                "fetched_at": snapshot.now,
                "checked_at": snapshot.now,
            }
        else:
            row["fetched_at"] = min(row["fetched_at"], snapshot.now)
            row["checked_at"] = max(row["checked_at"], snapshot.now)
    async with sessions() as session, session.begin():
        # One compiled statement, many rows (SQLAlchemy's insertmanyvalues): a multi-row VALUES built per
        # batch is compiled afresh each time (its shape changes with the row count), ~half the write's CPU.
        upsert = _upsert_statement(session.get_bind().dialect.name)
        # RETURNING order is not the VALUES order on SQLite: match the rows by their key.
        first_seen = {
            (source, credit_code, digest): as_utc(fetched_at)
            for source, credit_code, digest, fetched_at in await session.execute(upsert, list(rows.values()))
        }
    return [
        SnapshotWrite(
            content_hash=snapshot.content_hash,
            fetched_at=first_seen[snapshot.key],
            created=first_seen[snapshot.key] == as_utc(snapshot.now),
        )
        for snapshot in snapshots
    ]


async def save_snapshot(
    sessions: async_sessionmaker[AsyncSession],
    *,
    source: str,
    credit_code: str,
    record: Record,
    now: datetime,
) -> SnapshotWrite:
    pending = pending_snapshot(source=source, credit_code=credit_code, encoded=encode_record(record), now=now)
    return (await save_snapshots(sessions, [pending]))[0]


async def latest_snapshot(
    sessions: async_sessionmaker[AsyncSession], *, source: str, credit_code: str
) -> StoredSnapshot | None:
    """The content most recently confirmed by the upstream (by ``checked_at``: content A, then B, then A
    again means A is current), or ``None``.
    """
    query = (
        select(Snapshot)
        .where(Snapshot.source == source, Snapshot.credit_code == credit_code)
        .order_by(Snapshot.checked_at.desc(), Snapshot.fetched_at.desc(), Snapshot.id.desc())
        .limit(1)
    )
    async with sessions() as session:
        row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        return None
    return StoredSnapshot(
        payload=row.payload,
        content_hash=row.content_hash,
        fetched_at=as_utc(row.fetched_at),
        checked_at=as_utc(row.checked_at),
    )


async def snapshot_by_hash(
    sessions: async_sessionmaker[AsyncSession], *, source: str, credit_code: str, content_hash: str
) -> StoredSnapshot | None:
    """The snapshot of exactly this content (what an assessment read), or None when it is gone."""
    query = select(Snapshot).where(
        Snapshot.source == source, Snapshot.credit_code == credit_code, Snapshot.content_hash == content_hash
    )
    async with sessions() as session:
        row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        return None
    return StoredSnapshot(
        payload=row.payload,
        content_hash=row.content_hash,
        fetched_at=as_utc(row.fetched_at),
        checked_at=as_utc(row.checked_at),
    )


async def known_enterprises(
    sessions: async_sessionmaker[AsyncSession], source: str = "registry"
) -> list[str]:
    """The credit codes of every enterprise with a stored snapshot of ``source``, sorted (the firms the
    hub has seen: a population to simulate over)."""
    query = (
        select(Snapshot.credit_code)
        .where(Snapshot.source == source)
        .distinct()
        .order_by(Snapshot.credit_code)
    )
    async with sessions() as session:
        return list((await session.scalars(query)).all())
