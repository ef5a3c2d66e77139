"""The refresh jobs on the job queue (:mod:`hub.jobs.queue`), each idempotent.

- ``refresh.firms({credit_code: sources})``: up to 20 firms' consented sources refreshed (``hub sync
  --enqueue`` kicks them; a redelivered one refreshes again, harmlessly).
- ``refresh.due(source)``: every consented firm of a source kicked as ``refresh.firms``; the scheduler kicks
  it on the source's cadence (``HUB_REFRESH_CRON``, :mod:`hub.connections.schedule`).
- ``connections.housekeeping``: daily; consents followed (a pair nobody consents to any more starts its
  retention, one consented again stops it), LINKED pairs not refreshed in their source's window turned
  STALE (``connection.status_changed``), snapshots of pairs past ``HUB_SNAPSHOT_RETENTION_DAYS`` purged
  (audited ``snapshots_purged``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from taskiq import TaskiqDepends

from audit.chain import AuditEvent
from audit.log import AuditEntry, digest
from auth.consent import consent_today
from hub.connections.consented import consented_firms
from hub.connections.refresh import refresh_firms, stale_after, status_changed
from hub.connections.status import ConnectionStatus, FetchState
from hub.connections.store import ConnectionBook, Purged
from hub.jobs.queue import job, services_of

if TYPE_CHECKING:
    from hub.services import HubServices

HOUSEKEEPING_CRON = "40 3 * * *"
FIRMS_PER_JOB = 20  # a job's firms share its database reads and writes; a redelivery redoes at most these


@job(task_name="refresh.firms")
async def refresh_firms_job(
    firms: dict[str, list[str]], services: Any = TaskiqDepends(services_of)
) -> dict[str, int]:
    """Refresh ``{credit code: sources}`` (consented ones only); how many refreshes had each outcome."""
    done = await refresh_firms(services, firms)
    return dict(Counter(outcome for firm in done.values() for outcome in firm.outcomes.values()))


@job(task_name="refresh.due")
async def refresh_due_job(source: str, services: Any = TaskiqDepends(services_of)) -> int:
    return await kick_due(services, [source])


async def kick_due(services: HubServices, sources: list[str], today: date | None = None) -> int:
    """Kick ``refresh.firms`` for every firm some tenant consents to refresh in ``sources``, up to
    :data:`FIRMS_PER_JOB` a job; how many firms."""
    firms = consented_firms(services.sessions, sources, today or consent_today())
    return await kick_refreshes(firms)


async def kick_refreshes(firms: AsyncIterable[tuple[str, Sequence[str]]]) -> int:
    """Kick ``refresh.firms`` jobs for these (credit code, sources), :data:`FIRMS_PER_JOB` a job; how many
    firms."""
    batch: dict[str, list[str]] = {}
    kicked = 0
    async for credit_code, sources in firms:
        batch[credit_code] = list(sources)
        if len(batch) == FIRMS_PER_JOB:
            await refresh_firms_job.kiq(batch)
            kicked, batch = kicked + len(batch), {}
    if batch:
        await refresh_firms_job.kiq(batch)
        kicked += len(batch)
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
