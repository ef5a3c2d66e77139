"""``hub serve``: the hub alone, configured by settings."""

from __future__ import annotations

import typer

from foundation.logging import configure_logging
from hub.cli.settings_option import settings_or_exit
from hub.malloc import limit_malloc_arenas
from hub.migrate import upgrade
from hub.server import serve as run_server


def serve(
    host: str | None = typer.Option(None, help="Overrides HUB_HOST."),
    port: int | None = typer.Option(None, help="Overrides HUB_PORT."),
    migrate: bool = typer.Option(True, help="Run database migrations before serving."),
    workers: int = typer.Option(1, min=1, max=64, help="Server processes (see README: what each keeps)."),
) -> None:
    """Serve the hub (GraphQL, OAuth, health and metrics endpoints)."""
    limit_malloc_arenas()
    overrides = {key: value for key, value in {"host": host, "port": port}.items() if value is not None}
    settings = settings_or_exit(**overrides)
    configure_logging(settings.log_level)
    if migrate:
        upgrade(settings)
    run_server(settings, workers=workers)
