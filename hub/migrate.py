"""Run Alembic migrations from code (``hub db upgrade``), for SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from foundation.settings import Settings
from foundation.storage import prepare_database_file

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = settings.database_url
    # Data migrations that need more than the URL (the personal-data key, 0006) read the same settings.
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Bring the database to ``revision``. Blocking: call it outside the event loop (or in a thread)."""
    prepare_database_file(settings.database_url)  # the first to open a new SQLite file creates it
    command.upgrade(alembic_config(settings), revision)
