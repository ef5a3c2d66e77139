"""Connection states kept from the fetches that reads make, not only from the refresh jobs.

A read whose record is not cached fetches it from the upstream (:class:`hub.sources.reader.SourceReader`):
that is an attempt at the source like a refresh's, so it moves the (firm, source) state the same way
(``lastAttemptAt``, an error, the error clearing, new content) with the same events. The reader tells the
tracker and goes on; the tracker records what it was told in batches, in the background, off the answer
path. Only pairs some tenant holds a live consent for are kept (as the refresh jobs keep them): a public
register read for a firm nobody consents to leaves no state.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from datetime import UTC, datetime

from auth.consent import consent_today
from foundation.logging import get_logger
from hub.connections.consented import refreshed_sources
from hub.connections.refresh import Attempt, record_attempts
from hub.connections.store import ConnectionBook
from hub.events import EventBus
from hub.sources.reader import FetchOutcome, Refreshed

log = get_logger(__name__)
# What reads fetch within this is recorded in one go: a batch costs ~7 queries (consents, states, the
# sinks' subscribers and watchlists, the write) whatever its size, ~2 ms of CPU a cold read at 0.2 s.
BATCH_DELAY_S = 1.0
Told = tuple[str, str, datetime, "asyncio.Future[Refreshed]"]  # credit code, source, when, how it went


class ConnectionTracker:
    def __init__(self, book: ConnectionBook, events: EventBus, *, delay_s: float = BATCH_DELAY_S) -> None:
        self._book = book
        self._events = events
        self._delay_s = delay_s
        self._told: list[Told] = []
        self._draining: asyncio.Task[None] | None = None
        self._hurry = asyncio.Event()  # set: record now, without waiting out the delay
        self._closed = False

    def tell(self, source: str, credit_code: str, outcome: FetchOutcome) -> None:
        """A read fetched ``source`` for the firm (the reader's ``on_fetch``); recorded soon."""
        if self._closed:
            if inspect.iscoroutine(outcome):
                outcome.close()  # shutting down: nothing more is recorded
            return
        future: asyncio.Future[Refreshed]
        if isinstance(outcome, Refreshed):
            future = asyncio.get_running_loop().create_future()
            future.set_result(outcome)
        else:
            future = asyncio.ensure_future(outcome)
        self._told.append((credit_code, source, datetime.now(UTC), future))
        if self._draining is None:
            self._draining = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._hurry.wait(), self._delay_s)
            while self._told:
                told, self._told = self._told, []
                try:
                    await self._record(told)
                except Exception as error:  # a state not kept must not break the reads that told it
                    log.error("connection_tracking_failed", error=type(error).__name__)
        finally:
            self._draining = None
            self._hurry.clear()

    async def _record(self, told: list[Told]) -> None:
        names = await self._book.consented_names(
            list(dict.fromkeys(code for code, *_ in told)), consent_today()
        )
        attempts = [
            Attempt(code, source, await outcome, at)
            for code, source, at, outcome in told
            if refreshed_sources([source], names[code])
        ]
        await record_attempts(self._book, self._events, attempts)

    async def settle(self) -> None:
        """Return once what was told so far is recorded (at once, not after the delay)."""
        while self._draining is not None:
            self._hurry.set()
            await asyncio.shield(self._draining)

    async def aclose(self) -> None:
        """Record what was told so far; nothing more afterwards."""
        self._closed = True
        await self.settle()
