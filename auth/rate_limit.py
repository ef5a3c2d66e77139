"""Token buckets: ``burst`` tokens at once, refilled at ``per_minute / 60`` a second, one bucket per key.

Two kinds share the code (:data:`BucketKind`): ``requests`` (a client's requests; a request may cost several
tokens) and ``auth-failures`` (failed client authentications per client id and per source address, see
:mod:`auth.client_auth`), each in its own key namespace with its own settings.

With a Redis cache the buckets live in Redis and are updated by one Lua script (atomic, on Redis's clock),
so every replica draws from the same bucket; with the memory cache they live in the process.

A round trip to Redis per request was the largest single cost of a warm answer on PostgreSQL + Redis
(BENCHMARKS.md). So a replica takes a few tokens at once (a lease: up to ``burst / 20``, at most 16) and
spends them locally for up to a second; leased tokens left unspent then are dropped, never returned. Every
token spent was taken from the shared bucket, so the limit holds across replicas; a lease held by one
replica can only make the others see the limit sooner. Bursts under 40 are not leased (exact). A take of
``n`` tokens gets all ``n`` or none: what the lease holds counts towards ``n``, the rest comes from Redis.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Literal, Protocol

from cachetools import LRUCache
from redis.asyncio import Redis

from foundation.redis import redis_client
from foundation.settings import Settings

# Both scripts first refill the bucket from its last update, on Redis's clock (TIME).
_REFILL = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
"""
_STORE = """
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
"""
# KEYS[1] bucket; ARGV rate (tokens/s), capacity, fewest and most tokens to take. Returns "<taken> <seconds
# to wait>" (a string: Lua numbers become integers on the way out): "3 0" when three were taken, "0 0.25"
# when none (fewer than the fewest were there).
_TAKE_SCRIPT = (
    _REFILL
    + """
local fewest = tonumber(ARGV[3])
local taken = 0
local wait = 0
if tokens >= fewest then
  taken = math.min(tonumber(ARGV[4]), math.floor(tokens))
  tokens = tokens - taken
else
  wait = (fewest - tokens) / rate
end
"""
    + _STORE
    + """
return tostring(taken) .. ' ' .. tostring(wait)
"""
)
# KEYS[1] bucket; ARGV rate, capacity, tokens to put back (never beyond the capacity).
_REFUND_SCRIPT = (
    _REFILL
    + """
tokens = math.min(capacity, tokens + tonumber(ARGV[3]))
"""
    + _STORE
)
LEASE_SHARE = 20  # a lease is at most this share of the burst
MAX_LEASE = 16
LEASE_TTL_S = 1.0
CLIENTS_KEPT = 10_000  # leases and refill locks kept per process
# In-memory buckets kept per process. Keys of failure buckets are chosen by callers (any client id, any
# address): the least recently used bucket goes first, and it is the one that has refilled the most.
BUCKETS_KEPT = 100_000

BucketKind = Literal["requests", "auth-failures"]
"""``requests``: a client's requests (``HUB_RATE_LIMIT_*``); ``auth-failures``: failed client
authentications (``HUB_AUTH_FAILURE*``), keyed by client id and by source address."""

Clock = Callable[[], float]


class TokenBuckets(Protocol):
    """Extension point: one token bucket per key.

    ``take`` takes ``tokens`` (at least 1) from ``key``'s bucket and returns 0, or takes nothing and returns
    the seconds until that many are available (a take of more than the burst is never granted).
    ``refund`` puts tokens taken back (never beyond the burst).
    """

    async def take(self, key: str, tokens: int = 1) -> float: ...

    async def refund(self, key: str, tokens: int = 1) -> None: ...

    async def aclose(self) -> None: ...


def _check_tokens(tokens: int) -> None:
    if tokens < 1:
        raise ValueError(f"take or refund at least one token, not {tokens}")


