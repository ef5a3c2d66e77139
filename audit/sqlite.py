"""Audit appends on SQLite: one worker-thread hop per group, straight to the driver.

Through aiosqlite every statement is a thread hop (~10 per transaction), and through SQLAlchemy's
``Connection`` each row's parameters are processed in Python. Either way the writer thread held the GIL long
enough, beside the event loop, to cost a large share of warm throughput (BENCHMARKS.md, "Profile"). So a
group is appended in one hop on the audit's kept sync connection, by the driver's own calls, which release
the GIL while SQLite works. The rows are chained on the event loop beforehand, from the head this process
last wrote; the thread chains them again only when another process (a CLI next to the hub) appended since.
Driver errors are raised as SQLAlchemy's (``OperationalError`` for a held write lock), like every other
database call of the hub.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Engine, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

from audit.chain import CHECKPOINT_COLUMNS, COLUMNS, GENESIS_HEAD, HEAD, AuditEntry, Chain, Prepared
from foundation.storage.models import AuditCheckpoint, AuditRecord

_DIALECT = sqlite.dialect()
_HEAD = str(HEAD.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True}))
_INSERT_ROWS = str(insert(AuditRecord).compile(dialect=_DIALECT, column_keys=list(COLUMNS)))
_INSERT_CHECKPOINT = str(
    insert(AuditCheckpoint).compile(dialect=_DIALECT, column_keys=list(CHECKPOINT_COLUMNS))
)


def _time_converter(engine: Engine) -> Callable[[datetime], str]:
    """How SQLAlchemy stores a ``DateTime`` on this engine, so rows written past it read back the same."""
    column_type = AuditRecord.__table__.c.at.type
    process = column_type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
    if process is None:
        raise RuntimeError("SQLite's DateTime has a bind processor")
    return cast(Callable[[datetime], str], process)


class SqliteAppender:
    """Appends groups of entries through ``engine`` (a sync engine on the hub's SQLite file, one pooled
    connection), one group at a time.

    Parameters:
        engine: from :func:`foundation.storage.sync_sqlite_engine`.
        chain: the rows (and checkpoint) continuing the chain after a head; must not touch the database.
    """

    def __init__(self, engine: Engine, chain: Chain) -> None:
        self._engine = engine
        self._chain = chain
        self._stored_time = _time_converter(engine)
        self._head: tuple[int, str] | None = None  # after this process's last append; None: not known

    def close(self) -> None:
        self._engine.dispose()

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        head, self._head = self._head, None  # not known again until this append has committed
        prepared = self._chain(head, entries) if head is not None else None
        self._head = await asyncio.to_thread(self._append, entries, head, prepared)

    def _append(
        self, entries: Sequence[AuditEntry], expected_head: tuple[int, str] | None, prepared: Prepared | None
    ) -> tuple[int, str]:
        connection = self._engine.raw_connection()
        statement = "BEGIN IMMEDIATE"
        try:
            cursor = connection.cursor()
            # Take the write lock before reading the head: another process cannot append in between.
            cursor.execute(statement)
            statement = _HEAD
            cursor.execute(statement)
            found = cursor.fetchone()
            head = (int(found[0]), str(found[1])) if found else GENESIS_HEAD
            if prepared is None or head != expected_head:
                prepared = self._chain(head, entries)
            rows, checkpoint = prepared
            at = self._stored_time(rows[0][1])  # one time for the whole group
            statement = _INSERT_ROWS
            cursor.executemany(statement, [(row[0], at, *row[2:]) for row in rows])
            if checkpoint is not None:
                values = {**checkpoint, "at": self._stored_time(cast(datetime, checkpoint["at"]))}
                statement = _INSERT_CHECKPOINT
                cursor.execute(statement, tuple(values[name] for name in CHECKPOINT_COLUMNS))
            statement = "COMMIT"
            connection.commit()
        except sqlite3.Error as error:
            raise DBAPIError.instance(statement, None, error, sqlite3.Error, hide_parameters=True) from error
        finally:
            connection.close()  # back to the pool, which rolls back what was not committed
        return rows[-1][0], rows[-1][-1]
