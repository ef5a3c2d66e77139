"""Snapshots on both databases: idempotent by content hash, latest by last confirmation."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.records import TaxRecord
from foundation.storage.models import Snapshot
from hub.sources.snapshots import content_hash, latest_snapshot, save_snapshot

CODE = "9133040285WK93385D"


def tax(grade: str) -> TaxRecord:
    return TaxRecord.model_validate(
        {
            "credit_code": CODE,
            "taxpayer_name": "嘉兴瑞明塑料制品有限公司",
            "grade": grade,
            "grade_year": 2025,
            "overdue_filings": 0,
            "years": [],
            "months": [],
        }
    )


async def test_same_content_is_stored_once_and_latest_follows_confirmation(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    start = datetime(2026, 11, 1, 8, tzinfo=UTC)
    a, b = tax("A"), tax("B")
    first = await save_snapshot(sessions, source="tax", credit_code=CODE, record=a, now=start)
    changed = await save_snapshot(
        sessions, source="tax", credit_code=CODE, record=b, now=start + timedelta(days=1)
    )
    back = await save_snapshot(
        sessions, source="tax", credit_code=CODE, record=a, now=start + timedelta(days=2)
    )
    assert (first.created, changed.created, back.created) == (True, True, False)
    assert back.fetched_at == start and back.content_hash == content_hash(a) == first.content_hash

    async with sessions() as session:
        rows = (await session.execute(select(func.count()).select_from(Snapshot))).scalar_one()
    assert rows == 2

    latest = await latest_snapshot(sessions, source="tax", credit_code=CODE)
    assert latest is not None
    assert latest.content_hash == content_hash(a)
    assert (latest.fetched_at, latest.checked_at) == (start, start + timedelta(days=2))
    assert TaxRecord.model_validate(latest.payload) == a


async def test_no_snapshot(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert await latest_snapshot(sessions, source="tax", credit_code=CODE) is None


async def test_the_stored_payload_is_the_canonical_text_of_its_hash(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The row holds the canonical JSON made for the hash (UTF-8, sorted keys), not a second encoding."""
    record = tax("A")
    written = await save_snapshot(
        sessions, source="tax", credit_code=CODE, record=record, now=datetime(2026, 11, 1, tzinfo=UTC)
    )
    async with sessions() as session:
        stored = (await session.execute(select(cast(Snapshot.payload, Text)))).scalar_one()
    assert hashlib.sha256(stored.encode()).hexdigest() == written.content_hash == content_hash(record)
    assert "嘉兴" in stored  # not \\u-escaped
    latest = await latest_snapshot(sessions, source="tax", credit_code=CODE)
    assert latest is not None and TaxRecord.model_validate(latest.payload) == record
