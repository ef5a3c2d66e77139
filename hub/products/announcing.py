"""The jobs that tell ``assessment.changed``, off the answer's path.

``products.announce-changes`` is kicked once assessments whose decision changed are stored (the comparison
is read in the transaction that stores them). ``products.announce`` is the job's earlier shape (kicked for
every assessment, with its decisions and time, the comparison made by the job): jobs of that shape queued
by an older hub when it is upgraded still announce what changed, compared as that hub did. A redelivered
job may tell a change twice, which receivers deduplicate like any at-least-once event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from taskiq import TaskiqDepends

from hub.jobs.queue import job, services_of


@job(task_name="products.announce-changes")
async def announce_changes(
    tenant_id: str,
    product_key: str,
    version: int,
    changes: list[list[str]],
    services: Any = TaskiqDepends(services_of),
) -> int:
    """The number of changed decisions announced (each ``[firm, decision, previous decision]``)."""
    changed = await services.products.announce_changes(
        tenant_id, product_key, version, [(code, decision, before) for code, decision, before in changes]
    )
    return len(changed)


@job(task_name="products.announce")
async def announce_decisions(
    tenant_id: str,
    product_key: str,
    version: int,
    evaluated_at: str,
    decisions: list[list[str]],
    services: Any = TaskiqDepends(services_of),
) -> int:
    """The earlier shape: each ``[firm, decision]`` assessed at ``evaluated_at`` (ISO 8601) compared with
    the tenant's assessment of the firm under the product just before; the changed ones announced."""
    previous = await services.products.assessments.decisions_before(
        tenant_id, product_key, [code for code, _ in decisions], datetime.fromisoformat(evaluated_at)
    )
    changes = [
        (code, decision, previous[code])
        for code, decision in decisions
        if code in previous and previous[code] != decision
    ]
    changed = await services.products.announce_changes(tenant_id, product_key, version, changes)
    return len(changed)
