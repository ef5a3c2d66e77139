"""``hub db upgrade`` builds exactly the tables of hub/storage/models.py, on both databases."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from foundation.storage.models import Base
from tests.fixtures.backends import POSTGRES_URL, require_service

HUB = str(Path(sys.executable).with_name("hub"))


def run_hub(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HUB, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120, check=False
    )


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection)
    return list(compare_metadata(context, Base.metadata))


async def _diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    await engine.dispose()
    return differences


async def _admin(sql: str) -> None:
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(sql))
    await engine.dispose()


def test_upgrade_on_sqlite_matches_the_models(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    result = run_hub("db", "upgrade", HUB_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert "database at head" in result.stdout
    assert asyncio.run(_diff(url)) == []
    assert (tmp_path / "hub.db").stat().st_mode & 0o777 == 0o600  # the database holds personal data
    again = run_hub("db", "upgrade", HUB_DATABASE_URL=url)
    assert again.returncode == 0, again.stderr


def test_upgrade_on_postgres_matches_the_models() -> None:
    require_service(POSTGRES_URL, 5432, "PostgreSQL")
    name = f"hub_migrate_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = urlsplit(POSTGRES_URL)._replace(path=f"/{name}").geturl()
    try:
        result = run_hub("db", "upgrade", HUB_DATABASE_URL=url)
        assert result.returncode == 0, result.stderr
        assert asyncio.run(_diff(url)) == []
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("HUB_DATABASE_URL", "mysql://hub:s3cret@db/hub", "unsupported database URL scheme"),
        ("HUB_CACHE_URL", "memcached://cache", "unknown cache scheme"),
    ],
)
def test_bad_settings_stop_the_command_with_a_readable_message(
    variable: str, value: str, message: str
) -> None:
    result = run_hub("db", "upgrade", **{variable: value})
    assert result.returncode == 2
    assert f"error: {variable}" in result.stderr and message in result.stderr
    assert "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr
