"""``hub audit verify`` passes an intact chain and exits 1 naming the first tampered row."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.audit import AuditEntry, AuditLog
from hub.storage.models import AuditRecord
from tests.cli.test_clients import run_hub
from tests.fixtures.backends import Backend


async def _log_of(sessions: async_sessionmaker[AsyncSession], rows: int) -> None:
    log = AuditLog(sessions)
    for number in range(rows):
        await log.append(
            [
                AuditEntry(
                    "data_access",
                    "bank-a",
                    "cl-1",
                    "91330100MA2B3C4D5E",
                    ("tax",),
                    f"{number:064x}",
                    "served",
                )
            ]
        )


async def test_intact_chain_passes(backend: Backend, sessions: async_sessionmaker[AsyncSession]) -> None:
    await _log_of(sessions, 4)
    result = await run_hub(backend, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "4 rows verified" in result.stdout


async def test_altered_row_fails_and_is_named(
    backend: Backend, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _log_of(sessions, 5)
    async with sessions.begin() as session:
        await session.execute(update(AuditRecord).where(AuditRecord.seq == 3).values(tenant_id="bank-b"))
    result = await run_hub(backend, "audit", "verify")
    assert result.exit_code == 1
    assert "first bad row seq 3" in result.stderr


async def test_removed_row_fails_and_is_named(
    backend: Backend, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _log_of(sessions, 5)
    async with sessions.begin() as session:
        await session.execute(delete(AuditRecord).where(AuditRecord.seq == 2))
    result = await run_hub(backend, "audit", "verify")
    assert result.exit_code == 1
    assert "first bad row seq 2" in result.stderr and "missing" in result.stderr
