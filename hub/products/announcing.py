"""The job that tells ``assessment.changed``: kicked once assessments whose decision changed are stored
(the comparison is read in the transaction that stores them), it emits the events off the answer's path.
A redelivered job may tell a change twice, which receivers deduplicate like any at-least-once event."""

from __future__ import annotations

from typing import Any

from taskiq import TaskiqDepends

from hub.jobs.queue import job, services_of


@job(task_name="products.announce")
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
