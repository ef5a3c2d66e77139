"""One attempt at each due delivery: a signed POST, then delivered, retried later or dead.

- 2xx: DELIVERED.
- Timeouts, connection errors, 408, 429 (its ``Retry-After`` honoured), 5xx and any other answer that is not
  a 4xx: retried after the next delay of :class:`RetryPolicy` (5 s, 30 s, 2 min, … capped, while the delays
  sum within 24 h), with the same ``webhook-id`` every time; after the last attempt DEAD.
- Any other 4xx (the receiver refused the message itself) and a target no longer allowed: DEAD at once.

A delivery is claimed before its attempt (its ``next_attempt_at`` moved past the attempt's timeout), so a
kicked job and the sweep, or two workers, do not send it twice at once; a worker that dies mid-attempt
leaves it due again once the claim runs out. Redirects are not followed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import httpx
from cachetools import LRUCache
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook

from connectors.http import AsyncioTransport, UpstreamClient, retry_after_seconds
from foundation.errors import BadRequest
from foundation.logging import get_logger
from foundation.settings import Settings
from foundation.storage.models import WebhookDelivery, WebhookSubscription
from hub.webhooks.sealing import SecretSeal
from hub.webhooks.sink import DEAD, DELIVERED, PENDING
from hub.webhooks.targets import checked_target

log = get_logger(__name__)

CLAIM_MARGIN_S: Final = 30.0
RETRIED_4XX: Final = frozenset({408, 429})
USER_AGENT: Final = "enterprise-data-hub-webhooks/1"
MAX_ERROR_CHARS: Final = 300

Clock = Callable[[], datetime]
RetryLater = Callable[[list[str], float], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    """Delays before each retry (the last repeats) while their sum stays within ``window_s``."""

    delays_s: tuple[float, ...]
    window_s: float

    @classmethod
    def of(cls, settings: Settings) -> RetryPolicy:
        return cls(settings.webhook_retry_delays_s, settings.webhook_retry_window_s)

    def delay_s(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1 is the first retry)."""
        return self.delays_s[min(retry, len(self.delays_s)) - 1]

    @property
    def max_retries(self) -> int:
        retries, total = 0, 0.0
        while total + self.delay_s(retries + 1) <= self.window_s:
            retries += 1
            total += self.delay_s(retries)
        return retries


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one attempt found: ``status`` the receiver's HTTP status (None: no answer)."""

    delivery_id: str
    attempts: int  # counting this one
    status: int | None
    error: str | None = None
    retry: bool = False
    retry_after_s: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def classify(delivery_id: str, attempts: int, response: httpx.Response) -> Attempt:
    status = response.status_code
    if 200 <= status < 300:
        return Attempt(delivery_id, attempts, status)
    if 400 <= status < 500 and status not in RETRIED_4XX:
        return Attempt(delivery_id, attempts, status, f"HTTP {status}: refused by the receiver, not retried")
    return Attempt(
        delivery_id,
        attempts,
        status,
        f"HTTP {status}",
        retry=True,
        retry_after_s=retry_after_seconds(response),
    )


def webhook_http_client(settings: Settings) -> httpx.AsyncClient:
    """The client deliveries go out on: the connectors' transport and cookie-less client (their measured
    fast path), no redirects, no proxies from the environment."""
    limits = httpx.Limits(
        max_connections=settings.webhook_concurrency, max_keepalive_connections=settings.webhook_concurrency
    )
    return UpstreamClient(
        timeout=httpx.Timeout(settings.webhook_timeout_s),
        transport=AsyncioTransport(ssl_context=httpx.create_ssl_context(), limits=limits),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )


