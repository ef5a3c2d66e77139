"""``hub db upgrade``: run the Alembic migrations against ``HUB_DATABASE_URL``."""

from __future__ import annotations

import typer

from foundation.settings import mask_url
from hub.cli.settings_option import settings_or_exit
from hub.migrate import upgrade as run_upgrade

app = typer.Typer(no_args_is_help=True, help="Database migrations.")


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date."""
    settings = settings_or_exit()
    run_upgrade(settings, revision)
    typer.echo(f"database at {revision}: {mask_url(settings.database_url)}")
