"""Turns of the event loop for CPU-heavy steps, so that no request holds the loop for long.

asyncio runs every callback that is ready before it reads its sockets again. A batch of 100 firms makes
hundreds of steps ready at once (a profile to build, a firm's fields to complete), and run in one go they
held the event loop for hundreds of milliseconds: every other request, and ``/healthz``, waited. A step
that takes a turn runs alone in its turn of the loop: the turn (a fair asyncio lock) is given back only
at the loop's next turn, so such steps queue one a turn, and the sockets are read between them. A lone
request takes the free turn without waiting.

Take the turn right before the synchronous work it covers (no ``await`` in between).
"""

from __future__ import annotations

import asyncio


class LoopTurns:
    """One per event loop (build it in the app's lifespan)."""

    def __init__(self) -> None:
        self._turn = asyncio.Lock()

    async def take(self) -> None:
        """Wait for a turn of the loop of one's own; the rest of the current step is that turn."""
        await self._turn.acquire()
        asyncio.get_running_loop().call_soon(self._turn.release)
