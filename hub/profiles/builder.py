"""Profiles built once per record content, and one at a time.

A profile is a pure function of a record and its window, so one built for a request serves every later
request for the same content: kept in an LRU by (profile function, source, credit code, content hash,
window). The lending indicators and the profile fields of one query ask for the same profiles; a batch
asked again with other fields finds them built.

Each build takes a turn of the event loop (:mod:`hub.turns`): a batch's hundreds of builds do not hold the
loop in one go.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Concatenate, ParamSpec, TypeVar

from cachetools import LRUCache

from connectors.records import Fetched, Record
from hub.turns import LoopTurns

R = TypeVar("R", bound=Record)
P = TypeVar("P")
W = ParamSpec("W")
PROFILES_KEPT = 4096
"""Profiles kept (a few KiB each; their records' objects are shared with the record memo)."""


class ProfileBuilder:
    """The process's built profiles."""

    def __init__(self, turns: LoopTurns, maxsize: int = PROFILES_KEPT) -> None:
        self._built: LRUCache[Hashable, object] = LRUCache(maxsize)
        self._turns = turns

    async def build(
        self,
        fetched: Fetched[Any],
        profile: Callable[Concatenate[R, W], P],
        record: R,
        *window: W.args,
        **options: W.kwargs,
    ) -> P:
        """``profile(record, *window)`` for ``fetched``'s record, built at most once per content."""
        options_key = tuple(options.items())
        key = (profile, fetched.source, fetched.credit_code, fetched.content_hash, window, options_key)
        found = self._built.get(key)
        if found is None:
            await self._turns.take()
            found = self._built.get(key)  # built by another request while this one waited
            if found is None:
                found = self._built[key] = profile(record, *window, **options)
        return found  # type: ignore[return-value]
