"""The job that tells ``assessment.changed``: run after assessments are stored, off the answer's path (a
comparison with the assessment before each one is a database read an assessing request need not wait for).
Idempotent in what it compares (the assessment just before a given time); a redelivered job may tell a
change twice, which receivers deduplicate like any at-least-once event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from taskiq import TaskiqDepends

from hub.jobs.queue import job, services_of


@job(task_name="products.announce")
async def announce_changes(
    tenant_id: str,
    product_key: str,
    version: int,
    evaluated_at: str,
    decisions: list[list[str]],
    services: Any = TaskiqDepends(services_of),
) -> int:
    """The number of changed decisions announced."""
    changed = await services.products.announce_changes(
        tenant_id,
        product_key,
        version,
        datetime.fromisoformat(evaluated_at),
        [(code, decision) for code, decision in decisions],
    )
    return len(changed)
