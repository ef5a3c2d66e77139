"""Liveness, readiness and metrics over HTTP, on both backends."""

from __future__ import annotations

import httpx

from foundation.settings import Settings
from hub.app import create_app


async def test_healthz_readyz_metrics(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"]["database"] == "ok"
            assert ready.json()["checks"]["cache"] == "ok"
            metrics = await client.get("/metrics")
            assert metrics.status_code == 200
            assert "text/plain" in metrics.headers["content-type"]


async def test_readyz_reports_a_dead_database(tmp_path: object) -> None:
    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("error: ")
