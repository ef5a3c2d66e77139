"""``hub audit verify|checkpoint``: check the audit log's hash chain and anchor its head with signatures.

Both use the anchor file (``HUB_AUDIT_ANCHOR_FILE``, :mod:`audit.anchor`): a recorded checkpoint is
appended to it, and the log is verified against it. Without it a rewritten or truncated log goes unnoticed,
so prod refuses to verify without one, and dev says the tail is unanchored.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.checkpoints import Checkpoint, CheckpointSigner, export_checkpoint, read_checkpoint_file
from audit.log import AuditLog, VerifyResult
from foundation.errors import BadRequest, HubError
from foundation.settings import Settings
from foundation.signing_keys import DEV_KEY_FILE, KeyFile, key_file_path
from hub.cli.clients import database_sessions, fail
from hub.cli.settings_option import settings_or_exit

app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")

NO_ANCHOR = (
    "no audit anchor configured (HUB_AUDIT_ANCHOR_FILE): a rewritten or truncated log cannot be detected"
)

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
        log = _log(sessions, settings, create=record)
        result = await log.verify(checkpoints=against)
        if not (record and result.ok and result.head):
            return result, None
        checkpoint = await log.checkpoint(result.head)
        _fail_unanchored(log, settings)
        return result, checkpoint


async def _checkpoint(settings: Settings) -> Checkpoint:
    async with database_sessions(settings) as sessions:
        log = _log(sessions, settings, create=True)
        checkpoint = await log.checkpoint()
        _fail_unanchored(log, settings)
        return checkpoint


def _log(sessions: async_sessionmaker[AsyncSession], settings: Settings, *, create: bool) -> AuditLog:
    signer = _signer(settings, create=create)
    return AuditLog(sessions, signer=signer, anchor_file=settings.audit_anchor_file)


def _fail_unanchored(log: AuditLog, settings: Settings) -> None:
    if log.anchor_failures:
        raise BadRequest(
            f"the checkpoint was recorded in the database but could not be appended to the anchor file "
            f"{settings.audit_anchor_file} (see the log line above)"
        )


def _recorded(checkpoint: Checkpoint, settings: Settings, export: Path | None) -> None:
    typer.echo(f"recorded {checkpoint.describe()}")
    if settings.audit_anchor_file is not None:
        typer.echo(f"anchored in {settings.audit_anchor_file}")
    if export is not None:
        export_checkpoint(export, checkpoint)
        typer.echo(f"exported to {export}")


def _anchoring(result: VerifyResult, settings: Settings) -> tuple[str, bool]:
    """What the anchor holds of the verified log (rows after it rest on the chain alone), and whether that
    is a warning."""
    anchor, head = settings.audit_anchor_file, result.head[0] if result.head else 0
    if anchor is None:
        return f"warning: {NO_ANCHOR}; the log's tail is unanchored", True
    if result.anchored_seq is None:
        if not head:
            return f"anchor {anchor}: no checkpoint yet (the log is empty)", False
        return f"warning: anchor {anchor} holds no checkpoint yet: rows 1 to {head} are unanchored", True
    if result.anchored_seq >= head:
        return f"anchor {anchor}: anchored up to seq {result.anchored_seq}, the whole log", False
    first = result.anchored_seq + 1
    return (
        f"anchor {anchor}: anchored up to seq {result.anchored_seq}; rows {first} to {head} rest on the "
        "chain alone until the next checkpoint",
        False,
    )


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
    rows missing up to a signed checkpoint (a truncated tail) or differing from it. The checkpoints of the
    anchor file (HUB_AUDIT_ANCHOR_FILE) are always held; in prod, verifying without one is an error."""
    settings = settings_or_exit()
    if settings.env == "prod" and settings.audit_anchor_file is None:
        typer.echo(f"error: {NO_ANCHOR}", err=True)
        raise typer.Exit(2)
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
    anchoring, warning = _anchoring(result, settings)
    typer.echo(anchoring, err=warning)
    if recorded is not None:
        _recorded(recorded, settings, export)


@app.command("checkpoint")
def checkpoint_command(export: ExportOption = None) -> None:
    """Sign the log's current head (seq, row_hash) with the hub's signing key and record it; rows up to it
    can then not disappear unnoticed. The hub also writes one every 100 rows. Appended to the anchor file
    (HUB_AUDIT_ANCHOR_FILE) when configured."""
    settings = settings_or_exit()
    try:
        _recorded(asyncio.run(_checkpoint(settings)), settings, export)
    except HubError as error:
        raise fail(error) from None
