"""The personal-data key: generated owner-only in dev and kept, required in prod, read from its file."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from connectors.personal_data import PersonalDataHasher
from foundation.settings import Settings
from hub.personal_data import DEV_KEY_FILE, key_file_path, load_personal_data_hasher

KEY = bytes(range(32))


def test_dev_generates_the_key_once_and_keeps_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = load_personal_data_hasher(Settings(env="dev"))
    assert key_file_path(Settings(env="dev")) == DEV_KEY_FILE and DEV_KEY_FILE.is_file()
    again = load_personal_data_hasher(Settings(env="dev"))  # a restart hashes as before
    assert again.id_number("330102198001011234") == first.id_number("330102198001011234")


def test_prod_requires_the_key_file_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="HUB_PERSONAL_DATA_KEY_FILE is required when HUB_ENV=prod"):
        load_personal_data_hasher(Settings(env="prod"))
    assert not DEV_KEY_FILE.exists()


def test_the_configured_key_file_is_used(tmp_path: Path) -> None:
    path = tmp_path / "personal-data.key"
    path.write_text(base64.b64encode(KEY).decode() + "\n")
    hasher = load_personal_data_hasher(Settings(env="prod", personal_data_key_file=path))
    assert hasher.phone("13800138000") == PersonalDataHasher(KEY).phone("13800138000")


def test_an_unusable_key_file_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "personal-data.key"
    path.write_text("0123abcd\n")
    with pytest.raises(
        ValueError, match=r"personal-data\.key .*HUB_PERSONAL_DATA_KEY_FILE.*at least 32 bytes"
    ):
        load_personal_data_hasher(Settings(env="prod", personal_data_key_file=path))
