"""The HTTP server the hub runs on: granian (a Rust HTTP/1.1 and HTTP/2 server with an ASGI interface).

Chosen by measurement over uvicorn (BENCHMARKS.md, "Serving stack"): more requests per second for the
same hub, and it times out a client that does not send its headers (``HUB_HEADER_TIMEOUT_S``), which
uvicorn cannot. Everything else a server must do for the hub is the app's, so it holds on any server:
body size and body read timeouts (:mod:`hub.http_limits`), forwarded headers from trusted proxies
(:func:`trusted_proxies`), lifespan (database, cache, audit writer), JSON logs.

``hub serve --workers N`` runs N processes (granian's workers), each with its own event loop, engine, cache
client, DataLoaders, caches of decoded records, access decisions and whole answers, its rate-limit leases
and its audit group commit; they share only what any two replicas share (PostgreSQL, Redis, the files).
``hub demo`` embeds one worker in its own event loop, beside the sandbox providers.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, cast

import httpx
from granian import Granian
from granian.constants import Interfaces, Loops
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server.embed import Server as EmbeddedServer
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

if TYPE_CHECKING:
    from uvicorn._types import ASGI3Application

from foundation.settings import Settings
from hub.malloc import DEFAULT_ARENAS

APP_FACTORY = "hub.app:app_from_environment"


def trusted_proxies(app: ASGIApp, settings: Settings) -> ASGIApp:
    """``app`` seeing the client address and scheme from ``X-Forwarded-*`` set by a trusted proxy
    (``HUB_FORWARDED_ALLOW_IPS``), as the OAuth server needs behind a TLS-terminating load balancer."""
    # uvicorn's ASGI types and starlette's describe the same callables differently.
    trusted = settings.forwarded_allow_ips
    proxied = ProxyHeadersMiddleware(cast("ASGI3Application", app), trusted_hosts=trusted)
    return cast(ASGIApp, proxied)


def _http1(settings: Settings) -> HTTP1Settings:
    return HTTP1Settings(header_read_timeout=int(settings.header_timeout_s * 1000))


def serve(settings: Settings, *, workers: int = 1) -> None:
    """Serve :data:`APP_FACTORY` in ``workers`` processes until interrupted (SIGINT/SIGTERM: graceful)."""
    # The workers build their settings from the environment: pass on what the command line overrode.
    os.environ["HUB_HOST"], os.environ["HUB_PORT"] = settings.host, str(settings.port)
    # Worker processes start afresh: glibc reads the arena cap from the environment (hub.malloc).
    os.environ.setdefault("MALLOC_ARENA_MAX", str(DEFAULT_ARENAS))
    Granian(
        APP_FACTORY,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        factory=True,
        workers=workers,
        loop=Loops.uvloop,
        http1_settings=_http1(settings),
        log_level=LogLevels.warning,
        log_access=False,
    ).serve()


@asynccontextmanager
async def embedded(app: ASGIApp, settings: Settings) -> AsyncIterator[asyncio.Task[None]]:
    """The hub ``app`` served on the running event loop (its lifespan run by the server); yields the
    serving task once ``/healthz`` answers, i.e. once the app's services have started."""
    server = EmbeddedServer(
        trusted_proxies(app, settings),
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        http1_settings=_http1(settings),
        log_level=LogLevels.warning,
        log_access=False,
    )
    serving = asyncio.create_task(server.serve())
    try:
        await _healthy(f"http://{settings.host}:{settings.port}/healthz", serving)
        yield serving
    finally:
        server.stop()  # type: ignore[no-untyped-call]
        await serving


async def _healthy(url: str, serving: asyncio.Task[None], timeout_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    async with httpx.AsyncClient(timeout=2) as http:
        while asyncio.get_running_loop().time() < deadline:
            if serving.done():
                serving.result()  # raises why it stopped
                raise RuntimeError("the server stopped before it was ready")
            try:
                if (await http.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout_s:g} s")
