"""Assessments kept current (贷后): when a watched firm's record changes, the firm is assessed again under
every product its watching tenant has assessed it under, and a changed decision is announced
(``assessment.changed``). One job per (tenant, firm); a redelivered job only stores one more assessment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taskiq import TaskiqDepends

from hub.alerts.store import AlertBook
from hub.events import Event
from hub.jobs.queue import job, services_of


@job(task_name="products.reassess")
async def reassess_products(
    tenant_id: str, credit_code: str, services: Any = TaskiqDepends(services_of)
) -> int:
    """Assess the firm again under the tenant's products; the number of assessments made."""
    made = await services.products.reassess(
        tenant_id,
        credit_code,
        services.sources,
        services.auth,
        settle=services.sources.settle_snapshots,
    )
    return len(made)


class Reassessment:
    """The event sink: a watched firm's record changed → one reassessment job per watching tenant."""

    def __init__(self, watchlists: AlertBook) -> None:
        self._watchlists = watchlists

    async def receive(self, events: Sequence[Event]) -> None:
        for tenant_id, credit_code in await self._watchlists.watching_changed(events):
            await reassess_products.kiq(tenant_id, credit_code)
