"""``hub schema export``: the GraphQL SDL of the hub (``schema.graphql`` at the root is kept equal to it)."""

from __future__ import annotations

from pathlib import Path

import typer

from schema.build import sdl

app = typer.Typer(no_args_is_help=True, help="The GraphQL schema.")


@app.command("export")
def export(
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
) -> None:
    """Print the schema's SDL (Apollo Federation v2 subgraph, with every description)."""
    text = sdl()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
