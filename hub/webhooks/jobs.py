"""The webhooks' jobs on the queue (hub.jobs.queue), run by whichever broker the process has:

- ``webhooks.deliver``: attempt these deliveries (kicked by the sink, by retries and by the sweep);
- ``webhooks.sweep`` (every minute): kick every pending delivery that is due, so no retry depends on the
  process that scheduled it staying up;
- ``webhooks.consent_expiring`` (daily, 01:00 UTC = 09:00 China Standard Time): emit ``consent.expiring``
  for consents ending within 7 days (once per consent).

Each is idempotent: a redelivered job finds its deliveries claimed, delivered or not yet due.
"""

from __future__ import annotations

from typing import Any

from taskiq import TaskiqDepends

from hub.jobs.queue import job, services_of


@job(task_name="webhooks.deliver")
async def deliver(delivery_ids: list[str], services: Any = TaskiqDepends(services_of)) -> int:
    """Attempt these deliveries; returns how many were delivered."""
    attempts = await services.webhooks.deliverer.deliver(delivery_ids)
    return sum(1 for attempt in attempts if attempt.delivered)


@job(task_name="webhooks.sweep", schedule=[{"cron": "* * * * *"}])
async def sweep(services: Any = TaskiqDepends(services_of)) -> int:
    """Kick the pending deliveries that are due; returns how many."""
    count: int = await services.webhooks.sweep()
    return count


@job(task_name="webhooks.consent_expiring", schedule=[{"cron": "0 1 * * *"}])
async def consent_expiring(services: Any = TaskiqDepends(services_of)) -> int:
    """Emit ``consent.expiring`` for consents ending within 7 days; returns how many events."""
    count: int = await services.webhooks.announce_expiring_consents(services.events)
    return count
