"""The one place that builds the shared cache (aiocache: memory or Redis) from settings.

Values are JSON: the same record reads back identically from either backend. Always namespaced, so a
clear never touches other data in a shared Redis; never cache ``None`` (``multi_get`` cannot tell it from
a miss).

The memory backend has no size bound of its own: an entry (and its expiry timer) stays until its TTL, so
what it holds is bounded by the keys written within the last TTL. Every write must therefore pass a
``ttl``: the read path's records (two keys per source and enterprise, the source's ``ttl_s``) and the
readiness probe's key do.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiocache import RedisCache, SimpleMemoryCache
from aiocache.base import BaseCache
from aiocache.serializers import JsonSerializer

from foundation.settings import Settings


def build_cache(settings: Settings, namespace: str | None = None) -> BaseCache:
    parts = urlsplit(settings.cache_url)
    namespace = namespace or settings.cache_namespace
    if parts.scheme == "redis":
        # The timeout is the sockets' (each command's reads and writes, and connecting): aiocache's own
        # runs every call as a task of its own (asyncio.wait_for), a cost on each cache read of a warm
        # request.
        return RedisCache(
            serializer=JsonSerializer(),
            endpoint=parts.hostname,
            port=parts.port or 6379,
            db=int(parts.path.strip("/") or "0"),
            password=parts.password,
            namespace=namespace,
            timeout=None,
            create_connection_timeout=settings.cache_timeout_s,
            connection_pool_kwargs={"socket_timeout": settings.cache_timeout_s},
        )
    # No timeout: the memory backend never waits on anything (see above).
    return SimpleMemoryCache(serializer=JsonSerializer(), namespace=namespace, timeout=None)


def is_redis(cache: BaseCache) -> bool:
    return isinstance(cache, RedisCache)


async def close_cache(cache: BaseCache) -> None:
    """Close the cache and, for Redis, every pooled connection, including one left checked out by an
    operation that timed out (aiocache's own close leaves those to the garbage collector)."""
    await cache.close()
    if isinstance(cache, RedisCache):
        await cache.client.connection_pool.disconnect(inuse_connections=True)
