"""``hub sources``: the sources this installation knows, as the README's sources table shows them."""

from __future__ import annotations

import typer

from connectors.catalog import SourceCatalog, load_catalog


def sources_table(catalog: SourceCatalog) -> str:
    """The Markdown table of the sources (README's is this table: a test keeps them equal)."""
    lines = [
        "| source | what it serves | scope | consent | `Enterprise` field | sandbox port |",
        "|---|---|---|---|---|---|",
    ]
    for source in catalog:
        consent = f"`{source.consent}`" if source.consent_required else "not needed"
        field = f"`{source.name}`" if source.schema is not None else "the enterprise itself"
        lines.append(
            f"| `{source.name}` | {source.description} | `{source.read_scope}` | {consent} | {field} | "
            f"{source.sandbox.port} |"
        )
    return "\n".join(lines)


def sources() -> None:
    """List the sources the hub knows (from the hub.sources entry points)."""
    typer.echo(sources_table(load_catalog()))
