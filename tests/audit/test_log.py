"""The hash-chained audit log: appends chain, concurrent appends never fork, tampering is found."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from audit.chain import AuditEvent, Prepared, chained_rows
from audit.log import GENESIS_HASH, AuditEntry, AuditLog, chain_hash
from audit.postgres import PostgresAppender, writer_name
from foundation.storage.models import AuditRecord


def _entry(number: int, tenant: str = "bank-a") -> AuditEntry:
    return AuditEntry(
        event=AuditEvent.DATA_ACCESS,
        tenant_id=tenant,
        client_id="cl-1",
        credit_code="91330100MA2B3C4D5E",
        sources=("electricity", "tax"),
        operation_hash=f"{number:064x}",
        outcome="served,no_consent",
    )


async def _filled(sessions: async_sessionmaker[AsyncSession], count: int = 6) -> AuditLog:
    log = AuditLog(sessions)
    for number in range(count):
        await log.append([_entry(number)])
    return log


async def test_rows_chain_from_genesis(sessions: async_sessionmaker[AsyncSession]) -> None:
    log = await _filled(sessions, 3)
    events, more = await log.trail(tenant_id="bank-a", first=10, after_seq=None, credit_code=None)
    assert not more
    chain = sorted(events, key=lambda event: event.seq)
    assert [event.seq for event in chain] == [1, 2, 3]
    assert chain[0].prev_hash == GENESIS_HASH
    assert [event.prev_hash for event in chain[1:]] == [event.row_hash for event in chain[:-1]]
    result = await log.verify()
    assert result.ok and result.rows_checked == 3


async def test_an_entry_reads_back_as_it_was_appended(sessions: async_sessionmaker[AsyncSession]) -> None:
    # On SQLite the rows go to the driver past SQLAlchemy's types: they must read back through them alike.
    before = datetime.now(UTC)
    log = AuditLog(sessions)
    await log.append([_entry(7), _entry(8, "bank-b")])
    after = datetime.now(UTC)
    events, _ = await log.trail(tenant_id="bank-a", first=10, after_seq=None, credit_code=None)
    [event] = events
    assert event.entry == _entry(7)
    assert event.seq == 1 and event.at.tzinfo is UTC and before <= event.at <= after
    assert event.row_hash == chain_hash(GENESIS_HASH, 1, event.at, _entry(7))
    assert (await log.verify()).ok


async def test_concurrent_appends_keep_one_chain(sessions: async_sessionmaker[AsyncSession]) -> None:
    # Two AuditLogs stand for two replicas (or a CLI next to the hub): only the database serialises them.
    first, second = AuditLog(sessions), AuditLog(sessions)
    await asyncio.gather(
        *[(first if n % 2 else second).append([_entry(n), _entry(n + 100)]) for n in range(20)]
    )
    result = await first.verify()
    assert result.ok, result
    assert result.rows_checked == 40


async def test_an_altered_row_is_named(sessions: async_sessionmaker[AsyncSession]) -> None:
    log = await _filled(sessions)
    async with sessions.begin() as session:
        await session.execute(update(AuditRecord).where(AuditRecord.seq == 4).values(outcome="served,served"))
    result = await log.verify()
    assert (result.ok, result.bad_seq) == (False, 4)
    assert "altered" in (result.reason or "")


async def test_a_removed_row_is_named(sessions: async_sessionmaker[AsyncSession]) -> None:
    log = await _filled(sessions)
    async with sessions.begin() as session:
        await session.execute(delete(AuditRecord).where(AuditRecord.seq == 3))
    result = await log.verify()
    assert (result.ok, result.bad_seq) == (False, 3)
    assert "missing" in (result.reason or "")


async def test_a_removed_first_row_is_named(sessions: async_sessionmaker[AsyncSession]) -> None:
    log = await _filled(sessions)
    async with sessions.begin() as session:
        await session.execute(delete(AuditRecord).where(AuditRecord.seq == 1))
    assert (await log.verify()).bad_seq == 1


async def test_reordered_rows_are_named(sessions: async_sessionmaker[AsyncSession]) -> None:
    log = await _filled(sessions)
    async with sessions.begin() as session:
        # Swap rows 2 and 5 by their seq (through a free value: seq is the primary key).
        await session.execute(update(AuditRecord).where(AuditRecord.seq == 2).values(seq=-1))
        await session.execute(update(AuditRecord).where(AuditRecord.seq == 5).values(seq=2))
        await session.execute(update(AuditRecord).where(AuditRecord.seq == -1).values(seq=5))
    result = await log.verify()
    assert (result.ok, result.bad_seq) == (False, 2)


async def test_a_rehashed_row_breaks_the_next_link(sessions: async_sessionmaker[AsyncSession]) -> None:
    log = await _filled(sessions)
    async with sessions.begin() as session:
        await session.execute(update(AuditRecord).where(AuditRecord.seq == 3).values(row_hash="f" * 64))
    assert (await log.verify()).bad_seq == 3


async def test_trail_pages_by_seq_within_one_tenant(sessions: async_sessionmaker[AsyncSession]) -> None:
    log = AuditLog(sessions)
    for number in range(5):
        await log.append([_entry(number, "bank-a"), _entry(number, "bank-b")])
    page, more = await log.trail(tenant_id="bank-a", first=3, after_seq=None, credit_code=None)
    assert more and [event.seq for event in page] == [9, 7, 5]
    rest, more = await log.trail(tenant_id="bank-a", first=3, after_seq=page[-1].seq, credit_code=None)
    assert not more and [event.seq for event in rest] == [3, 1]
    assert {event.entry.tenant_id for event in page + rest} == {"bank-a"}
    none, _ = await log.trail(tenant_id="bank-a", first=3, after_seq=None, credit_code="91330100MA2B3C4D5X")
    assert none == []


async def test_concurrent_appends_of_one_process_share_transactions(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    log = AuditLog(sessions)
    await asyncio.gather(*[log.append([_entry(n)]) for n in range(50)])
    result = await log.verify()
    assert result.ok and result.rows_checked == 50
    # The rows of one transaction share its time (and different transactions are microseconds apart).
    events, _ = await log.trail(tenant_id="bank-a", first=50, after_seq=None, credit_code=None)
    transactions = len({event.at for event in events})
    assert 1 <= transactions < 50, transactions


async def test_an_append_after_another_process_appended_continues_its_chain(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # This process chains its next rows ahead from the head it wrote last; another writer moved it since.
    ours, theirs = AuditLog(sessions), AuditLog(sessions)
    await ours.append([_entry(1)])
    await theirs.append([_entry(2), _entry(3)])
    await ours.append([_entry(4)])
    result = await ours.verify()
    assert result.ok and result.rows_checked == 4


async def test_an_append_after_the_tail_was_cut_continues_from_the_log_not_from_memory(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # The head this process wrote last is gone: its next rows must link to the head the log holds (a row
    # after the one remembered would leave a gap that verify reports as tampering by the hub itself).
    log = await _filled(sessions, 3)
    async with sessions.begin() as session:
        await session.execute(delete(AuditRecord).where(AuditRecord.seq == 3))
    await log.append([_entry(10)])
    await log.append([_entry(11)])
    result = await log.verify()
    assert result.ok and result.rows_checked == 4, result


async def test_a_postgres_append_that_lost_the_head_to_another_replica_goes_under_the_lock(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Two appenders (two replicas): one's rows after the head it remembers collide with the other's on
    ``seq``; the appender itself takes the lock and appends after the log's head (no error, no retry)."""
    engine = sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        pytest.skip("the append after a remembered head is PostgreSQL's")

    def chain(head: tuple[int, str], entries: Sequence[AuditEntry]) -> Prepared:
        return chained_rows(head, entries, datetime.now(UTC)), None

    ours, theirs = PostgresAppender(engine, chain), PostgresAppender(engine, chain)
    try:
        await ours.append([_entry(1)])  # the first append: under the lock
        await ours.append([_entry(2)])  # after the head it wrote
        await theirs.append([_entry(3), _entry(4)])
        await ours.append([_entry(5)])  # seq 3 is taken: refused by the key, then under the lock
        await ours.append([_entry(6)])
    finally:
        ours.close()
        theirs.close()
    result = await AuditLog(sessions).verify()
    assert result.ok and result.rows_checked == 6, result


