"""The dead-letter list: deliveries that gave up (or were refused), and reviving them (``hub webhooks
redeliver``): pending again with a fresh run of retries and the same ``webhook-id``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import AuditEvent
from audit.log import AuditEntry, AuditLog, digest
from foundation.storage import as_utc
from foundation.storage.models import WebhookDelivery, WebhookSubscription
from hub.webhooks.sink import DEAD, PENDING


@dataclass(frozen=True, slots=True)
class DeadDelivery:
    id: str
    subscription_id: str
    tenant_id: str
    event_type: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime


async def dead_deliveries(
    sessions: async_sessionmaker[AsyncSession], limit: int = 1000
) -> list[DeadDelivery]:
    """Dead deliveries of live subscriptions, oldest first."""
    query = (
        select(WebhookDelivery, WebhookSubscription.tenant_id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.status == DEAD, WebhookSubscription.disabled_at.is_(None))
        .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
        .limit(limit)
    )
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    return [
        DeadDelivery(
            id=row.id,
            subscription_id=row.subscription_id,
            tenant_id=tenant_id,
            event_type=row.event_type,
            attempts=row.attempts,
            last_status=row.last_status,
            last_error=row.last_error,
            created_at=as_utc(row.created_at),
        )
        for row, tenant_id in rows
    ]


async def revive(
    sessions: async_sessionmaker[AsyncSession], audit: AuditLog, delivery_ids: Sequence[str] | None
) -> list[str]:
    """Make these dead deliveries (None: every dead one) of live subscriptions pending and due now; returns
    the revived ids. Audited, one row."""
    live = select(WebhookSubscription.id).where(WebhookSubscription.disabled_at.is_(None))
    statement = update(WebhookDelivery).where(
        WebhookDelivery.status == DEAD, WebhookDelivery.subscription_id.in_(live)
    )
    if delivery_ids is not None:
        statement = statement.where(WebhookDelivery.id.in_(list(delivery_ids)))
    statement = statement.values(
        status=PENDING, attempts=0, next_attempt_at=datetime.now(UTC), last_error=None
    ).returning(WebhookDelivery.id)
    async with sessions.begin() as session:
        revived = sorted((await session.scalars(statement)).all())
    await audit.append(
        [
            AuditEntry(
                event=AuditEvent.WEBHOOK_REDELIVERED,
                tenant_id=None,
                client_id=None,
                credit_code=None,
                sources=(),
                operation_hash=digest(",".join(revived)),
                outcome=f"revived {len(revived)}",
            )
        ]
    )
    return revived
