"""The refresh jobs on the job queue (:mod:`hub.jobs.queue`), each idempotent.

- ``refresh.firm(credit_code, sources)``: one firm's consented sources refreshed (``hub sync --enqueue``
  kicks one per firm; a redelivered one refreshes again, harmlessly).
- ``refresh.due(source)``: every consented firm of a source kicked as ``refresh.firm``; the scheduler kicks
  it on the source's cadence (``HUB_REFRESH_CRON``, :mod:`hub.connections.schedule`).
- ``connections.housekeeping``: daily; consents followed (a pair nobody consents to any more starts its
  retention, one consented again stops it), LINKED pairs not refreshed in their source's window turned
  STALE (``connection.status_changed``), snapshots of pairs past ``HUB_SNAPSHOT_RETENTION_DAYS`` purged
  (audited ``snapshots_purged``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from taskiq import TaskiqDepends

from audit.chain import AuditEvent
from audit.log import AuditEntry, digest
from auth.consent import consent_today
from hub.connections.consented import consented_firms
from hub.connections.refresh import FirmRefresh, refresh_firm, stale_after, status_changed
from hub.connections.status import ConnectionStatus, FetchState
from hub.connections.store import ConnectionBook, Purged
from hub.jobs.queue import job, services_of

if TYPE_CHECKING:
    from hub.services import HubServices

HOUSEKEEPING_CRON = "40 3 * * *"


@job(task_name="refresh.firm")
async def refresh_firm_job(
    credit_code: str, sources: list[str] | None = None, services: Any = TaskiqDepends(services_of)
) -> dict[str, str]:
    refreshed: FirmRefresh = await refresh_firm(services, credit_code, sources)
    return dict(refreshed.outcomes)


@job(task_name="refresh.due")
async def refresh_due_job(source: str, services: Any = TaskiqDepends(services_of)) -> int:
    return await kick_due(services, [source])


async def kick_due(services: HubServices, sources: list[str], today: date | None = None) -> int:
    """Kick ``refresh.firm`` for every firm some tenant consents to refresh in ``sources``; how many."""
    kicked = 0
    async for credit_code, consented in consented_firms(services.sessions, sources, today or consent_today()):
        await refresh_firm_job.kiq(credit_code, list(consented))
        kicked += 1
    return kicked


@dataclass(frozen=True, slots=True)
class Housekeeping:
    stale: list[FetchState]
    purged: list[Purged]


@job(
    task_name="connections.housekeeping",
    schedule=[{"cron": HOUSEKEEPING_CRON, "cron_offset": "Asia/Shanghai", "schedule_id": "housekeeping"}],
)
async def housekeeping_job(services: Any = TaskiqDepends(services_of)) -> dict[str, int]:
    done = await housekeeping(services)
    return {"stale": len(done.stale), "purged": len(done.purged)}


async def housekeeping(
    services: HubServices, *, today: date | None = None, now: datetime | None = None
) -> Housekeeping:
    """Follow consents, mark stale pairs, purge the pairs past retention (see the module)."""
    today, now = today or consent_today(), now or datetime.now(UTC)
    settings, book = services.settings, ConnectionBook(services.sessions)
    sources = list(services.sources.sources)
    await book.follow_consents(sources, today, now)
    was = await book.mark_stale({source: now - stale_after(settings, source) for source in sources})
    events = []
    for before in was:
        since = before.last_success_at or now
        after = replace(before, status=ConnectionStatus.STALE, status_since=since)
        if (event := status_changed(before, after)) is not None:
            events.append(event)
    if events:
        await services.events.emit(events)
    purged = await book.purge_due(now - timedelta(days=settings.snapshot_retention_days))
    await services.auth.audit.append(
        [
            AuditEntry(
                event=AuditEvent.SNAPSHOTS_PURGED,
                tenant_id=None,
                client_id=None,
                credit_code=gone.credit_code,
                sources=(gone.source,),
                operation_hash=digest(f"{gone.credit_code}:{gone.source}"),
                outcome=f"purged {gone.snapshots} snapshots "
                f"(consent ended over {settings.snapshot_retention_days} days ago)",
            )
            for gone in purged
        ]
    )
    return Housekeeping(was, purged)
