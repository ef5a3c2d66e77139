"""Audit appends on PostgreSQL: one statement per group where it can, on a connection and event loop of
their own.

Every warm answer waits for its group's append, so its round trips are the answer's. A group is written in
one of two ways:

- **after the head this process last wrote** (the common case): one statement inserts the rows chained
  after that head (and the checkpoint, when due) only if that head row is still the one it wrote; the
  primary key on ``seq`` refuses the rows if another replica appended in between (the whole statement is
  rolled back, and PostgreSQL logs the unique violation). One round trip.
- **under the advisory lock** (the first append, after another replica appended, and for a second after
  such a collision, so that replicas appending side by side queue for the lock instead of colliding):
  begin, the lock, the head read after it is taken, the rows, commit. Five round trips.

Either way the chain never forks: a row's ``seq`` is unique and it links to the row before it as committed.
On the server's event loop each round trip waited for its turn behind every request queued there; here
the appends run on an event loop in a thread of their own, through one asyncpg connection. Driver errors
are raised as SQLAlchemy's (``IntegrityError``, ``OperationalError``), like every other database call of
the hub.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import weakref
from collections.abc import Coroutine, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar, cast

import asyncpg
import uvloop
from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.chain import CHECKPOINT_COLUMNS, COLUMNS, GENESIS_HEAD, HEAD, AuditEntry, Chain
from foundation.storage.models import AuditCheckpoint, AuditRecord, Base

# Any constant shared by every replica; names the audit chain among PostgreSQL advisory locks.
ADVISORY_LOCK_KEY = 0x4155444954  # "AUDIT"
CLOSE_TIMEOUT_S = 5.0
CONTENDED_S = 1.0
"""After another replica's rows took the place of a group's, appends go under the lock this long."""
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
        self._head_query = str(HEAD.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        self._insert_rows = str(insert(records).compile(dialect=dialect, column_keys=list(COLUMNS)))
        self._insert_checkpoint = str(
            insert(checkpoints).compile(dialect=dialect, column_keys=list(CHECKPOINT_COLUMNS))
        )
        self._after_head, self._after_head_with_checkpoint = _after_head(records, checkpoints, dialect)
        self._writer: _Writer | None = None
        # After this process's last append (None: not known); on the writer's loop only.
        self._known_head: tuple[int, str] | None = None
        self._locked_until = 0.0  # monotonic time until which appends take the lock (a collision)

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
        head, self._known_head = self._known_head, None  # not known again until this append has committed
        if head is not None and time.monotonic() >= self._locked_until:
            self._known_head = await self._append_after(writer, head, entries)
            if self._known_head is not None:
                return
            self._locked_until = time.monotonic() + CONTENDED_S
        self._known_head = await self._append_locked(writer, entries)

    async def _append_after(
        self, writer: _Writer, head: tuple[int, str], entries: Sequence[AuditEntry]
    ) -> tuple[int, str] | None:
        """The group in one statement after ``head``: the new head, or None when ``head`` is no longer the
        log's (another replica appended: nothing was written)."""
        rows, checkpoint = self._chain(head, entries)
        columns = [list(values) for values in zip(*rows, strict=True)]
        statement = self._after_head
        arguments: list[object] = [*head, *columns]
        if checkpoint is not None:
            statement = self._after_head_with_checkpoint
            arguments += [checkpoint[name] for name in CHECKPOINT_COLUMNS]
        try:
            connection = await writer.connection()
            status = await connection.execute(statement, *arguments)
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name == _SEQ_KEY:
                return None
            raise _as_sqlalchemy(writer, statement, error) from error
        except _DRIVER_ERRORS as error:
            raise _as_sqlalchemy(writer, statement, error) from error
        if status != f"INSERT 0 {len(rows)}":
            return None  # the head row is not the one this process wrote (or gone): nothing was inserted
        return rows[-1][0], rows[-1][-1]

    async def _append_locked(self, writer: _Writer, entries: Sequence[AuditEntry]) -> tuple[int, str]:
        """The group in a transaction under the advisory lock, after the head read once it is held."""
        statement = "BEGIN"
        try:
            connection = await writer.connection()
            async with connection.transaction():
                statement = "SELECT pg_advisory_xact_lock($1)"
                await connection.execute(statement, ADVISORY_LOCK_KEY)
                statement = self._head_query
                found = await connection.fetchrow(statement)
                head = (int(found[0]), str(found[1])) if found is not None else GENESIS_HEAD
                rows, checkpoint = self._chain(head, entries)
                statement = self._insert_rows
                await connection.executemany(statement, rows)
                if checkpoint is not None:
                    statement = self._insert_checkpoint
                    await connection.execute(statement, *(checkpoint[name] for name in CHECKPOINT_COLUMNS))
            return rows[-1][0], rows[-1][-1]
        except _DRIVER_ERRORS as error:
            raise _as_sqlalchemy(writer, statement, error) from error


_DRIVER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)


def _as_sqlalchemy(writer: _Writer, statement: str, error: Exception) -> Exception:
    """The driver's ``error`` of ``statement`` as SQLAlchemy's. A constraint's refusal leaves the connection
    as it was; any other error means it is not to be trusted (ended by the server, cut, or told of its end
    while idle), so the next append connects afresh."""
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        return IntegrityError(statement, None, error)
    writer.drop()
    return OperationalError(statement, None, error)


_SEQ_KEY = "audit_log_pkey"
"""PostgreSQL's name of the audit log's primary key (on ``seq``)."""


def _after_head(records: Table, checkpoints: Table, dialect: Any) -> tuple[str, str]:
    """The statements of a group after a known head: ``$1, $2`` the head's ``seq`` and ``row_hash``, then one
    array per column of the rows; the second also inserts a checkpoint (its values after the arrays). Both
    insert nothing unless the head row is in the log as given, in the statement's one snapshot.

    Only the hub's own table, column and type names are spelt into the text; every value is bound."""
    columns = [records.c[name] for name in COLUMNS]
    arrays = ", ".join(
        f"${number}::{column.type.compile(dialect=dialect)}[]" for number, column in enumerate(columns, 3)
    )
    values = ", ".join(
        f"${number}::{checkpoints.c[name].type.compile(dialect=dialect)}"
        for number, name in enumerate(CHECKPOINT_COLUMNS, len(columns) + 3)
    )
    held = "WHERE EXISTS (SELECT 1 FROM head)"
    head = f"head AS (SELECT 1 FROM {records.name} WHERE seq = $1 AND row_hash = $2)"  # noqa: S608 - see above
    into = f"INSERT INTO {records.name} ({', '.join(COLUMNS)})"
    rows = f"{into} SELECT * FROM unnest({arrays}) {held}"  # noqa: S608 - see above
    checkpoint = (
        f"checkpoint AS (INSERT INTO {checkpoints.name} ({', '.join(CHECKPOINT_COLUMNS)}) "
        f"SELECT {values} {held})"
    )
    return f"WITH {head} {rows}", f"WITH {head}, {checkpoint} {rows}"
