"""``hub demo`` anchors its audit log in ``var/audit-anchor.jsonl``; a fresh demo database sets an earlier
demo's anchor aside (saying so) instead of failing verification against it."""

from __future__ import annotations

from pathlib import Path

import pytest

from foundation.settings import Settings
from hub.cli.demo_anchor import demo_anchor_file


def _settings(database: str) -> Settings:
    return Settings(database_url=database)


def test_a_new_database_sets_the_old_anchor_aside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    anchor = tmp_path / "var" / "audit-anchor.jsonl"
    anchor.parent.mkdir()
    anchor.write_text("old checkpoints\n")
    database = tmp_path / "hub.db"
    assert demo_anchor_file(_settings(f"sqlite+aiosqlite:///{database}"), anchor) == anchor
    assert not anchor.exists()
    [aside] = anchor.parent.glob("audit-anchor.jsonl.old-*")
    assert aside.read_text() == "old checkpoints\n"
    assert capsys.readouterr().out.strip() == (
        f"new demo database {database}: the earlier audit anchor {anchor} was moved to {aside}"
    )


@pytest.mark.parametrize("database", ["existing", "memory", "postgres"])
def test_the_anchor_stays_when_the_database_may_hold_its_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: str
) -> None:
    anchor = tmp_path / "audit-anchor.jsonl"
    anchor.write_text("checkpoints\n")
    (tmp_path / "hub.db").write_text("")
    url = {
        "existing": f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
        "memory": "sqlite+aiosqlite:///:memory:",
        "postgres": "postgresql+asyncpg://hub@db.internal/hub",
    }[database]
    assert demo_anchor_file(_settings(url), anchor) == anchor
    assert anchor.read_text() == "checkpoints\n" and capsys.readouterr().out == ""


def test_without_an_old_anchor_nothing_moves(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    anchor = tmp_path / "var" / "audit-anchor.jsonl"
    assert demo_anchor_file(_settings(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"), anchor) == anchor
    assert not anchor.parent.exists() and capsys.readouterr().out == ""
