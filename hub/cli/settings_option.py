"""Reading settings for a CLI command: a bad value ends the command with a readable message, exit 2."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from foundation.settings import Settings, load_settings


def settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ValidationError as error:
        for problem in error.errors():
            field = "HUB_" + "_".join(str(part) for part in problem["loc"]).upper()
            typer.echo(f"error: {field}: {problem['msg']}", err=True)
        raise typer.Exit(2) from None
