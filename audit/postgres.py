"""Audit appends on PostgreSQL: one transaction per group, on a connection and event loop of their own.

A group's transaction is a few round trips (begin, the advisory lock, the head, the rows, commit). On the
server's event loop each of them waited for its turn behind every request in the loop's queue, so under
load a group took several times its database time and every answer waited for it (the largest cost of a
warm answer on PostgreSQL, BENCHMARKS.md). Here the appends run on an event loop in a thread of their own,
through one asyncpg connection, the rows handed to the driver as tuples: each round trip is answered when
it lands. The advisory lock serialises appends across replicas; the head is read after it is taken, so
the chain never forks. Driver errors are raised as SQLAlchemy's (``IntegrityError``, ``OperationalError``),
like every other database call of the hub.
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from collections.abc import Coroutine, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar, cast

import asyncpg
import uvloop
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.chain import CHECKPOINT_COLUMNS, COLUMNS, GENESIS_HEAD, HEAD, AuditEntry, Chain
from foundation.storage.models import AuditCheckpoint, AuditRecord, Base

# Any constant shared by every replica; names the audit chain among PostgreSQL advisory locks.
ADVISORY_LOCK_KEY = 0x4155444954  # "AUDIT"
CLOSE_TIMEOUT_S = 5.0
APPLICATION_NAME = "hub-audit-writer"
"""How the writer's connection shows in ``pg_stat_activity``, followed by the process id."""
T = TypeVar("T")


def writer_name() -> str:
    """This process's audit writer's ``application_name``."""
    return f"{APPLICATION_NAME} {os.getpid()}"


class _Writer:
    """An event loop in a daemon thread of its own, and the one connection the appends use on it."""

    def __init__(self, connect_kwargs: Mapping[str, Any]) -> None:
        self._connect_kwargs = connect_kwargs
        self._connection: asyncpg.Connection | None = None
        self.loop = uvloop.new_event_loop()  # as the server's: less of the GIL per round trip
        self._stopping = False
        self._thread = threading.Thread(target=self.loop.run_forever, name="audit-writer", daemon=True)
        self._thread.start()

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """``work`` run on this loop, awaited from another."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return await asyncio.wrap_future(future)

    async def connection(self) -> asyncpg.Connection:
        """The connection (opened when there is none); on this loop."""
        if self._connection is None or self._connection.is_closed():
            self._connection = cast(asyncpg.Connection, await asyncpg.connect(**self._connect_kwargs))
        return self._connection

    def drop(self) -> None:
        """Let go of the connection (the next append connects afresh); on this loop."""
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            connection.terminate()

    def stop(self, *, wait: bool = True) -> None:
        """Close the connection and stop the loop; from any thread but the loop's (``wait``: until it has
        stopped)."""
        if self._stopping:
            return
        self._stopping = True
        asyncio.run_coroutine_threadsafe(self._shut_down(), self.loop)
        if wait:
            self._thread.join(CLOSE_TIMEOUT_S)
            if not self._thread.is_alive():
                self.loop.close()

    async def _shut_down(self) -> None:
        connection, self._connection = self._connection, None
        try:
            if connection is not None and not connection.is_closed():
                await connection.close(timeout=CLOSE_TIMEOUT_S)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
            connection.terminate()  # type: ignore[union-attr]  # it was open
        finally:
            self.loop.stop()


class PostgresAppender:
    """Appends groups of entries, one group at a time, on a connection of its own to the database of
    ``engine`` (the process's engine on PostgreSQL + asyncpg; its URL and connect arguments are used).

    Parameters:
        engine: the process's async engine.
        chain: the rows (and checkpoint) continuing the chain after a head; must not touch the database.
    """

    def __init__(self, engine: AsyncEngine, chain: Chain) -> None:
        self._chain = chain
        dialect = engine.dialect
        _, connect_kwargs = dialect.create_connect_args(engine.url)
        settings = {**connect_kwargs.get("server_settings", {}), "application_name": writer_name()}
        self._connect_kwargs = {**connect_kwargs, "server_settings": settings}
        records = Base.metadata.tables[AuditRecord.__tablename__]
        checkpoints = Base.metadata.tables[AuditCheckpoint.__tablename__]
        self._head = str(HEAD.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        self._insert_rows = str(insert(records).compile(dialect=dialect, column_keys=list(COLUMNS)))
        self._insert_checkpoint = str(
            insert(checkpoints).compile(dialect=dialect, column_keys=list(CHECKPOINT_COLUMNS))
        )
        self._writer: _Writer | None = None

    def close(self) -> None:
        """Close the connection and stop the writer's loop (no append may be in flight)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.stop()

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        if self._writer is None:
            self._writer = _Writer(self._connect_kwargs)
            # An appender let go of without close (a test's) stops its thread and connection too.
            weakref.finalize(self, self._writer.stop, wait=False)
        await self._writer.run(self._append(self._writer, entries))

    async def _append(self, writer: _Writer, entries: Sequence[AuditEntry]) -> None:
        statement = "BEGIN"
        try:
            connection = await writer.connection()
            async with connection.transaction():
                statement = "SELECT pg_advisory_xact_lock($1)"
                await connection.execute(statement, ADVISORY_LOCK_KEY)
                statement = self._head
                found = await connection.fetchrow(statement)
                head = (int(found[0]), str(found[1])) if found is not None else GENESIS_HEAD
                rows, checkpoint = self._chain(head, entries)
                statement = self._insert_rows
                await connection.executemany(statement, rows)
                if checkpoint is not None:
                    statement = self._insert_checkpoint
                    await connection.execute(statement, *(checkpoint[name] for name in CHECKPOINT_COLUMNS))
        except asyncpg.IntegrityConstraintViolationError as error:
            raise IntegrityError(statement, None, error) from error
        except (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError) as error:
            # The connection is not to be trusted (ended by the server, cut, or told of its end while
            # idle): the next append connects afresh.
            writer.drop()
            raise OperationalError(statement, None, error) from error
