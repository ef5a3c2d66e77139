"""Steps that take a turn of the event loop run one a turn: other work is served between them."""

from __future__ import annotations

import asyncio
import itertools

from hub.turns import LoopTurns


async def test_steps_taking_turns_let_the_loop_turn_between_them() -> None:
    turns = LoopTurns()
    order: list[str] = []

    async def heavy(number: int) -> None:
        await turns.take()
        order.append(f"step {number}")

    async def other_requests() -> None:
        for _ in range(20):
            order.append("other")
            await asyncio.sleep(0)  # one entry a turn of the loop

    await asyncio.gather(*(heavy(number) for number in range(5)), other_requests())
    steps = [index for index, entry in enumerate(order) if entry.startswith("step")]
    assert len(steps) == 5
    # Without turns all five steps run back to back in the loop's first turn.
    assert all(later - earlier > 1 for earlier, later in itertools.pairwise(steps)), order


async def test_a_lone_step_takes_the_free_turn_at_once() -> None:
    turns = LoopTurns()
    loop = asyncio.get_running_loop()
    before = loop.time()
    await turns.take()
    assert loop.time() - before < 0.05
