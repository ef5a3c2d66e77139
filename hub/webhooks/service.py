"""The process's webhook service: the book of subscriptions, the bus's sink and the deliverer, built with
the services (:class:`hub.services.HubServices`)."""

from __future__ import annotations

import asyncio
from typing import Final

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.log import AuditLog
from foundation.logging import get_logger
from foundation.settings import Settings
from hub.events import EventBus
from hub.webhooks import jobs
from hub.webhooks.consent_events import expiring_consent_events
from hub.webhooks.delivery import Deliverer, webhook_http_client
from hub.webhooks.sealing import SecretSeal, load_secret_seal
from hub.webhooks.sink import KICK_BATCH, LiveConsents, WebhookSink
from hub.webhooks.subscriptions import WebhookBook

log = get_logger(__name__)

EARLY_KICK_MAX_S: Final = 300.0
"""Retries due within this many seconds are also kicked by a timer in this process (sooner than the
minute-by-minute sweep); later ones are left to the sweep."""


class WebhookService:
    def __init__(
        self,
        *,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditLog,
        live_consents: LiveConsents,
        seal: SecretSeal,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.sessions = sessions
        self.audit = audit
        self.book = WebhookBook(sessions, audit, seal, settings)
        self.sink = WebhookSink(sessions, live_consents, self.kick)
        self._http = http or webhook_http_client(settings)
        self.deliverer = Deliverer(
            sessions=sessions, seal=seal, settings=settings, http=self._http, retry_later=self._retry_later
        )
        self._drain_s = settings.webhook_timeout_s
        self._timers: set[asyncio.TimerHandle] = set()
        self._kicks: set[asyncio.Task[None]] = set()

    @classmethod
    async def create(
        cls,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditLog,
        live_consents: LiveConsents,
    ) -> WebhookService:
        """Load (in dev: create) the secret key; prod without ``HUB_WEBHOOK_SECRET_KEY_FILE`` raises."""
        seal = await asyncio.to_thread(load_secret_seal, settings)
        return cls(settings=settings, sessions=sessions, audit=audit, live_consents=live_consents, seal=seal)

    async def kick(self, delivery_ids: list[str]) -> None:
        """Start delivering these (a ``webhooks.deliver`` job)."""
        await jobs.deliver.kiq(delivery_ids)

    async def sweep(self) -> int:
        due = await self.deliverer.due()
        for start in range(0, len(due), KICK_BATCH):
            await self.kick(due[start : start + KICK_BATCH])
        return len(due)

    async def announce_expiring_consents(self, events: EventBus) -> int:
        expiring = await expiring_consent_events(self.sessions)
        await events.emit(expiring)
        return len(expiring)

    def _retry_later(self, delivery_ids: list[str], delay_s: float) -> None:
        if delay_s > EARLY_KICK_MAX_S:
            return
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(timer)
            task = loop.create_task(self._kick_quietly(delivery_ids))
            self._kicks.add(task)
            task.add_done_callback(self._kicks.discard)

        timer = loop.call_later(delay_s, fire)
        self._timers.add(timer)

    async def _kick_quietly(self, delivery_ids: list[str]) -> None:
        try:
            await self.kick(delivery_ids)
        except Exception as error:  # the sweep kicks them anyway
            log.warning("webhook_retry_kick_failed", error=type(error).__name__)

    async def aclose(self) -> None:
        """Stop retry timers and wait for this process's attempts (before the job queue and the engine
        stop: the in-memory broker does not wait for its jobs)."""
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        for task in list(self._kicks):
            task.cancel()
        await asyncio.gather(*self._kicks, return_exceptions=True)
        await self.deliverer.drain(self._drain_s)
        await self._http.aclose()
