import asyncio

import pytest

from connectors.together import all_or_cancel


async def test_results_in_order() -> None:
    async def value(number: int, delay: float) -> int:
        await asyncio.sleep(delay)
        return number

    assert await all_or_cancel(value(1, 0.02), value(2, 0.0)) == [1, 2]


async def test_a_failure_cancels_the_others_before_it_is_raised() -> None:
    sibling_finished = asyncio.Event()
    sibling_cancelled = asyncio.Event()

    async def slow() -> int:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            sibling_cancelled.set()
            raise
        sibling_finished.set()
        return 1

    async def failing() -> int:
        await asyncio.sleep(0.01)
        raise ValueError("upstream refused")

    with pytest.raises(ValueError, match="upstream refused"):
        await all_or_cancel(slow(), failing())
    assert sibling_cancelled.is_set() and not sibling_finished.is_set()
