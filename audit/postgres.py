"""Audit appends on PostgreSQL: one Core transaction per group, rows handed to the driver as tuples.

Through an ORM session a group cost more in session bookkeeping and per-row parameter processing than the
statements themselves (the largest cost of a warm answer on PostgreSQL, BENCHMARKS.md). The advisory lock
serialises appends across replicas; the head is read after it is taken, so the chain never forks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.chain import CHECKPOINT_COLUMNS, COLUMNS, GENESIS_HEAD, HEAD, AuditEntry, Chain
from foundation.storage.models import AuditCheckpoint, AuditRecord, Base

# Any constant shared by every replica; names the audit chain among PostgreSQL advisory locks.
ADVISORY_LOCK_KEY = 0x4155444954  # "AUDIT"


class PostgresAppender:
    """Appends groups of entries through ``engine`` (the process's engine on PostgreSQL + asyncpg).

    Parameters:
        engine: the process's async engine.
        chain: the rows (and checkpoint) continuing the chain after a head; must not touch the database.
    """

    def __init__(self, engine: AsyncEngine, chain: Chain) -> None:
        self._engine = engine
        self._chain = chain
        dialect = engine.dialect
        records = Base.metadata.tables[AuditRecord.__tablename__]
        checkpoints = Base.metadata.tables[AuditCheckpoint.__tablename__]
        self._head = str(HEAD.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        self._insert_rows = str(insert(records).compile(dialect=dialect, column_keys=list(COLUMNS)))
        self._insert_checkpoint = str(
            insert(checkpoints).compile(dialect=dialect, column_keys=list(CHECKPOINT_COLUMNS))
        )

    def close(self) -> None:
        """Nothing of its own to close: the engine is the process's."""

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        async with self._engine.begin() as connection:
            await connection.exec_driver_sql("SELECT pg_advisory_xact_lock($1)", (ADVISORY_LOCK_KEY,))
            found = cast("tuple[int, str] | None", (await connection.exec_driver_sql(self._head)).first())
            head = (int(found[0]), str(found[1])) if found is not None else GENESIS_HEAD
            rows, checkpoint = self._chain(head, entries)
            await connection.exec_driver_sql(self._insert_rows, rows)
            if checkpoint is not None:
                values = tuple(checkpoint[name] for name in CHECKPOINT_COLUMNS)
                await connection.exec_driver_sql(self._insert_checkpoint, values)
