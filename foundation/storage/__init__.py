"""Database access: the one engine and session factory of a process, and migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, event, make_url
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from foundation.private_files import create_private_file
from foundation.settings import Settings


def as_utc(moment: datetime) -> datetime:
    """A timestamp read back from the database, aware and in UTC: SQLite hands them back naive (they
    were written in UTC), PostgreSQL aware."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL (None for other databases, in-memory ones and URI filenames,
    which SQLite itself parses)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.query.get("uri") in ("true", "1"):
        return None
    if url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def prepare_database_file(database_url: str) -> None:
    """Create a SQLite database file owner-only before SQLite opens it (SQLite would create it 0644, and
    its WAL files after it): it holds snapshots and the audit log. An existing file keeps its mode; a
    missing directory is left for SQLite to report when it connects, as it always did."""
    path = sqlite_file(database_url)
    if path is not None and path.parent.is_dir():
        create_private_file(path)


def create_engine(settings: Settings) -> AsyncEngine:
    """The process's engine. SQLite gets WAL and a busy timeout so readers never block the one writer."""
    if settings.uses_sqlite:
        prepare_database_file(settings.database_url)
        # A fixed pool: every aiosqlite connection is a thread, and overflow connections opened and closed
        # under load churned threads (and glibc malloc arenas: resident memory grew in the soak bench).
        engine = create_async_engine(
            settings.database_url, connect_args={"timeout": 30}, pool_size=16, max_overflow=0
        )
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    return create_async_engine(settings.database_url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def bound_engine(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine | None:
    """The engine ``sessions`` are bound to (None when they are bound otherwise)."""
    bind = getattr(sessions, "kw", {}).get("bind")
    return bind if isinstance(bind, AsyncEngine) else None


def sync_sqlite_engine(sessions: async_sessionmaker[AsyncSession]) -> Engine | None:
    """A synchronous engine on the same SQLite file as ``sessions`` (None for other databases and in-memory
    SQLite), for work done in one worker thread: through aiosqlite each statement is a thread hop.

    One pooled connection (its user, the audit log's group commit, writes one group at a time); worker
    threads take turns with it, so it is opened with ``check_same_thread=False``. Dispose it when done.
    """
    bind = bound_engine(sessions)
    if bind is None or bind.dialect.name != "sqlite":
        return None
    url = bind.url
    if url.database in (None, "", ":memory:") or "memory" in str(url.query.get("mode", "")):
        return None
    engine = create_sync_engine(
        url.set(drivername="sqlite"),
        pool_size=1,
        max_overflow=0,
        connect_args={"timeout": 30, "check_same_thread": False},
    )
    event.listen(engine, "connect", _tune_sqlite)
    return engine


def _tune_sqlite(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
