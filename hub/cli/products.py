"""``hub products``: publish a tenant's lending product versions, list them, and the shipped templates."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import typer

from audit.log import AuditLog
from foundation.errors import HubError, ProductInvalid
from foundation.settings import Settings
from hub.cli.clients import database_sessions, fail
from hub.cli.settings_option import settings_or_exit
from hub.products.facts import definitions as fact_definitions
from hub.products.service import ProductService
from hub.products.store import AssessmentBook, ProductBook, PublishedVersion
from hub.products.templates import templates as shipped_templates
from hub.turns import LoopTurns

app = typer.Typer(no_args_is_help=True, help="Lending products: versioned JDM decision graphs per tenant.")


def _service(sessions: Any) -> ProductService:
    audit = AuditLog(sessions)
    return ProductService(
        products=ProductBook(sessions, audit),
        assessments=AssessmentBook(sessions),
        audit=audit,
        turns=LoopTurns(),
        name_hash=None,
    )


async def publish_product(settings: Settings, tenant: str, definition: dict[str, Any]) -> PublishedVersion:
    """Publish ``{"key", "name", "kind", "document"}`` as the tenant's next version of its key."""
    async with database_sessions(settings) as sessions:
        service = _service(sessions)
        try:
            return await service.publish(
                tenant_id=tenant,
                client_id=None,
                key=str(definition.get("key", "")),
                name=str(definition.get("name", "")),
                kind=str(definition.get("kind", "")),
                document=definition.get("document"),
            )
        finally:
            service.assessments.close()


def _definition(
    file: Path | None, template: str | None, key: str | None, name: str | None, kind: str | None
) -> dict[str, Any]:
    if (file is None) == (template is None):
        typer.echo("error: give exactly one of --file and --template", err=True)
        raise typer.Exit(2)
    if template is not None:
        found = shipped_templates().get(template)
        if found is None:
            typer.echo(f"error: no template {template!r}; known: {', '.join(shipped_templates())}", err=True)
            raise typer.Exit(2)
        definition: dict[str, Any] = {
            "key": found.key,
            "name": found.name,
            "kind": found.kind,
            "document": found.document,
        }
    else:
        assert file is not None
        try:
            loaded = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            typer.echo(f"error: {file} is not a readable JSON file: {error}", err=True)
            raise typer.Exit(2) from None
        if not isinstance(loaded, dict):
            typer.echo(f"error: {file} must hold a JSON object", err=True)
            raise typer.Exit(2)
        # A product file ({"key", "name", "kind", "document"}), or a bare document with the options.
        definition = loaded if "document" in loaded else {"document": loaded}
    overrides = {"key": key, "name": name, "kind": kind}
    return definition | {field: value for field, value in overrides.items() if value is not None}


@app.command()
def publish(
    tenant: str = typer.Option(..., help="Tenant (bank) id; created if new."),
    file: Path | None = typer.Option(
        None, "--file", help='A product file {"key", "name", "kind", "document"} or a bare document.'
    ),
    template: str | None = typer.Option(
        None, help="Publish a shipped template (see `hub products templates`)."
    ),
    key: str | None = typer.Option(None, help="The product key (overrides the file's)."),
    name: str | None = typer.Option(None, help="Its name (overrides the file's)."),
    kind: str | None = typer.Option(None, help="ELECTRICITY, TAX, RECEIVABLE, LOGISTICS, CUSTOMS or OTHER."),
) -> None:
    """Check a product document and publish it as the tenant's next version of its key (audited)."""
    settings = settings_or_exit()
    definition = _definition(file, template, key, name, kind)
    try:
        published = asyncio.run(publish_product(settings, tenant, definition))
    except ProductInvalid as error:
        where = ", ".join(
            f"{part} {error.extensions[part]!r}" for part in ("node", "rule") if part in error.extensions
        )
        typer.echo(f"error: {error.message}" + (f" (at {where})" if where else ""), err=True)
        raise typer.Exit(1) from None
    except HubError as error:
        raise fail(error) from None
    typer.echo(
        f"published {published.key} v{published.version} for {published.tenant_id} "
        f"(document sha256 {published.document_hash[:12]}…)"
    )


async def _versions(settings: Settings, tenant: str) -> list[PublishedVersion]:
    async with database_sessions(settings) as sessions:
        return await ProductBook(sessions, AuditLog(sessions)).versions(tenant)


@app.command("list")
def list_products(
    tenant: str = typer.Option(..., help="Tenant (bank) id."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per version."),
) -> None:
    """The tenant's products and their versions."""
    settings = settings_or_exit()
    versions = asyncio.run(_versions(settings, tenant))
    if as_json:
        for version in versions:
            typer.echo(
                json.dumps(
                    {
                        "key": version.key,
                        "version": version.version,
                        "name": version.name,
                        "kind": version.kind,
                        "documentHash": version.document_hash,
                        "publishedAt": version.published_at.isoformat(),
                        "publishedBy": version.published_by,
                    },
                    ensure_ascii=False,
                )
            )
        return
    if not versions:
        typer.echo(f"tenant {tenant} has no products")
    for version in versions:
        typer.echo(
            f"{version.key:<20} v{version.version:<3} {version.kind:<12} "
            f"{version.published_at:%Y-%m-%d %H:%M} {version.name}"
        )


@app.command()
def templates(
    export: Path | None = typer.Option(
        None, help="Write each template to DIR/<key>.json, to edit and publish."
    ),
) -> None:
    """The shipped product templates."""
    for template in shipped_templates().values():
        typer.echo(f"{template.key:<20} {template.kind:<12} {template.name}")
        if export is not None:
            export.mkdir(parents=True, exist_ok=True)
            content = {
                "key": template.key,
                "name": template.name,
                "kind": template.kind,
                "document": template.document,
            }
            (export / f"{template.key}.json").write_text(
                json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )


@app.command()
def facts() -> None:
    """Every fact a product's rules may read: name, type, the sources it needs, what it is."""
    for definition in fact_definitions():
        nullable = " (may be null)" if definition.nullable else ""
        typer.echo(
            f"{definition.name:<38} {definition.type.value:<8} {','.join(definition.sources):<21} "
            f"{definition.description}{nullable}"
        )
        for item in definition.items:
            typer.echo(f"  .{item.name:<35} {item.type.value:<8} {'':<21} {item.description}")
