"""``hub keys rotate`` adds a current key and keeps the previous one published."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from foundation.signing_keys import read_key_file
from hub.cli import app


def test_rotate_creates_then_rotates(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    first = CliRunner().invoke(app, ["keys", "rotate", "--file", str(path)])
    assert first.exit_code == 0, first.output
    old_kid = read_key_file(path).current.kid
    second = CliRunner().invoke(app, ["keys", "rotate", "--file", str(path)])
    assert second.exit_code == 0, second.output
    keys = read_key_file(path)
    assert keys.keys[0].kid == old_kid and keys.current.kid != old_kid
    assert f"still published: {old_kid}" in second.stdout
