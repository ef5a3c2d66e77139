"""The memory cache's only bound is its entries' TTL: what expired is gone, timers included."""

from __future__ import annotations

import asyncio

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
