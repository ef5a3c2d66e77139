"""What someone with write access to the database (but not to the anchor file, nor the signing key) can do
to the audit log so that it still verifies on its own: each attack also deletes the checkpoint rows, which
it cannot re-sign."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import AuditEvent
from audit.log import GENESIS_HASH, AuditEntry, chain_hash
from foundation.storage.models import AuditCheckpoint, AuditRecord

Attack = Callable[[async_sessionmaker[AsyncSession]], Awaitable[None]]


def rewrite_and_rechain(seq: int) -> Attack:
    """Row ``seq`` is given to another tenant, and every row from it on gets its hashes recomputed."""

    async def attack(sessions: async_sessionmaker[AsyncSession]) -> None:
        async with sessions.begin() as session:
            rows = (await session.scalars(select(AuditRecord).order_by(AuditRecord.seq))).all()
            prev_hash = GENESIS_HASH
            for row in rows:
                if row.seq == seq:
                    row.tenant_id = "bank-z"
                if row.seq >= seq:
                    row.prev_hash = prev_hash
                    row.row_hash = chain_hash(prev_hash, row.seq, row.at, _entry(row))
                prev_hash = row.row_hash
            await session.execute(delete(AuditCheckpoint))

    return attack


def delete_tail(after_seq: int) -> Attack:
    """Every row after ``after_seq`` is deleted."""

    async def attack(sessions: async_sessionmaker[AsyncSession]) -> None:
        async with sessions.begin() as session:
            await session.execute(delete(AuditRecord).where(AuditRecord.seq > after_seq))
            await session.execute(delete(AuditCheckpoint))

    return attack


async def delete_whole_log(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await session.execute(delete(AuditRecord))
        await session.execute(delete(AuditCheckpoint))


def _entry(row: AuditRecord) -> AuditEntry:
    sources = tuple(row.sources.split(",")) if row.sources else ()
    return AuditEntry(
        AuditEvent(row.event),
        row.tenant_id,
        row.client_id,
        row.credit_code,
        sources,
        row.operation_hash,
        row.outcome,
    )
