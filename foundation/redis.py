"""The one factory of redis-py clients (rate-limit buckets, and whatever else talks to Redis directly).

The shared cache talks to the same Redis through aiocache, which builds its own client from the same
``HUB_CACHE_URL`` (hub/cache.py); it offers no way to hand it this one.
"""

from __future__ import annotations

from redis.asyncio import Redis

from foundation.settings import Settings


def redis_client(settings: Settings) -> Redis:
    """A client of ``settings.cache_url`` whose every operation gives up after ``HUB_CACHE_TIMEOUT_S``."""
    return Redis.from_url(
        settings.cache_url,
        socket_timeout=settings.cache_timeout_s,
        socket_connect_timeout=settings.cache_timeout_s,
    )
