"""``hub clients create|disable|enable``: OAuth clients of a tenant (a bank, or a regulator with
``--kind regulator``); a new secret is printed once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import typer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.log import AuditLog
from auth.clients import IssuedClient, parse_scopes, parse_tenant_kind, register_client, set_client_disabled
from auth.principal import TenantKind
from foundation.errors import HubError
from foundation.settings import Settings
from foundation.storage import create_engine, create_session_factory
from hub.cli.settings_option import settings_or_exit

app = typer.Typer(no_args_is_help=True, help="OAuth clients of tenants (banks and regulators).")


@asynccontextmanager
async def database_sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions for one CLI command; the engine is disposed when it ends."""
    engine = create_engine(settings)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


def fail(error: HubError) -> typer.Exit:
    typer.echo(f"error: {error.message}", err=True)
    return typer.Exit(2)


async def _create(
    settings: Settings, tenant: str, scopes: frozenset[str], name: str | None, kind: TenantKind | None
) -> IssuedClient:
    async with database_sessions(settings) as sessions:
        return await register_client(sessions=sessions, tenant_id=tenant, scopes=scopes, name=name, kind=kind)


@app.command()
def create(
    tenant: str = typer.Option(..., help="Tenant (bank) id; created if new."),
    scopes: str = typer.Option(..., help='Space- or comma-separated, e.g. "registry:read tax:read".'),
    name: str | None = typer.Option(None, help="A label for the client."),
    kind: str | None = typer.Option(
        None,
        help="Kind of a new tenant: bank (default) or regulator (aggregates only, scope monitoring:read). "
        "An existing tenant keeps its kind; another one is an error.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Register a client with the client-credentials grant; prints client_id and secret (shown only now)."""
    settings = settings_or_exit()
    try:
        tenant_kind = parse_tenant_kind(kind) if kind is not None else None
        issued = asyncio.run(_create(settings, tenant, parse_scopes(scopes), name, tenant_kind))
    except HubError as error:
        raise fail(error) from None
    if as_json:
        document = {
            "tenant_id": issued.tenant_id,
            "tenant_kind": issued.tenant_kind,
            "client_id": issued.client_id,
            "client_secret": issued.client_secret,
            "scopes": sorted(issued.scopes),
            "token_endpoint": f"{settings.issuer_url}/oauth/token",
        }
        typer.echo(json.dumps(document))
        return
    typer.echo(f"tenant         {issued.tenant_id}{' (new)' if issued.tenant_created else ''}")
    typer.echo(f"kind           {issued.tenant_kind}")
    typer.echo(f"client_id      {issued.client_id}")
    typer.echo(f"client_secret  {issued.client_secret}")
    typer.echo(f"scopes         {' '.join(sorted(issued.scopes))}")
    typer.echo("The secret is shown only now and stored hashed: keep it in your secret store.")


async def _set_disabled(settings: Settings, client_id: str, disabled: bool) -> bool:
    async with database_sessions(settings) as sessions:
        audit = AuditLog(sessions)
        return await set_client_disabled(
            sessions=sessions, audit=audit, client_id=client_id, disabled=disabled
        )


def _switch(client_id: str, *, disabled: bool) -> None:
    try:
        changed = asyncio.run(_set_disabled(settings_or_exit(), client_id, disabled))
    except HubError as error:
        raise fail(error) from None
    state = "disabled" if disabled else "enabled"
    typer.echo(f"client {client_id} {state}" if changed else f"client {client_id} was already {state}")


@app.command()
def disable(client_id: str = typer.Option(..., "--client-id", help="The client to disable.")) -> None:
    """Refuse the client new tokens and, within the next request, its unexpired ones (audited)."""
    _switch(client_id, disabled=True)


@app.command()
def enable(client_id: str = typer.Option(..., "--client-id", help="The client to enable again.")) -> None:
    """Let a disabled client obtain tokens again (audited); tokens it held before are accepted again."""
    _switch(client_id, disabled=False)
