"""``hub audit verify|checkpoint``: check the audit log's hash chain and anchor its head with signatures."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from auth.audit import AuditLog, VerifyResult
from auth.audit_checkpoints import Checkpoint, CheckpointSigner, export_checkpoint, read_checkpoint_file
from auth.keys import DEV_KEY_FILE, KeyFile, key_file_path
from hub.cli.clients import database_sessions, fail
from hub.cli.settings_option import settings_or_exit
from hub.errors import BadRequest, HubError
from hub.settings import Settings

app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")

ExportOption = Annotated[
    Path | None,
    typer.Option(
        "--export",
        help="Also append the checkpoint to this file (keep it outside the database, e.g. on WORM storage).",
    ),
]


def _signer(settings: Settings, *, create: bool) -> CheckpointSigner | None:
    """The hub's signing keys: created in dev when signing (as the hub does), only read when verifying."""
    try:
        path = key_file_path(settings) if create else settings.signing_key_file or DEV_KEY_FILE
        if not path.exists():
            return None
        return CheckpointSigner(KeyFile(path, token_ttl_s=settings.token_ttl_s))
    except ValueError as error:  # prod without a key file, or a file that is not a key set
        raise BadRequest(str(error)) from None


async def _verify(
    settings: Settings, against: list[Checkpoint], record: bool
) -> tuple[VerifyResult, Checkpoint | None]:
    async with database_sessions(settings) as sessions:
        log = AuditLog(sessions, signer=_signer(settings, create=record))
        result = await log.verify(checkpoints=against)
        if not (record and result.ok and result.head):
            return result, None
        return result, await log.checkpoint(result.head)


async def _checkpoint(settings: Settings) -> Checkpoint:
    async with database_sessions(settings) as sessions:
        return await AuditLog(sessions, signer=_signer(settings, create=True)).checkpoint()


def _recorded(checkpoint: Checkpoint, export: Path | None) -> None:
    typer.echo(f"recorded {checkpoint.describe()}")
    if export is not None:
        export_checkpoint(export, checkpoint)
        typer.echo(f"exported to {export}")


@app.command()
def verify(
    checkpoint: Annotated[
        bool, typer.Option("--checkpoint", help="Then record a signed checkpoint of the verified head.")
    ] = False,
    export: ExportOption = None,
    against: Annotated[
        Path | None,
        typer.Option("--against", help="Also hold the log to the checkpoints exported to this file."),
    ] = None,
) -> None:
    """Walk the chain from the first row; any altered, removed or reordered row fails the check, and so do
    rows missing up to a signed checkpoint (a truncated tail) or differing from it."""
    settings = settings_or_exit()
    try:
        anchors = read_checkpoint_file(against) if against else []
        result, recorded = asyncio.run(_verify(settings, anchors, checkpoint or export is not None))
    except HubError as error:
        raise fail(error) from None
    if not result.ok:
        where = f"first bad row seq {result.bad_seq}: " if result.bad_seq is not None else ""
        typer.echo(
            f"audit log TAMPERED: {where}{result.reason} ({result.rows_checked} rows before it verified)",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(
        f"audit log intact: {result.rows_checked} rows verified, "
        f"{result.checkpoints_checked} checkpoints held"
    )
    if result.unverified_signatures:
        typer.echo(
            f"note: {result.unverified_signatures} checkpoints are signed by keys not in the key file; "
            "only their content was checked"
        )
    if recorded is not None:
        _recorded(recorded, export)


@app.command("checkpoint")
def checkpoint_command(export: ExportOption = None) -> None:
    """Sign the log's current head (seq, row_hash) with the hub's signing key and record it; rows up to it
    can then not disappear unnoticed. The hub also writes one every 100 rows."""
    settings = settings_or_exit()
    try:
        _recorded(asyncio.run(_checkpoint(settings)), export)
    except HubError as error:
        raise fail(error) from None
