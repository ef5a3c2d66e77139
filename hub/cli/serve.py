"""``hub serve``: the hub alone, configured by settings."""

from __future__ import annotations

import typer
import uvicorn

from hub.app import create_app
from hub.cli.settings_option import settings_or_exit
from hub.gc_freeze import freeze_startup_objects
from hub.logging import configure_logging
from hub.malloc import limit_malloc_arenas
from hub.storage.migrate import upgrade


def serve(
    host: str | None = typer.Option(None, help="Overrides HUB_HOST."),
    port: int | None = typer.Option(None, help="Overrides HUB_PORT."),
    migrate: bool = typer.Option(True, help="Run database migrations before serving."),
) -> None:
    """Serve the hub (GraphQL, OAuth, health and metrics endpoints)."""
    limit_malloc_arenas()
    overrides = {key: value for key, value in {"host": host, "port": port}.items() if value is not None}
    settings = settings_or_exit(**overrides)
    configure_logging(settings.log_level)
    if migrate:
        upgrade(settings)
    app = create_app(settings)
    freeze_startup_objects()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