async def test_a_failed_group_commit_fails_every_caller(tmp_path: Path) -> None:
    # A database without the audit table: every attempt fails, and every waiting request hears of it.
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        log = AuditLog(async_sessionmaker(engine, expire_on_commit=False))
        outcomes = await asyncio.gather(*[log.append([_entry(n)]) for n in range(5)], return_exceptions=True)
    finally:
        await engine.dispose()
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes), outcomes


async def test_an_append_after_the_database_dropped_the_writer_connects_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """PostgreSQL restarted or a DBA ended the audit writer's session: the next append retries on a new
    connection, and the chain goes on unbroken."""
    engine = sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        pytest.skip("a connection of the audit writer's own is PostgreSQL's")
    log = AuditLog(sessions)
    await log.append([_entry(0)])
    # Appended at once after the end, and after the writer was told of it while idle (asyncpg then
    # refuses the next query with an internal error of its own, not a connection error).
    for number, told_s in ((1, 0.0), (2, 0.3)):
        async with sessions.begin() as session:
            ended = await session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": writer_name()},  # this process's: other test processes run beside it
            )
        assert ended and ended >= 1  # the writers of earlier tests of this process too
        await asyncio.sleep(told_s)
        await log.append([_entry(number)])
    result = await log.verify()
    assert result.ok and result.rows_checked == 3
    await log.aclose()
