"""Single-flight: one execution per key at a time, shared outcome, cancellation of one caller is local."""

from __future__ import annotations

import asyncio

import pytest

from hub.sources.single_flight import SingleFlight


async def test_concurrent_calls_share_one_execution() -> None:
    flights: SingleFlight[int] = SingleFlight()
    calls = 0

    async def slow() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return calls

    assert await asyncio.gather(*(flights.run("k", slow) for _ in range(10))) == [1] * 10
    assert await flights.run("k", slow) == 2  # a later call runs again
    assert flights.in_flight() == 0


async def test_failure_reaches_every_waiter() -> None:
    flights: SingleFlight[int] = SingleFlight()

    async def broken() -> int:
        await asyncio.sleep(0.01)
        raise LookupError("upstream said no")

    results = await asyncio.gather(*(flights.run("k", broken) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(result, LookupError) for result in results)


async def test_a_cancelled_caller_does_not_cancel_the_others() -> None:
    flights: SingleFlight[str] = SingleFlight()

    async def slow() -> str:
        await asyncio.sleep(0.05)
        return "done"

    first = asyncio.create_task(flights.run("k", slow))
    second = asyncio.create_task(flights.run("k", slow))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == "done"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_settle_waits_for_a_call_nobody_awaits_any_more() -> None:
    flights: SingleFlight[str] = SingleFlight()
    finished = asyncio.Event()

    async def slow() -> str:
        await asyncio.sleep(0.05)
        finished.set()
        return "done"

    caller = asyncio.ensure_future(flights.run("k", slow))
    await asyncio.sleep(0)
    caller.cancel()  # e.g. a prefetch whose field failed: the call goes on alone

    await flights.settle()

    assert finished.is_set()
    assert flights.in_flight() == 0
