"""Group commit: concurrent writers share one transaction instead of queueing for one each.

A writer hands its items to :meth:`GroupCommit.submit` and waits. One drain task per process writes
everything queued so far with a single ``commit`` call; whatever arrives while that call runs forms the
next group. A writer's ``submit`` returns only once its items are durable, and an error of the group's
``commit`` is raised in every writer of that group, so nothing is acknowledged that was not written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")


class GroupCommit(Generic[Item]):
    """Batches concurrent :meth:`submit` calls into calls of ``commit`` (one at a time, in arrival order).

    Parameters:
        commit: writes a group of items durably (one transaction) or raises.
    """

    def __init__(self, commit: Callable[[Sequence[Item]], Awaitable[None]]) -> None:
        self._commit = commit
        self._queue: list[tuple[Sequence[Item], asyncio.Future[None]]] = []
        self._drain_task: asyncio.Task[None] | None = None
        self.groups_committed = 0

    async def submit(self, items: Sequence[Item]) -> None:
        """Return once ``items`` are committed (with whatever else was queued); raise what the commit raised.

        A cancelled caller does not withdraw its items: they are written with their group.
        """
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((items, waiter))
        if self._drain_task is None or self._drain_task.done():
            self._drain_task = asyncio.create_task(self._drain())
        await waiter

    async def _drain(self) -> None:
        group: list[tuple[Sequence[Item], asyncio.Future[None]]] = []
        try:
            while self._queue:
                # One turn of the loop lets writers scheduled together (a gather, a burst) join this group.
                await asyncio.sleep(0)
                group, self._queue = self._queue, []
                try:
                    await self._commit([item for items, _ in group for item in items])
                except Exception as error:
                    _settle(group, error)
                else:
                    self.groups_committed += 1
                    _settle(group, None)
        finally:
            # Cancelled (the loop is shutting down): what is in flight or queued is not known to be written;
            # cancel its writers rather than leave them waiting forever.
            for _, waiter in [*group, *self._queue]:
                if not waiter.done():
                    waiter.cancel()
            self._queue = []

    async def aclose(self) -> None:
        """Wait until everything submitted so far is written (at shutdown)."""
        if self._drain_task is not None:
            await asyncio.gather(self._drain_task, return_exceptions=True)


def _settle(group: Sequence[tuple[Sequence[Item], asyncio.Future[None]]], error: Exception | None) -> None:
    for _, waiter in group:
        if waiter.done():
            continue  # its caller was cancelled
        if error is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(error)
