"""The signing-key file: created in dev, required in prod, rotation keeps old keys until their tokens die."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from foundation.settings import Settings
from foundation.signing_keys import DEV_KEY_FILE, KeyFile, key_file_path, read_key_file, rotate_key_file


def test_rotation_adds_a_current_key_and_drops_keys_whose_tokens_expired(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first = rotate_key_file(path, token_ttl_s=900, now=start).current.kid
    second = rotate_key_file(path, token_ttl_s=900, now=start + timedelta(minutes=5)).current.kid
    assert [key.kid for key in read_key_file(path).keys] == [first, second]
    # The first key retired at the second's creation; 20 minutes later its tokens (15 min) have expired.
    third = rotate_key_file(path, token_ttl_s=900, now=start + timedelta(minutes=25)).current.kid
    assert [key.kid for key in read_key_file(path).keys] == [second, third]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert all("d" in key for key in json.loads(path.read_text())["keys"])


def test_key_file_reloads_after_a_rotation_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    rotate_key_file(path, token_ttl_s=900)
    running = KeyFile(path, token_ttl_s=900)
    before = running.keys().current.kid
    rotate_key_file(path, token_ttl_s=900)
    running.reload()
    keys = running.keys()
    assert keys.current.kid != before
    assert [key["kid"] for key in keys.public_jwks()["keys"]][1] == before


def test_an_unchanged_key_set_stays_the_same_object_across_checks(tmp_path: Path) -> None:
    # Tokens verified once are remembered per key-set object (auth.service): a set rebuilt at every check
    # would re-verify every token every few seconds and keep a key set per interval alive.
    path = tmp_path / "keys.json"
    rotate_key_file(path, token_ttl_s=900)
    running = KeyFile(path, token_ttl_s=900)
    first = running.keys()
    running.reload()
    assert running.keys() is first
    rotate_key_file(path, token_ttl_s=900)
    running.reload()
    assert running.keys() is not first


def test_dev_creates_a_key_file_and_prod_requires_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert key_file_path(Settings(env="dev")) == DEV_KEY_FILE
    created = read_key_file(tmp_path / DEV_KEY_FILE).current.kid
    assert read_key_file(key_file_path(Settings(env="dev"))).current.kid == created  # survives a restart
    with pytest.raises(ValueError, match="HUB_SIGNING_KEY_FILE"):
        key_file_path(Settings(env="prod"))
    assert (
        key_file_path(Settings(env="prod", signing_key_file=tmp_path / DEV_KEY_FILE))
        == tmp_path / DEV_KEY_FILE
    )


def test_a_file_without_private_keys_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    rotate_key_file(path, token_ttl_s=900)
    public = read_key_file(path).public_jwks()
    path.write_text(json.dumps(public))
    with pytest.raises(ValueError, match="private"):
        read_key_file(path)
