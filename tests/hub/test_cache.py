"""The memory cache's only bound is its entries' TTL: what expired is gone, timers included; a Redis that
stops answering costs a call its timeout, no more."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import TimeoutError as RedisTimeoutError

from foundation.settings import Settings
from hub.cache import build_cache, close_cache


async def test_memory_cache_forgets_expired_entries_and_their_timers() -> None:
    cache = build_cache(Settings(cache_url="memory://"), namespace="bound-test")
    try:
        for batch in range(10):  # many distinct keys, as distinct enterprises would write them
            pairs = [(f"source:tax:{batch}-{index}", {"n": index}) for index in range(100)]
            await cache.multi_set(pairs, ttl=0.05)
        timers = cache._handlers  # aiocache's per-key expiry timers
        assert len(timers) == await cache.raw("__len__")  # every entry held has its expiry timer
        await asyncio.sleep(0.3)  # every expiry timer (due 0.05 s after its write) has run by now
        assert await cache.raw("__len__") == 0
        assert not timers
    finally:
        await close_cache(cache)


async def test_a_redis_that_stops_answering_fails_the_call_within_the_timeout() -> None:
    """A Redis that accepts and then says nothing (overloaded, half-dead): each call gives up after
    ``HUB_CACHE_TIMEOUT_S`` (the sockets' timeout), and the caller treats it as a miss."""
    connections: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)  # read nothing, answer nothing

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    cache = build_cache(Settings(cache_url=f"redis://127.0.0.1:{port}/0", cache_timeout_s=0.3))
    try:
        started = asyncio.get_running_loop().time()
        with pytest.raises(RedisTimeoutError):
            await asyncio.wait_for(cache.get("head:~:tax:x"), 10)
        assert asyncio.get_running_loop().time() - started < 5
        assert connections  # it did reach the server
    finally:
        await close_cache(cache)
        for writer in connections:
            writer.close()
        server.close()
