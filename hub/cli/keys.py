"""``hub keys rotate``: add a new JWT signing key; older keys keep verifying until their tokens expire."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from foundation.signing_keys import DEV_KEY_FILE, rotate_key_file
from hub.cli.settings_option import settings_or_exit

app = typer.Typer(no_args_is_help=True, help="JWT signing keys.")


@app.command()
def rotate(
    file: Annotated[
        Path | None,
        typer.Option(
            help="Key file (default HUB_SIGNING_KEY_FILE, else ./var/signing-keys.json); created if missing."
        ),
    ] = None,
) -> None:
    """Sign new tokens with a fresh key. Running hubs pick it up within seconds; share the file with them."""
    settings = settings_or_exit()
    path = file or settings.signing_key_file or DEV_KEY_FILE
    keys = rotate_key_file(path, token_ttl_s=settings.token_ttl_s)
    typer.echo(f"signing key {keys.current.kid} is now current in {path}")
    for key in keys.keys[:-1]:
        typer.echo(f"  still published: {key.kid} (verifies tokens it signed until they expire)")
