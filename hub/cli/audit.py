"""``hub audit verify``: check the audit log's hash chain; exit 1 naming the first bad row."""

from __future__ import annotations

import asyncio

import typer

from auth.audit import AuditLog, VerifyResult
from hub.cli.clients import database_sessions
from hub.cli.settings_option import settings_or_exit
from hub.settings import Settings

app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")


async def _verify(settings: Settings) -> VerifyResult:
    async with database_sessions(settings) as sessions:
        return await AuditLog(sessions).verify()


@app.command()
def verify() -> None:
    """Walk the chain from the first row; any altered, removed or reordered row fails the check."""
    result = asyncio.run(_verify(settings_or_exit()))
    if result.ok:
        typer.echo(f"audit log intact: {result.rows_checked} rows verified")
        return
    typer.echo(
        f"audit log TAMPERED: first bad row seq {result.bad_seq}: {result.reason} "
        f"({result.rows_checked} rows before it verified)",
        err=True,
    )
    raise typer.Exit(1)
