"""The evaluation job: one (tenant, firm), idempotent (an alert's fingerprint and the flag states make a
redelivered or repeated run add nothing)."""

from __future__ import annotations

from typing import Any

from taskiq import TaskiqDepends

from hub.jobs.queue import job, services_of


@job(task_name="alerts.evaluate")
async def evaluate_alerts(
    tenant_id: str, credit_code: str, services: Any = TaskiqDepends(services_of)
) -> int:
    """Evaluate the tenant's rules on the firm; the number of new alerts."""
    return len(await services.alerts.evaluate(tenant_id, credit_code))