class MemoryTokenBuckets:
    def __init__(self, *, per_minute: int, burst: int, clock: Clock = time.monotonic) -> None:
        self._rate = per_minute / 60
        self._capacity = float(burst)
        self._clock = clock
        self._buckets: LRUCache[str, tuple[float, float]] = LRUCache(BUCKETS_KEPT)

    def _refilled(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (self._capacity, now))
        return min(self._capacity, tokens + (now - at) * self._rate)

    async def take(self, key: str, tokens: int = 1) -> float:
        _check_tokens(tokens)
        now = self._clock()
        available = self._refilled(key, now)
        if available >= tokens:
            self._buckets[key] = (available - tokens, now)
            return 0.0
        self._buckets[key] = (available, now)
        return (tokens - available) / self._rate

    async def refund(self, key: str, tokens: int = 1) -> None:
        _check_tokens(tokens)
        now = self._clock()
        self._buckets[key] = (min(self._capacity, self._refilled(key, now) + tokens), now)

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
        self._take_script = redis.register_script(_TAKE_SCRIPT)
        self._refund_script = redis.register_script(_REFUND_SCRIPT)
        self._clock = clock
        self.lease_size = max(1, min(MAX_LEASE, burst // LEASE_SHARE))
        # key → (leased tokens left, spendable until); one refill at a time per key.
        self._leases: LRUCache[str, tuple[int, float]] = LRUCache(CLIENTS_KEPT)
        self._refills: LRUCache[str, asyncio.Lock] = LRUCache(CLIENTS_KEPT)
        self.round_trips = 0

    async def take(self, key: str, tokens: int = 1) -> float:
        _check_tokens(tokens)
        if self._spend_leased(key, tokens):
            return 0.0
        refill = self._refills.get(key)
        if refill is None:
            refill = self._refills[key] = asyncio.Lock()
        async with refill:
            if self._spend_leased(key, tokens):  # another request for this key refilled meanwhile
                return 0.0
            # What the lease still holds counts towards ``tokens``. It is claimed before the round trip, so
            # that requests spending from the lease meanwhile cannot spend it too; it comes back on a refusal.
            claimed, until = self._claim_lease(key)
            fewest = tokens - claimed
            self.round_trips += 1
            answer = await self._take_script(
                keys=[self._prefix + key],
                args=[self._rate, self._capacity, fewest, fewest + self.lease_size - 1],
            )
            taken_text, wait = (answer.decode() if isinstance(answer, bytes) else str(answer)).split()
            taken = int(taken_text)
            if taken == 0:
                if claimed:
                    self._leases[key] = (claimed, until)
                return float(wait)
            if taken > fewest:
                self._leases[key] = (taken - fewest, self._clock() + LEASE_TTL_S)
            return 0.0

    async def refund(self, key: str, tokens: int = 1) -> None:
        """Straight into the shared bucket, so every replica sees it (a lease is spent within a second)."""
        _check_tokens(tokens)
        self.round_trips += 1
        await self._refund_script(keys=[self._prefix + key], args=[self._rate, self._capacity, tokens])

    def _spend_leased(self, key: str, tokens: int) -> bool:
        lease = self._leases.get(key)
        if lease is None:
            return False
        left, until = lease
        if self._clock() >= until or left < 1:
            del self._leases[key]
            return False
        if left < tokens:
            return False
        self._leases[key] = (left - tokens, until)
        return True

    def _claim_lease(self, key: str) -> tuple[int, float]:
        """The unexpired tokens the lease holds (and until when), taken out of it."""
        lease = self._leases.pop(key, None)
        if lease is None or self._clock() >= lease[1]:
            return 0, 0.0
        return lease

    async def aclose(self) -> None:
        await self._redis.aclose()


def build_token_buckets(settings: Settings, kind: BucketKind = "requests") -> TokenBuckets:
    """The buckets of ``kind``: in Redis when the cache is Redis (shared by replicas), else in memory."""
    if kind == "requests":
        per_minute, burst, namespace = (
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
            settings.cache_namespace,
        )
    else:
        per_minute, burst, namespace = (
            settings.auth_failures_per_minute,
            settings.auth_failure_burst,
            f"{settings.cache_namespace}:{kind}",
        )
    if settings.cache_url.startswith("redis://"):
        return RedisTokenBuckets(
            redis_client(settings), namespace=namespace, per_minute=per_minute, burst=burst
        )
    return MemoryTokenBuckets(per_minute=per_minute, burst=burst)
