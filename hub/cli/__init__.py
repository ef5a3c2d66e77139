"""The ``hub`` command line. Each command group lives in its own module and registers here."""

from __future__ import annotations

import typer

from hub.cli import db, sandbox, serve

app = typer.Typer(no_args_is_help=True, add_completion=False, help="The enterprise-data GraphQL hub.")
app.command("serve")(serve.serve)
app.command("sandbox")(sandbox.sandbox)
app.add_typer(db.app, name="db")


def main() -> None:
    app()
