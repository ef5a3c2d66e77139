"""``/healthz`` (the process is alive) and ``/readyz`` (database, cache and upstream circuits)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.services import HubServices

CHECK_TIMEOUT_S = 2.0


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _check_database(services: HubServices) -> str:
    async with services.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return "ok"


async def _check_cache(services: HubServices) -> str:
    await services.cache.set("readyz", 1, ttl=5)
    return "ok"


async def readyz(request: Request) -> JSONResponse:
    services: HubServices = request.app.state.services
    checks: dict[str, Any] = {}
    ready = True
    for name, check in (("database", _check_database), ("cache", _check_cache)):
        try:
            checks[name] = await asyncio.wait_for(check(services), CHECK_TIMEOUT_S)
        except Exception as error:
            checks[name] = f"error: {type(error).__name__}"
            ready = False
    # Reported, not judged: an open upstream circuit degrades one field (stale data or a typed error);
    # taking every replica out of the load balancer for it would take the whole hub down.
    checks["upstreams"] = services.sources.circuit_states()
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
    )
