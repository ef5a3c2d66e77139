"""Token buckets on both cache backends: the burst passes, the next request gets a retry hint."""

from __future__ import annotations

import asyncio
import time

import pytest

from auth.principal import Principal
from auth.rate_limit import Clock, RedisTokenBuckets, build_token_buckets
from auth.service import AuthService
from foundation.errors import RateLimited
from foundation.redis import redis_client
from foundation.settings import Settings
from tests.fixtures.backends import Backend


async def test_burst_then_limited_then_refilled(backend: Backend) -> None:
    # 600/min is 10 tokens a second: after the burst of 3, a token returns within ~0.1 s.
    buckets = build_token_buckets(backend.settings(rate_limit_per_minute=600, rate_limit_burst=3))
    try:
        assert [await buckets.take("cl-1") for _ in range(3)] == [0.0, 0.0, 0.0]
        wait = await buckets.take("cl-1")
        assert 0 < wait <= 0.1
        assert await buckets.take("cl-2") == 0.0  # buckets are per client
        await asyncio.sleep(wait + 0.02)
        assert await buckets.take("cl-1") == 0.0
    finally:
        await buckets.aclose()


async def test_replicas_share_the_bucket_on_redis(backend: Backend) -> None:
    if backend.name != "postgres-redis":
        pytest.skip("in-memory buckets are per process by design")
    settings = backend.settings(rate_limit_per_minute=1, rate_limit_burst=2)
    replicas = [build_token_buckets(settings), build_token_buckets(settings)]
    try:
        assert await replicas[0].take("cl-1") == 0.0
        assert await replicas[1].take("cl-1") == 0.0
        assert await replicas[0].take("cl-1") > 50  # one token a minute
    finally:
        for buckets in replicas:
            await buckets.aclose()


async def test_service_raises_rate_limited_with_a_retry_hint(backend: Backend) -> None:
    settings = backend.settings(rate_limit_per_minute=60, rate_limit_burst=1)
    auth = AuthService(settings=settings, sessions=None, keys=None, buckets=build_token_buckets(settings))  # type: ignore[arg-type]
    principal = Principal("bank-a", "cl-1", frozenset())
    try:
        await auth.check_rate_limit(principal)
        with pytest.raises(RateLimited) as limited:
            await auth.check_rate_limit(principal)
        assert limited.value.code == "RATE_LIMITED"
        assert 0 < limited.value.retry_after_s <= 1
        assert limited.value.extensions["retryAfterSeconds"] == round(limited.value.retry_after_s, 3)
    finally:
        await auth.aclose()


def _redis_settings(backend: Backend) -> Settings:
    if backend.name != "postgres-redis":
        pytest.skip("leases are taken from the Redis bucket")
    return backend.settings()


def _replica(settings: Settings, *, burst: int, clock: Clock = time.monotonic) -> RedisTokenBuckets:
    """The shared bucket through a connection and a clock of its own, as another replica holds it."""
    return RedisTokenBuckets(
        redis_client(settings),
        namespace=settings.cache_namespace,
        per_minute=1,
        burst=burst,
        clock=clock,
    )


async def test_leased_tokens_never_exceed_the_shared_burst(backend: Backend) -> None:
    settings = _redis_settings(backend)
    first, second = _replica(settings, burst=100), _replica(settings, burst=100)
    assert first.lease_size == 5
    try:
        assert await first.take("cl-lease") == 0.0  # takes 5: one spent, four leased
        spent_by_second = 0
        while await second.take("cl-lease") == 0.0:
            spent_by_second += 1
        spent_by_first = 1
        while await first.take("cl-lease") == 0.0:
            spent_by_first += 1
        assert (spent_by_first, spent_by_second) == (5, 95)
        assert first.round_trips == 2  # its lease, then the refusal
        assert second.round_trips <= 95 // 5 + 1
    finally:
        await first.aclose()
        await second.aclose()


async def test_an_unspent_lease_is_dropped_after_a_second(backend: Backend) -> None:
    now = [1000.0]
    buckets = _replica(_redis_settings(backend), burst=100, clock=lambda: now[0])
    try:
        assert await buckets.take("cl-expiry") == 0.0
        assert await buckets.take("cl-expiry") == 0.0 and buckets.round_trips == 1  # from the lease
        now[0] += 1.5
        assert await buckets.take("cl-expiry") == 0.0 and buckets.round_trips == 2  # the lease was dropped
    finally:
        await buckets.aclose()


async def test_a_take_of_n_tokens_gets_all_of_them_or_none(backend: Backend) -> None:
    buckets = build_token_buckets(backend.settings(rate_limit_per_minute=1, rate_limit_burst=5))
    try:
        assert await buckets.take("cl-n", 3) == 0.0
        assert await buckets.take("cl-n", 3) > 50  # two left: nothing taken, about a minute to wait
        assert await buckets.take("cl-n", 2) == 0.0  # the refused take left both
        assert await buckets.take("cl-n") > 0
        assert await buckets.take("cl-big", 6) > 0  # more than the burst is never granted
        assert await buckets.take("cl-big", 5) == 0.0
        with pytest.raises(ValueError):
            await buckets.take("cl-n", 0)
    finally:
        await buckets.aclose()


async def test_refunded_tokens_can_be_taken_again_up_to_the_burst(backend: Backend) -> None:
    buckets = build_token_buckets(backend.settings(rate_limit_per_minute=1, rate_limit_burst=2))
    try:
        assert [await buckets.take("cl-r") for _ in range(2)] == [0.0, 0.0]
        assert await buckets.take("cl-r") > 0
        await buckets.refund("cl-r")
        assert await buckets.take("cl-r") == 0.0
        await buckets.refund("cl-full", 5)  # a full bucket stays at its burst
        assert await buckets.take("cl-full", 3) > 0
    finally:
        await buckets.aclose()


async def test_failure_buckets_have_their_own_settings_and_keys(backend: Backend) -> None:
    settings = backend.settings(
        rate_limit_per_minute=1, rate_limit_burst=5, auth_failures_per_minute=1, auth_failure_burst=1
    )
    requests, failures = build_token_buckets(settings), build_token_buckets(settings, "auth-failures")
    try:
        assert await failures.take("cl-1") == 0.0
        assert await failures.take("cl-1") > 50
        assert [await requests.take("cl-1") for _ in range(5)] == [0.0] * 5  # another bucket
    finally:
        await requests.aclose()
        await failures.aclose()


async def test_leases_of_multi_token_takes_never_exceed_the_shared_burst(backend: Backend) -> None:
    settings = _redis_settings(backend)
    first, second = _replica(settings, burst=100), _replica(settings, burst=100)
    try:
        assert await first.take("cl-multi", 3) == 0.0  # takes 3 + 4 leased
        assert await first.take("cl-multi", 3) == 0.0 and first.round_trips == 1  # from the lease
        assert await first.take("cl-multi", 3) == 0.0 and first.round_trips == 2  # 1 leased + 2 (and 4 more)
        # Concurrent takes of mixed sizes on both replicas, some spending leases while others refill.
        takes = [(replica, size) for size in (1, 2, 3, 5) * 20 for replica in (first, second)]
        waits = await asyncio.gather(*(replica.take("cl-multi", size) for replica, size in takes))
        spent = 9 + sum(size for (_, size), wait in zip(takes, waits, strict=True) if wait == 0)
        assert 80 < spent <= 100  # what is left unspent sits in a lease or is less than a take
    finally:
        await first.aclose()
        await second.aclose()
