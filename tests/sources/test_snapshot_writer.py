"""The batching snapshot writer on both databases: batches, duplicates, a bad row, settle, close."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from foundation.storage.models import Snapshot
from hub.sources.snapshot_writer import SnapshotWriter
from hub.sources.snapshots import PendingSnapshot, latest_snapshot

START = datetime(2026, 11, 1, 8, tzinfo=UTC)
CODES = ["9133040285WK93385D", "913309038YLB77TF5A", "91330106R4R08RMJ3L"]


def snapshot(code: str, grade: str, *, minutes: int = 0, payload: Any = None) -> PendingSnapshot:
    return PendingSnapshot(
        "tax", code, f"hash-{grade}", payload or {"grade": grade}, START + timedelta(minutes=minutes)
    )


async def rows(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Snapshot))).scalar_one())


async def test_queued_snapshots_are_written_together_and_duplicates_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    writer = SnapshotWriter(sessions)
    futures = [writer.submit(snapshot(code, "A")) for code in CODES]
    again = writer.submit(snapshot(CODES[0], "A", minutes=5))  # same content, later, same batch
    results = await asyncio.gather(*futures, again)
    assert [result.created for result in results] == [True, True, True, False]
    assert results[3].fetched_at == START and results[3].content_hash == "hash-A"
    assert await rows(sessions) == 3
    latest = await latest_snapshot(sessions, source="tax", credit_code=CODES[0])
    assert latest is not None and latest.checked_at == START + timedelta(minutes=5)


async def test_a_bad_snapshot_fails_alone(sessions: async_sessionmaker[AsyncSession]) -> None:
    writer = SnapshotWriter(sessions)
    good = writer.submit(snapshot(CODES[0], "A"))
    bad = writer.submit(snapshot(CODES[1], "B", payload={"not json": object()}))
    also_good = writer.submit(snapshot(CODES[2], "C"))
    assert (await good).created and (await also_good).created
    with pytest.raises(Exception, match="JSON serializable"):
        await bad
    assert await rows(sessions) == 2


async def test_nothing_submitted_is_lost_at_close(sessions: async_sessionmaker[AsyncSession]) -> None:
    writer = SnapshotWriter(sessions, max_batch=2)
    for minutes, code in enumerate(CODES * 2):
        writer.submit(snapshot(code, str(minutes), minutes=minutes))  # nobody awaits these
    assert writer.pending() == 6
    await writer.aclose()
    assert writer.pending() == 0 and await rows(sessions) == 6


async def test_settle_waits_for_that_enterprise_only(sessions: async_sessionmaker[AsyncSession]) -> None:
    writer = SnapshotWriter(sessions)
    writer.submit(snapshot(CODES[0], "A"))
    await writer.settle("tax", CODES[0])
    assert await latest_snapshot(sessions, source="tax", credit_code=CODES[0]) is not None
    await writer.settle("tax", CODES[1])  # nothing queued: returns at once
    await writer.aclose()


async def test_the_writer_lingers_unless_someone_waits(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The write starts ``linger_s`` after the first submit (out of the answer that fetched the record),
    at once when a reader settles it or the writer closes, and by itself when nobody waits."""
    writer = SnapshotWriter(sessions, linger_s=3600)
    first = writer.submit(snapshot(CODES[0], "A"))
    writer.submit(snapshot(CODES[1], "B"))
    await asyncio.sleep(0.05)
    assert not first.done() and await rows(sessions) == 0  # lingering

    await asyncio.wait_for(writer.settle("tax", CODES[0]), 10)
    assert first.done() and await rows(sessions) == 2  # one batch, started for the reader

    lingering = writer.submit(snapshot(CODES[2], "C"))
    await asyncio.wait_for(writer.aclose(), 10)
    assert lingering.done() and await rows(sessions) == 3

    prompt = SnapshotWriter(sessions, linger_s=0.01)
    assert (await asyncio.wait_for(prompt.submit(snapshot(CODES[0], "D", minutes=1)), 10)).created
    await prompt.aclose()
