"""A tenant's webhooks: created with validated events, firms and target and a fresh secret (returned once,
stored sealed), listed without secrets, deleted (its pending deliveries dead). Audited."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import AuditEvent
from audit.log import AuditEntry, AuditLog, digest
from auth.principal import Principal
from foundation.credit_code.checked import checked_credit_code
from foundation.errors import BadRequest, NotFound
from foundation.settings import Settings
from foundation.storage import as_utc
from foundation.storage.models import WebhookDelivery, WebhookSubscription
from hub.events import EVENT_TYPES
from hub.webhooks.sealing import SecretSeal, new_secret
from hub.webhooks.sink import DEAD, PENDING
from hub.webhooks.targets import checked_target

MAX_WEBHOOKS_PER_TENANT: Final = 50
MAX_CREDIT_CODES: Final = 1000


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    id: str
    url: str
    events: tuple[str, ...]
    credit_codes: tuple[str, ...] | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CreatedWebhook:
    """A webhook just created: the only moment its secret exists in clear."""

    webhook: WebhookRecord
    secret: str


def checked_events(events: Sequence[str]) -> list[str]:
    """The event types, each known (:data:`hub.events.EVENT_TYPES`), or ``BAD_REQUEST`` naming the others."""
    unknown = sorted({name for name in events if name not in EVENT_TYPES})
    if unknown:
        raise BadRequest(
            f"unknown event types: {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}",
            argument="events",
            unknown=unknown,
        )
    if not events:
        raise BadRequest("name at least one event type", argument="events")
    return sorted(set(events))


def _record(row: WebhookSubscription) -> WebhookRecord:
    return WebhookRecord(
        id=row.id,
        url=row.url,
        events=tuple(row.events),
        credit_codes=tuple(row.credit_codes) if row.credit_codes is not None else None,
        created_at=as_utc(row.created_at),
    )


class WebhookBook:
    """Tenants' webhook subscriptions."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditLog,
        seal: SecretSeal,
        settings: Settings,
    ) -> None:
        self._sessions = sessions
        self._audit = audit
        self._seal = seal
        self._settings = settings

    async def create(
        self, principal: Principal, *, url: str, events: Sequence[str], credit_codes: Sequence[str] | None
    ) -> CreatedWebhook:
        names = checked_events(events)
        codes = sorted({checked_credit_code(code) for code in credit_codes}) if credit_codes else None
        if codes is not None and len(codes) > MAX_CREDIT_CODES:
            raise BadRequest(f"creditCodes takes at most {MAX_CREDIT_CODES} firms", argument="creditCodes")
        target = await checked_target(url, self._settings)
        secret = new_secret()
        row = WebhookSubscription(
            id=f"wh_{uuid.uuid4().hex}",
            tenant_id=principal.tenant_id,
            client_id=principal.client_id,
            url=target,
            events=names,
            credit_codes=codes,
            secret_sealed=self._seal.seal(secret),
            created_at=datetime.now(UTC),
            disabled_at=None,
        )
        async with self._sessions.begin() as session:
            live = await session.scalar(
                select(func.count())
                .select_from(WebhookSubscription)
                .where(
                    WebhookSubscription.tenant_id == principal.tenant_id,
                    WebhookSubscription.disabled_at.is_(None),
                )
            )
            if (live or 0) >= MAX_WEBHOOKS_PER_TENANT:
                raise BadRequest(f"a tenant has at most {MAX_WEBHOOKS_PER_TENANT} webhooks; delete one first")
            session.add(row)
        await self._audit.append(
            [self._entry(AuditEvent.WEBHOOK_CREATED, principal, row.id, target, f"events {','.join(names)}")]
        )
        return CreatedWebhook(_record(row), secret)

    async def of_tenant(self, tenant_id: str) -> list[WebhookRecord]:
        """The tenant's live webhooks, oldest first."""
        query = (
            select(WebhookSubscription)
            .where(WebhookSubscription.tenant_id == tenant_id, WebhookSubscription.disabled_at.is_(None))
            .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
        )
        async with self._sessions() as session:
            return [_record(row) for row in (await session.scalars(query)).all()]

    async def delete(self, principal: Principal, webhook_id: str) -> WebhookRecord:
        """Delete one of the tenant's webhooks (``NOT_FOUND`` for another tenant's); what it still owed is
        dead (``hub webhooks redeliver`` does not bring a deleted webhook back)."""
        now = datetime.now(UTC)
        async with self._sessions.begin() as session:
            row = await session.get(WebhookSubscription, webhook_id)
            if row is None or row.tenant_id != principal.tenant_id or row.disabled_at is not None:
                raise NotFound(f"no webhook {webhook_id!r} of your tenant", argument="id")
            row.disabled_at = now
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.subscription_id == webhook_id, WebhookDelivery.status == PENDING)
                .values(status=DEAD, next_attempt_at=None, last_error="the subscription was deleted")
            )
            record = _record(row)
        await self._audit.append(
            [self._entry(AuditEvent.WEBHOOK_DELETED, principal, webhook_id, row.url, "deleted")]
        )
        return record

    @staticmethod
    def _entry(
        event: AuditEvent, principal: Principal, webhook_id: str, url: str, outcome: str
    ) -> AuditEntry:
        return AuditEntry(
            event=event,
            tenant_id=principal.tenant_id,
            client_id=principal.client_id,
            credit_code=None,
            sources=(),
            operation_hash=digest(f"{webhook_id} {url}"),
            outcome=f"{webhook_id} {outcome}"[:200],
        )
