"""The deadline of the request a read serves: a context variable, set by the hub around a GraphQL request
(``HUB_REQUEST_DEADLINE_S``) and tighter around a profile's reads (``HUB_READ_DEADLINE_S``), unset for bulk
refreshes and jobs, which wait as long as their sources allow.

It travels with the context into the tasks a request starts (DataLoader batches, single-flight fetches),
so the read path answers by it (:mod:`hub.sources.reader`: the last snapshot, stale, or
SOURCE_UNAVAILABLE) and the retry loop (:func:`connectors.http.send`) starts no attempt that could not
finish before it; the attempt in flight goes on in the background and refreshes the cache.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Deadline:
    at: float  # the event loop's clock
    seconds: float  # as configured: what an error message says

    def left(self) -> float:
        return self.at - asyncio.get_running_loop().time()


_CURRENT: ContextVar[Deadline | None] = ContextVar("read_deadline", default=None)


@contextmanager
def read_deadline(seconds: float) -> Iterator[Deadline]:
    """Reads in the block (and in the tasks it starts) answer within ``seconds`` from now, or by the
    deadline already in force if that is sooner."""
    deadline = Deadline(asyncio.get_running_loop().time() + seconds, seconds)
    outer = _CURRENT.get()
    if outer is not None and outer.at <= deadline.at:
        deadline = outer
    token = _CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)


def current_deadline() -> Deadline | None:
    """The deadline of the request this read serves; None outside a request (no deadline)."""
    return _CURRENT.get()
