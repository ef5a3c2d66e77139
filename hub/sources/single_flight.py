"""Single-flight: concurrent calls for the same key share one execution and its outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """Within one process and event loop, at most one ``call`` per key runs at a time.

    The call runs as its own task, so a caller that is cancelled does not cancel it for the others (and
    the result still lands in the snapshot store and the cache).
    """

    def __init__(self) -> None:
        self._flights: dict[str, asyncio.Task[T]] = {}

    async def run(self, key: str, call: Callable[[], Awaitable[T]]) -> T:
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(call())
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._land(key, done))
        return await asyncio.shield(flight)

    def _land(self, key: str, flight: asyncio.Task[T]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not flight.cancelled():
            flight.exception()  # retrieved here so that a flight nobody awaits any more logs no warning

    def in_flight(self) -> int:
        return len(self._flights)

    async def settle(self) -> None:
        """Wait for every call in flight (their outcomes stay with their callers): before closing what they
        use, so a call nobody awaits any more (a prefetch whose field failed) is not cut off mid-request."""
        while self._flights:
            await asyncio.gather(*self._flights.values(), return_exceptions=True)
