"""``hub demo``'s audit anchor: ``var/audit-anchor.jsonl`` unless ``HUB_AUDIT_ANCHOR_FILE`` names one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from foundation.settings import Settings

DEMO_ANCHOR_FILE = Path("var/audit-anchor.jsonl")


def demo_anchor_file(settings: Settings, path: Path = DEMO_ANCHOR_FILE) -> Path:
    """The anchor file of a demo on ``settings``' database.

    When that database is a SQLite file not created yet while an earlier demo's anchor exists, the anchor
    is renamed to ``<name>.old-<UTC time>`` (and the rename said): its checkpoints name rows the new
    database will never hold, so the fresh demo would fail ``hub audit verify``.
    """
    database = _sqlite_file(settings.database_url)
    if database is not None and not database.exists() and path.exists():
        aside = path.with_name(f"{path.name}.old-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}")
        path.rename(aside)
        typer.echo(f"new demo database {database}: the earlier audit anchor {path} was moved to {aside}")
    return path


def _sqlite_file(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)
