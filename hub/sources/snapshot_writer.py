"""Group commit of snapshots: one writer task per process writes whatever is queued in one transaction.

SQLite has one writer at a time: many tasks each committing their own snapshot queue up on the database
lock (and its busy-wait sleeps), so a bulk sync is bound by commits. Here the first submitted snapshot starts
the writer ``linger_s`` later; while it commits, later ones queue and go together in the next transaction.
The linger keeps the write (its statements are built on the event loop) out of the answer that fetched the
record, which completes within a few ms of its last fetch (issue 17's cold path), and batches the
snapshots of concurrent requests. A batch that fails is retried one snapshot at a time, so one bad row
fails only its own write.

The read path does not wait for its write (``submit`` returns a future it may ignore); :meth:`settle`
waits for one key's writes before reading the latest snapshot, and :meth:`aclose` for all of them at
shutdown, so nothing submitted is lost.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from foundation.logging import get_logger
from hub.sources.snapshots import PendingSnapshot, SnapshotWrite, save_snapshots

MAX_BATCH = 200
LINGER_S = 0.01
log = get_logger(__name__)

Queued = tuple[PendingSnapshot, asyncio.Future[SnapshotWrite]]


class SnapshotWriter:
    """Writes submitted snapshots in batches (see the module docstring)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        max_batch: int = MAX_BATCH,
        linger_s: float = LINGER_S,
    ) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._linger_s = linger_s
        self._start_at: asyncio.TimerHandle | None = None  # the writer's start, while it lingers
        self._queue: list[Queued] = []
        self._unsettled: Counter[tuple[str, str]] = Counter()  # (source, credit code) → writes not done
        self._settled: dict[tuple[str, str], asyncio.Event] = {}
        self._writer: asyncio.Task[None] | None = None

    def submit(self, snapshot: PendingSnapshot) -> asyncio.Future[SnapshotWrite]:
        """Queue ``snapshot``; the future holds its outcome (or the database's exception)."""
        loop = asyncio.get_running_loop()
        written: asyncio.Future[SnapshotWrite] = loop.create_future()
        written.add_done_callback(_retrieved)  # a failure is logged by the writer, awaited or not
        self._queue.append((snapshot, written))
        self._unsettled[(snapshot.source, snapshot.credit_code)] += 1
        if self._idle() and self._start_at is None:
            self._start_at = loop.call_later(self._linger_s, self._start)
        return written

    def _idle(self) -> bool:
        return self._writer is None or self._writer.done()

    def _start(self) -> None:
        """Start the writer now (its linger over, or someone waits for a write)."""
        if self._start_at is not None:
            self._start_at.cancel()
            self._start_at = None
        if self._queue and self._idle():
            loop = asyncio.get_running_loop()
            self._writer = loop.create_task(self._write_queued(), name="snapshot-writer")

    async def settle(self, source: str, credit_code: str) -> None:
        """Return once no write of this enterprise's ``source`` is queued or in flight."""
        key = (source, credit_code)
        if self._unsettled[key]:
            self._start()  # a reader waits for it: no linger
        while self._unsettled[key]:
            await self._settled.setdefault(key, asyncio.Event()).wait()

    def pending(self) -> int:
        return sum(self._unsettled.values())

    async def aclose(self) -> None:
        """Wait until every submitted snapshot is written (or has failed and been logged)."""
        self._start()
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write_queued(self) -> None:
        batch: list[Queued] = []
        try:
            while self._queue:
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
                await self._write(batch)
                self._finish(batch)
        except BaseException:  # cancelled with the event loop: nobody waits for what is left forever
            self._finish(batch + self._queue, cancel=True)
            self._queue = []
            raise

    async def _write(self, batch: list[Queued]) -> None:
        try:
            results = await save_snapshots(self._sessions, [snapshot for snapshot, _ in batch])
        except Exception as error:
            if len(batch) > 1:
                for one in batch:
                    await self._write([one])
                return
            snapshot, written = batch[0]
            log.error(
                "snapshot_write_failed",
                source=snapshot.source,
                credit_code=snapshot.credit_code,
                error=type(error).__name__,
            )
            if not written.done():
                written.set_exception(error)
            return
        for (_, written), result in zip(batch, results, strict=True):
            if not written.done():
                written.set_result(result)

    def _finish(self, batch: list[Queued], *, cancel: bool = False) -> None:
        for snapshot, written in batch:
            if cancel:
                written.cancel()
            key = (snapshot.source, snapshot.credit_code)
            self._unsettled[key] -= 1
            if self._unsettled[key] <= 0:
                del self._unsettled[key]
                settled = self._settled.pop(key, None)
                if settled is not None:
                    settled.set()


def _retrieved(written: asyncio.Future[SnapshotWrite]) -> None:
    if not written.cancelled():
        written.exception()
