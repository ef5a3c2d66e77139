"""``hub sources`` and README's sources table are the installed source declarations, and agree."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from connectors.catalog import load_catalog
from hub.cli.commands import app
from hub.cli.sources import sources_table

README = Path(__file__).resolve().parents[3] / "README.md"


def test_readme_lists_the_installed_sources() -> None:
    found = re.search(r"<!-- sources -->\n(.*?)\n<!-- /sources -->", README.read_text(encoding="utf-8"), re.S)
    assert found is not None, "README has no sources table"
    assert found.group(1) == sources_table(load_catalog()), (
        "README's sources table drifted: run `hub sources`"
    )


def test_hub_sources_prints_one_row_per_source() -> None:
    result = CliRunner().invoke(app, ["sources"])
    assert result.exit_code == 0
    rows = [line for line in result.stdout.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(load_catalog().names)
