"""The event bus's webhook sink: every event a subscription may be told becomes one delivery row, then a
delivery job is kicked.

The row is written before any attempt (at-least-once: a process that dies after it is still owed the
delivery, and the periodic sweep finds it) and only once per (subscription, event): the unique constraint
makes an event told twice (a producer's retry, a re-run job) one delivery.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from foundation.storage.models import OAuthClient, WebhookDelivery, WebhookSubscription
from hub.events import Event
from hub.webhooks.entitlement import Subscriber

PENDING: Final = "PENDING"
DELIVERED: Final = "DELIVERED"
DEAD: Final = "DEAD"
INSERT_ROWS: Final = 500  # rows per INSERT (SQLite's bound-parameter limit)
KICK_BATCH: Final = 100  # deliveries per job: one claim and one update per batch

LiveConsents = Callable[[str, Sequence[str]], Awaitable[Mapping[str, frozenset[str]]]]
Kick = Callable[[list[str]], Awaitable[None]]


def envelope(event: Event) -> dict[str, Any]:
    """The body a receiver gets: ``{type, timestamp, data}``, ``data`` naming the firm (and source)."""
    data: dict[str, Any] = {"creditCode": event.credit_code}
    if event.source is not None:
        data["source"] = event.source
    data.update(event.data)
    return {
        "type": event.type,
        "timestamp": event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        # through JSON once: dates and decimals a producer put in arrive as the strings the receiver sees
        "data": json.loads(json.dumps(data, default=str)),
    }


async def subscribers(sessions: async_sessionmaker[AsyncSession]) -> list[Subscriber]:
    """Every live subscription of an enabled client, with that client's scopes."""
    query = (
        select(WebhookSubscription, OAuthClient.scopes)
        .join(OAuthClient, OAuthClient.client_id == WebhookSubscription.client_id)
        .where(WebhookSubscription.disabled_at.is_(None), OAuthClient.disabled_at.is_(None))
    )
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    return [
        Subscriber(
            id=row.id,
            tenant_id=row.tenant_id,
            scopes=frozenset(scopes.split()),
            events=frozenset(row.events),
            credit_codes=frozenset(row.credit_codes) if row.credit_codes is not None else None,
        )
        for row, scopes in rows
    ]


class WebhookSink:
    """Parameters:
    sessions: the hub's sessions.
    live_consents: tenant, credit codes → consent names live today (``AuthService.live_consents``).
    kick: starts delivering these deliveries (a job on the queue).
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], live_consents: LiveConsents, kick: Kick
    ) -> None:
        self._sessions = sessions
        self._live_consents = live_consents
        self._kick = kick

    async def receive(self, events: Sequence[Event]) -> None:
        await self.record(events, kick=True)

    async def record(self, events: Sequence[Event], *, kick: bool) -> list[str]:
        """Write the deliveries these events owe (none twice); kick them unless ``kick`` is False (the sweep
        will). Returns the new deliveries' ids."""
        if not events:
            return []
        wanted = [(subscriber, event) for subscriber in await subscribers(self._sessions) for event in events]
        wanted = [(subscriber, event) for subscriber, event in wanted if subscriber.wants(event)]
        live = await self._live(wanted)
        now = datetime.now(UTC)
        rows = [
            {
                "id": f"msg_{uuid.uuid4().hex}",
                "subscription_id": subscriber.id,
                "event_id": event.id,
                "event_type": event.type,
                "payload": envelope(event),
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for subscriber, event in wanted
            if subscriber.may_be_told(event, live.get((subscriber.tenant_id, event.credit_code), frozenset()))
        ]
        created = await self._insert(rows)
        if kick:
            for start in range(0, len(created), KICK_BATCH):
                await self._kick(created[start : start + KICK_BATCH])
        return created

    async def _live(self, wanted: list[tuple[Subscriber, Event]]) -> dict[tuple[str, str], frozenset[str]]:
        codes_of: dict[str, set[str]] = {}
        for subscriber, event in wanted:
            if subscriber.needs_consent(event):
                codes_of.setdefault(subscriber.tenant_id, set()).add(event.credit_code)
        live: dict[tuple[str, str], frozenset[str]] = {}
        for tenant_id, codes in codes_of.items():
            for code, sources in (await self._live_consents(tenant_id, sorted(codes))).items():
                live[(tenant_id, code)] = sources
        return live

    async def _insert(self, rows: list[dict[str, Any]]) -> list[str]:
        created: list[str] = []
        if not rows:
            return created
        async with self._sessions.begin() as session:
            upsert = postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            for start in range(0, len(rows), INSERT_ROWS):
                statement = (
                    upsert(WebhookDelivery)
                    .values(rows[start : start + INSERT_ROWS])
                    .on_conflict_do_nothing()
                    .returning(WebhookDelivery.id)
                )
                created += (await session.scalars(statement)).all()
        return created
