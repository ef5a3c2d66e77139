"""Files the hub creates holding secrets or personal data are owner-only (0600, directories 0700): the
SQLite database and its WAL files, the signing keys, the personal-data key, sandbox credentials."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from connectors.config import default_sandbox_urls, write_sandbox_sources_file
from foundation.private_files import write_private_file
from foundation.settings import Settings
from foundation.signing_keys import DEV_KEY_FILE as SIGNING_KEY_FILE
from foundation.signing_keys import key_file_path as signing_key_file_path
from foundation.signing_keys import rotate_key_file
from foundation.storage import create_engine
from hub.personal_data import DEV_KEY_FILE as PERSONAL_DATA_KEY_FILE
from hub.personal_data import key_file_path as personal_data_key_file_path


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most systems start with (group and others may read what is created)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


async def test_a_new_sqlite_database_and_its_wal_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE note (body TEXT)"))
            await connection.execute(text("INSERT INTO note VALUES ('kept')"))
        wal_files = [tmp_path / "hub.db-wal", tmp_path / "hub.db-shm"]
        assert all(file.exists() for file in wal_files)
        assert [mode(file) for file in [path, *wal_files]] == [0o600, 0o600, 0o600]
    finally:
        await engine.dispose()


async def test_an_existing_database_is_opened_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    path.touch(mode=0o640)
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
    await engine.dispose()
    assert mode(path) == 0o640


def test_dev_key_files_are_owner_only_in_an_owner_only_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert signing_key_file_path(Settings(env="dev")) == SIGNING_KEY_FILE
    assert personal_data_key_file_path(Settings(env="dev")) == PERSONAL_DATA_KEY_FILE
    assert mode(tmp_path / "var") == 0o700
    assert mode(SIGNING_KEY_FILE) == 0o600 and mode(PERSONAL_DATA_KEY_FILE) == 0o600


def test_a_rotation_over_a_leftover_temporary_file_stays_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "signing-keys.json"
    leftover = tmp_path / f".{path.name}.{os.getpid()}.tmp"  # a crashed rotation's
    leftover.write_text("{}")
    leftover.chmod(0o644)
    rotate_key_file(path, token_ttl_s=900)
    assert mode(path) == 0o600 and not leftover.exists()


def test_sandbox_sources_files_hold_credentials_owner_only(tmp_path: Path) -> None:
    path = write_sandbox_sources_file(tmp_path / "sources.toml", default_sandbox_urls())
    assert mode(path) == 0o600


def test_a_private_file_created_exclusively_keeps_the_first_content(tmp_path: Path) -> None:
    path = tmp_path / "key"
    assert write_private_file(path, "first", exclusive=True)
    assert not write_private_file(path, "second", exclusive=True)
    assert path.read_text() == "first" and mode(path) == 0o600
