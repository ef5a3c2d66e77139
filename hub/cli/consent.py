"""``hub consent grant`` / ``withdraw``: record or withdraw an enterprise's consent for a tenant."""

from __future__ import annotations

import asyncio
from datetime import date

import typer

from audit.log import AuditLog
from auth.consent import ConsentBook, ConsentRecord, ConsentTerms, consent_today
from connectors.catalog import load_catalog
from foundation.errors import HubError
from foundation.settings import Settings
from hub.cli.clients import database_sessions, fail
from hub.cli.settings_option import settings_or_exit

app = typer.Typer(no_args_is_help=True, help="Enterprises' consents to tenants, per source.")


def _sources(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _print(records: list[ConsentRecord], verb: str) -> None:
    for record in records:
        typer.echo(
            f"{verb} {record.credit_code} {record.source:<11} for {record.tenant_id} "
            f"{record.valid_from}..{record.valid_until} (consent {record.id})"
        )
    if not records:
        typer.echo(f"nothing {verb}")


async def _grant(settings: Settings, **grant: object) -> list[ConsentRecord]:
    async with database_sessions(settings) as sessions:
        return await ConsentBook(sessions, AuditLog(sessions)).grant(client_id=None, **grant)  # type: ignore[arg-type]


async def _withdraw(
    settings: Settings, tenant: str, credit_code: str, sources: list[str]
) -> list[ConsentRecord]:
    async with database_sessions(settings) as sessions:
        book = ConsentBook(sessions, AuditLog(sessions))
        return await book.withdraw(tenant_id=tenant, client_id=None, credit_code=credit_code, sources=sources)


@app.command()
def grant(
    tenant: str = typer.Option(..., help="Tenant (bank) id."),
    credit_code: str = typer.Option(..., help="The enterprise's unified social credit code."),
    sources: str = typer.Option(
        ..., help=f"Comma-separated, of: {','.join(load_catalog().consent_names())}."
    ),
    until: str = typer.Option(..., help="Last valid day, YYYY-MM-DD."),
    valid_from: str | None = typer.Option(None, "--from", help="First valid day (default today, CST)."),
    evidence: str = typer.Option("hub-cli", help="Reference of the signed consent document."),
) -> None:
    """Record the enterprise's consent for the tenant to read these sources between two dates."""
    settings = settings_or_exit()
    try:
        first_day = date.fromisoformat(valid_from) if valid_from else consent_today()
        last_day = date.fromisoformat(until)
    except ValueError as error:
        typer.echo(f"error: dates must be YYYY-MM-DD: {error}", err=True)
        raise typer.Exit(2) from None
    try:
        records = asyncio.run(
            _grant(
                settings,
                tenant_id=tenant,
                credit_code=credit_code,
                sources=_sources(sources),
                valid_from=first_day,
                valid_until=last_day,
                evidence_ref=evidence,
                terms=ConsentTerms.of(settings),
            )
        )
    except HubError as error:
        raise fail(error) from None
    _print(records, "granted")


@app.command()
def withdraw(
    tenant: str = typer.Option(..., help="Tenant (bank) id."),
    credit_code: str = typer.Option(..., help="The enterprise's unified social credit code."),
    sources: str = typer.Option(
        ",".join(load_catalog().consent_names()), help="Comma-separated (default: every source)."
    ),
) -> None:
    """Withdraw the enterprise's consents; takes effect on the next request of every hub replica."""
    settings = settings_or_exit()
    try:
        records = asyncio.run(_withdraw(settings, tenant, credit_code, _sources(sources)))
    except HubError as error:
        raise fail(error) from None
    _print(records, "withdrew")
