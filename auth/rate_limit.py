"""Per-client token buckets: ``burst`` requests at once, refilled at ``per_minute / 60`` a second.

With a Redis cache the buckets live in Redis and are updated by one Lua script (atomic, on Redis's clock),
so every replica draws from the same bucket; with the memory cache they live in the process.
"""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis

from hub.settings import Settings

# KEYS[1] bucket; ARGV rate (tokens/s), capacity. Returns the seconds to wait (as a string: Lua numbers
# become integers on the way out), "0" when a token was taken.
_BUCKET_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return tostring(wait)
"""


class TokenBuckets(Protocol):
    """Extension point: take one token from ``client_id``'s bucket and return 0, or the seconds until
    one is available (nothing taken)."""

    async def take(self, client_id: str) -> float: ...

    async def aclose(self) -> None: ...


class MemoryTokenBuckets:
    def __init__(self, *, per_minute: int, burst: int) -> None:
        self._rate = per_minute / 60
        self._capacity = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(self, client_id: str) -> float:
        now = time.monotonic()
        tokens, at = self._buckets.get(client_id, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - at) * self._rate)
        if tokens >= 1:
            self._buckets[client_id] = (tokens - 1, now)
            return 0.0
        self._buckets[client_id] = (tokens, now)
        return (1 - tokens) / self._rate

    async def aclose(self) -> None:
        self._buckets.clear()


class RedisTokenBuckets:
    def __init__(self, redis: Redis, *, namespace: str, per_minute: int, burst: int) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:rate:"
        self._rate = per_minute / 60
        self._capacity = burst
        self._script = redis.register_script(_BUCKET_SCRIPT)

    async def take(self, client_id: str) -> float:
        wait = await self._script(keys=[self._prefix + client_id], args=[self._rate, self._capacity])
        return float(wait)

    async def aclose(self) -> None:
        await self._redis.aclose()


def build_token_buckets(settings: Settings) -> TokenBuckets:
    if settings.cache_url.startswith("redis://"):
        redis = Redis.from_url(
            settings.cache_url,
            socket_timeout=settings.cache_timeout_s,
            socket_connect_timeout=settings.cache_timeout_s,
        )
        return RedisTokenBuckets(
            redis,
            namespace=settings.cache_namespace,
            per_minute=settings.rate_limit_per_minute,
            burst=settings.rate_limit_burst,
        )
    return MemoryTokenBuckets(per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst)
