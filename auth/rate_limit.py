"""Per-client token buckets: ``burst`` requests at once, refilled at ``per_minute / 60`` a second.

With a Redis cache the buckets live in Redis and are updated by one Lua script (atomic, on Redis's clock),
so every replica draws from the same bucket; with the memory cache they live in the process.

A round trip to Redis per request was the largest single cost of a warm answer on PostgreSQL + Redis
(BENCHMARKS.md). So a replica takes a few tokens at once (a lease: up to ``burst / 20``, at most 16) and
spends them locally for up to a second; leased tokens left unspent then are dropped, never returned. Every
token spent was taken from the shared bucket, so the limit holds across replicas; a lease held by one
replica can only make the others see the limit sooner. Bursts under 40 are not leased (exact).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from cachetools import LRUCache
from redis.asyncio import Redis

from hub.settings import Settings

# KEYS[1] bucket; ARGV rate (tokens/s), capacity, most tokens to take. Returns "<taken> <seconds to wait>"
# (a string: Lua numbers become integers on the way out): "3 0" when three were taken, "0 0.25" when none.
_BUCKET_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local taken = 0
local wait = 0
if tokens >= 1 then
  taken = math.min(tonumber(ARGV[3]), math.floor(tokens))
  tokens = tokens - taken
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return tostring(taken) .. ' ' .. tostring(wait)
"""
LEASE_SHARE = 20  # a lease is at most this share of the burst
MAX_LEASE = 16
LEASE_TTL_S = 1.0
CLIENTS_KEPT = 10_000  # leases and refill locks kept per process


Clock = Callable[[], float]


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
    def __init__(
        self, redis: Redis, *, namespace: str, per_minute: int, burst: int, clock: Clock = time.monotonic
    ) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:rate:"
        self._rate = per_minute / 60
        self._capacity = burst
        self._script = redis.register_script(_BUCKET_SCRIPT)
        self._clock = clock
        self.lease_size = max(1, min(MAX_LEASE, burst // LEASE_SHARE))
        # client → (leased tokens left, spendable until); one refill at a time per client.
        self._leases: LRUCache[str, tuple[int, float]] = LRUCache(CLIENTS_KEPT)
        self._refills: LRUCache[str, asyncio.Lock] = LRUCache(CLIENTS_KEPT)
        self.round_trips = 0

    async def take(self, client_id: str) -> float:
        if self._spend_leased(client_id):
            return 0.0
        refill = self._refills.get(client_id)
        if refill is None:
            refill = self._refills[client_id] = asyncio.Lock()
        async with refill:
            if self._spend_leased(client_id):  # another request of this client refilled meanwhile
                return 0.0
            self.round_trips += 1
            answer = await self._script(
                keys=[self._prefix + client_id], args=[self._rate, self._capacity, self.lease_size]
            )
            taken_text, wait = (answer.decode() if isinstance(answer, bytes) else str(answer)).split()
            taken = int(taken_text)
            if taken == 0:
                return float(wait)
            if taken > 1:
                self._leases[client_id] = (taken - 1, self._clock() + LEASE_TTL_S)
            return 0.0

    def _spend_leased(self, client_id: str) -> bool:
        lease = self._leases.get(client_id)
        if lease is None:
            return False
        left, until = lease
        if self._clock() >= until or left < 1:
            del self._leases[client_id]
            return False
        self._leases[client_id] = (left - 1, until)
        return True

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
