"""How current a process's cached access decisions are.

Every change to who may read what (consent granted or withdrawn, token revoked, client disabled, enabled
or re-issued) moves the ``access_version`` row forward inside the change's own transaction
(:func:`bump_access_version`). A process caches access decisions (a token's refusal, an enterprise's live
consents, whole answers) under the version it read, so a new version makes all of them stale at once.

A process reads the version again when its copy is older than ``max_age_s``, and before its next use after
a change committed by the process itself. So a change counts at once in the process that made it, and
within ``max_age_s`` on every other replica or next to a CLI; ``max_age_s = 0`` reads it on every use.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from foundation.storage.models import AccessVersion


class _LocalChanges:
    """Access changes committed by this process (any engine, any session): every AccessState reads it."""

    count = 0

    @classmethod
    def committed(cls, _session: Session) -> None:
        cls.count += 1


async def bump_access_version(session: AsyncSession) -> None:
    """In ``session``'s transaction: move the access version forward. At commit, this process's cached
    decisions go stale; other processes' within their ``max_age_s``."""
    # An upsert: also right on a database whose tables were created without the migrations' first row.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(AccessVersion).values(id=1, version=1)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[AccessVersion.id], set_={"version": AccessVersion.version + 1}
        )
    )
    event.listen(session.sync_session, "after_commit", _LocalChanges.committed, once=True)


@dataclass
class _Read:
    local_changes: int
    task: asyncio.Task[int]


class AccessState:
    """The access version this process acts on, at most ``max_age_s`` old (one read at a time)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        max_age_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._max_age_s = max_age_s
        self._clock = clock
        self._version: int | None = None
        self._read_at = 0.0
        self._read_local_changes = -1
        self._reading: _Read | None = None
        self.reads = 0

    async def version(self) -> int:
        local_changes = _LocalChanges.count
        if (
            self._version is not None
            and self._read_local_changes == local_changes
            and self._clock() - self._read_at < self._max_age_s
        ):
            return self._version
        reading = self._reading
        if reading is None or reading.local_changes < local_changes:
            # A read begun before this process's latest change might miss it: begin another.
            reading = _Read(local_changes, asyncio.ensure_future(self._read(local_changes)))
            self._reading = reading
        return await asyncio.shield(reading.task)

    async def _read(self, local_changes: int) -> int:
        started = self._clock()
        try:
            async with self._sessions() as session:
                version = await session.scalar(select(AccessVersion.version).where(AccessVersion.id == 1))
            self.reads += 1
            if local_changes >= self._read_local_changes:
                self._version, self._read_at, self._read_local_changes = version or 0, started, local_changes
            return version or 0
        finally:
            if self._reading is not None and self._reading.local_changes == local_changes:
                self._reading = None
