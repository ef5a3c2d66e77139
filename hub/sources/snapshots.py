"""Snapshots: every distinct normalised payload of a source for an enterprise, append-only.

A write is one short transaction: ``INSERT … ON CONFLICT (source, credit_code, content_hash) DO UPDATE
SET checked_at``, so the same content is stored once however often it is fetched, concurrent writers
cannot duplicate it, and re-running a sync writes nothing new for unchanged data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.records import SourceRecord
from hub.storage.models import Snapshot


def payload_hash(payload: Any) -> str:
    """sha256 of the canonical JSON (sorted keys, no spaces) of a record's JSON form."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def content_hash(record: SourceRecord) -> str:
    """Equal records hash equal, whatever the fetch that produced them."""
    return payload_hash(record.model_dump(mode="json"))


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back naive; they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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


async def save_snapshot(
    sessions: async_sessionmaker[AsyncSession],
    *,
    source: str,
    credit_code: str,
    record: SourceRecord,
    now: datetime,
) -> SnapshotWrite:
    payload = record.model_dump(mode="json")
    digest = payload_hash(payload)
    async with sessions() as session, session.begin():
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert(Snapshot) if dialect == "postgresql" else sqlite_insert(Snapshot)
        values = insert.values(
            source=source,
            credit_code=credit_code,
            fetched_at=now,
            checked_at=now,
            content_hash=digest,
            payload=payload,
        )
        upsert = values.on_conflict_do_update(
            index_elements=[Snapshot.source, Snapshot.credit_code, Snapshot.content_hash],
            set_={"checked_at": values.excluded.checked_at},
        ).returning(Snapshot.fetched_at)
        fetched_at = as_utc((await session.execute(upsert)).scalar_one())
    return SnapshotWrite(content_hash=digest, fetched_at=fetched_at, created=fetched_at == as_utc(now))


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