class Deliverer:
    """Parameters:
    sessions: the hub's sessions.
    seal: opens the subscriptions' secrets.
    settings: timeouts, concurrency, retry policy, the prod target rules.
    http: the client to post with (:func:`webhook_http_client`).
    clock: now, for scheduling (headers carry the wall clock: receivers check it).
    retry_later: called with deliveries and the seconds until they are due again (an early kick; the
        sweep is the durable one).
    """

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        seal: SecretSeal,
        settings: Settings,
        http: httpx.AsyncClient,
        clock: Clock = utc_now,
        retry_later: RetryLater | None = None,
    ) -> None:
        self._sessions = sessions
        self._seal = seal
        self._settings = settings
        self._http = http
        self._clock = clock
        self._retry_later = retry_later
        self.policy = RetryPolicy.of(settings)
        self._limit = asyncio.Semaphore(settings.webhook_concurrency)
        self._webhooks: LRUCache[tuple[str, str], Webhook] = LRUCache(10_000)
        self._running: set[asyncio.Task[Any]] = set()

    async def deliver(self, delivery_ids: Sequence[str]) -> list[Attempt]:
        """Attempt each of these deliveries that is due and not claimed elsewhere; returns the attempts."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            claimed = await self._claim(delivery_ids)
            attempts = list(await asyncio.gather(*(self._attempt(row) for row in claimed)))
            if attempts:
                await self._record(attempts)
            return attempts
        finally:
            self._running.discard(task)

    async def drain(self, timeout_s: float) -> None:
        """Wait for this process's attempts to finish, at most ``timeout_s``; then cancel them (their
        deliveries stay claimed until the claim runs out, then the sweep sends them again)."""
        running = [task for task in self._running if task is not asyncio.current_task()]
        if not running:
            return
        _, pending = await asyncio.wait(running, timeout=timeout_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def due(self, limit: int = 10_000) -> list[str]:
        """Pending deliveries due now, oldest first."""
        query = (
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= self._clock())
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
        async with self._sessions() as session:
            return list((await session.scalars(query)).all())

    async def _claim(self, delivery_ids: Sequence[str]) -> list[Any]:
        now = self._clock()
        claim_until = now + timedelta(seconds=self._settings.webhook_timeout_s + CLAIM_MARGIN_S)
        async with self._sessions.begin() as session:
            ids = (
                await session.scalars(
                    update(WebhookDelivery)
                    .where(
                        WebhookDelivery.id.in_(list(delivery_ids)),
                        WebhookDelivery.status == PENDING,
                        WebhookDelivery.next_attempt_at <= now,
                    )
                    .values(next_attempt_at=claim_until)
                    .returning(WebhookDelivery.id)
                )
            ).all()
            if not ids:
                return []
            query = (
                select(
                    WebhookDelivery.id,
                    WebhookDelivery.payload,
                    WebhookDelivery.attempts,
                    WebhookSubscription.id.label("subscription_id"),
                    WebhookSubscription.url,
                    WebhookSubscription.secret_sealed,
                    WebhookSubscription.disabled_at,
                )
                .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
                .where(WebhookDelivery.id.in_(list(ids)))
            )
            return list((await session.execute(query)).all())

    def _webhook(self, subscription_id: str, sealed: str) -> Webhook:
        key = (subscription_id, sealed)
        webhook = self._webhooks.get(key)
        if webhook is None:
            webhook = self._webhooks[key] = Webhook(self._seal.unseal(sealed))
        return webhook

    async def _attempt(self, row: Any) -> Attempt:
        attempts = row.attempts + 1
        if row.disabled_at is not None:
            return Attempt(row.id, attempts, None, "the subscription was deleted")
        try:
            await checked_target(row.url, self._settings)
            webhook = self._webhook(row.subscription_id, row.secret_sealed)
        except (BadRequest, ValueError) as error:
            message = error.message if isinstance(error, BadRequest) else str(error)
            return Attempt(row.id, attempts, None, f"not sent: {message}")
        body = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":"))
        sent_at = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": row.id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": webhook.sign(row.id, sent_at, body),
        }
        async with self._limit:
            try:
                async with asyncio.timeout(self._settings.webhook_timeout_s):
                    async with self._http.stream(
                        "POST", row.url, content=body.encode(), headers=headers
                    ) as answer:
                        return classify(row.id, attempts, answer)
            except (TimeoutError, httpx.TimeoutException):
                return Attempt(row.id, attempts, None, "timed out", retry=True)
            except httpx.HTTPError as error:
                return Attempt(row.id, attempts, None, f"{type(error).__name__}: {error}", retry=True)

    async def _record(self, attempts: list[Attempt]) -> None:
        now = self._clock()
        changes: list[dict[str, Any]] = []
        later: dict[float, list[str]] = {}
        for attempt in attempts:
            change: dict[str, Any] = {
                "id": attempt.delivery_id,
                "attempts": attempt.attempts,
                "last_status": attempt.status,
                "last_error": attempt.error[:MAX_ERROR_CHARS] if attempt.error else None,
                "status": DEAD,
                "next_attempt_at": None,
                "delivered_at": None,
            }
            if attempt.delivered:
                change.update(status=DELIVERED, delivered_at=now)
            elif attempt.retry and attempt.attempts <= self.policy.max_retries:
                delay_s = max(self.policy.delay_s(attempt.attempts), attempt.retry_after_s or 0.0)
                delay_s = min(delay_s, max(self.policy.delays_s))
                change.update(status=PENDING, next_attempt_at=now + timedelta(seconds=delay_s))
                later.setdefault(delay_s, []).append(attempt.delivery_id)
            elif attempt.retry:
                change["last_error"] = f"gave up after {attempt.attempts} attempts: {attempt.error}"[
                    :MAX_ERROR_CHARS
                ]
            changes.append(change)
            if change["status"] == DEAD:
                log.warning("webhook_dead", delivery=attempt.delivery_id, error=change["last_error"])
        async with self._sessions.begin() as session:
            await session.execute(update(WebhookDelivery), changes)
        if self._retry_later is not None:
            for delay_s, ids in later.items():
                self._retry_later(ids, delay_s)
