"""``hub webhooks list-dead`` / ``redeliver``: the dead-letter list of webhook deliveries, and reviving it.

Revived deliveries are pending again, due now, with a fresh run of retries and the same ``webhook-id``.
On a Redis job queue they are kicked to ``hub worker``; on the embedded default (no worker) this command
attempts them itself once, and the hub's sweep retries what still fails.
"""

from __future__ import annotations

import asyncio

import typer

from audit.log import AuditLog
from foundation.settings import Settings
from hub.cli.clients import database_sessions
from hub.cli.settings_option import settings_or_exit
from hub.jobs.queue import JobQueue, build_broker, runs_in_process
from hub.webhooks import jobs
from hub.webhooks.dead_letters import DeadDelivery, dead_deliveries, revive
from hub.webhooks.delivery import Attempt, Deliverer, webhook_http_client
from hub.webhooks.sealing import load_secret_seal
from hub.webhooks.sink import KICK_BATCH

app = typer.Typer(no_args_is_help=True, help="Webhook deliveries that gave up (the dead-letter list).")


def _print_dead(rows: list[DeadDelivery]) -> None:
    for row in rows:
        status = row.last_status if row.last_status is not None else "-"
        typer.echo(
            f"{row.id} {row.event_type:<26} {row.tenant_id:<16} webhook {row.subscription_id} "
            f"attempts {row.attempts} last {status} {row.last_error or ''}".rstrip()
        )
    typer.echo(f"{len(rows)} dead")


async def _list(settings: Settings, limit: int) -> list[DeadDelivery]:
    async with database_sessions(settings) as sessions:
        return await dead_deliveries(sessions, limit)


async def _redeliver(settings: Settings, ids: list[str] | None) -> tuple[list[str], list[Attempt] | None]:
    async with database_sessions(settings) as sessions:
        revived = await revive(sessions, AuditLog(sessions), ids)
        if not revived:
            return revived, None
        queue = JobQueue(build_broker(settings))
        if not runs_in_process(queue.broker):
            await queue.start(None)
            try:
                for start in range(0, len(revived), KICK_BATCH):
                    await jobs.deliver.kiq(revived[start : start + KICK_BATCH])
            finally:
                await queue.stop()
            return revived, None
        seal = await asyncio.to_thread(load_secret_seal, settings)
        async with webhook_http_client(settings) as http:
            deliverer = Deliverer(sessions=sessions, seal=seal, settings=settings, http=http)
            return revived, await deliverer.deliver(revived)


@app.command("list-dead")
def list_dead(limit: int = typer.Option(1000, min=1, help="At most this many, oldest first.")) -> None:
    """Deliveries that gave up after their last retry, or that their receiver refused (4xx)."""
    _print_dead(asyncio.run(_list(settings_or_exit(), limit)))


@app.command()
def redeliver(
    delivery_id: list[str] = typer.Option([], "--id", help="A dead delivery's id (repeatable)."),
    all_dead: bool = typer.Option(False, "--all-dead", help="Every dead delivery."),
) -> None:
    """Revive dead deliveries: pending again with the same webhook-id and a fresh run of retries."""
    if bool(delivery_id) == all_dead:
        typer.echo("error: give --id ID (repeatable) or --all-dead", err=True)
        raise typer.Exit(2)
    settings = settings_or_exit()
    revived, attempts = asyncio.run(_redeliver(settings, None if all_dead else delivery_id))
    missing = sorted(set(delivery_id) - set(revived))
    if missing:
        typer.echo(f"not dead (or unknown, or of a deleted webhook): {', '.join(missing)}", err=True)
    if attempts is None:
        typer.echo(f"revived {len(revived)}" + (" (kicked to the workers)" if revived else ""))
        return
    delivered = sum(1 for attempt in attempts if attempt.delivered)
    typer.echo(
        f"revived {len(revived)}: {delivered} delivered now, {len(revived) - delivered} left to retries"
    )
    for attempt in attempts:
        if not attempt.delivered:
            typer.echo(f"{attempt.delivery_id} {attempt.error or attempt.status}")
