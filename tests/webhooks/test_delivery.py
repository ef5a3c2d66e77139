"""Deliveries to a real receiver on a port: signed (verified with standardwebhooks), at least once, the same
webhook-id on every retry, dead after the last attempt or at once on a refusing 4xx, revived by redeliver.
Both storage backends."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import timedelta

from sqlalchemy import select

from auth.consent import consent_today
from foundation.credit_code import generate
from foundation.storage.models import WebhookDelivery, WebhookSubscription
from hub.events import Event
from hub.webhooks.dead_letters import dead_deliveries, revive
from tests.fixtures.hub import Hub
from tests.fixtures.ports import free_port
from tests.webhooks.helpers import bank_token, create_webhook, fresh_path, graphql
from tests.webhooks.receiver import Receiver

FIRM = generate("330100", random.Random(41))
GRANT = """mutation($input: GrantConsentInput!) { grantConsent(input: $input) { id } }"""
WITHDRAW = """mutation($code: ID!) { withdrawConsent(creditCode: $code, sources: [tax]) { id } }"""


def flag(code: str = FIRM, tenant: str = "bank-a") -> Event:
    return Event(
        "alert.created", code, {"alertId": "al_1", "rule": "r", "severity": "HIGH"}, tenant_id=tenant
    )


async def rows(hub: Hub) -> list[WebhookDelivery]:
    async with hub.services.sessions() as session:
        return list((await session.scalars(select(WebhookDelivery))).all())


async def wait_status(hub: Hub, status: str, count: int = 1, timeout_s: float = 10) -> list[WebhookDelivery]:
    for _ in range(int(timeout_s / 0.02)):
        found = [row for row in await rows(hub) if row.status == status]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"{[(row.status, row.attempts, row.last_error) for row in await rows(hub)]}")


async def test_consent_granted_and_withdrawn_arrive_signed(hub: Hub, receiver: Receiver) -> None:
    token = await bank_token(hub)
    path = fresh_path()
    _, secret = await create_webhook(hub, token, receiver.url(path), ["consent.granted", "consent.withdrawn"])
    today = consent_today()
    grant = {
        "creditCode": FIRM,
        "sources": ["electricity", "tax"],
        "validFrom": today.isoformat(),
        "validUntil": (today + timedelta(days=30)).isoformat(),
        "evidenceRef": "form-2026-17",
    }
    assert "errors" not in await graphql(hub, token, GRANT, input=grant)
    assert "errors" not in await graphql(hub, token, WITHDRAW, code=FIRM)
    await receiver.wait_for(path, 2)
    bodies = receiver.verify(path, secret)
    assert [body["type"] for body in bodies] == ["consent.granted", "consent.withdrawn"] or sorted(
        body["type"] for body in bodies
    ) == ["consent.granted", "consent.withdrawn"]
    granted = next(body for body in bodies if body["type"] == "consent.granted")
    assert granted["data"] == {
        "creditCode": FIRM,
        "sources": ["electricity", "tax"],
        "validUntil": grant["validUntil"],
    }
    assert granted["timestamp"].endswith("Z")
    withdrawn = next(body for body in bodies if body["type"] == "consent.withdrawn")
    assert withdrawn["data"] == {"creditCode": FIRM, "sources": ["tax"]}


async def test_retries_keep_the_webhook_id_until_delivered(hub: Hub, receiver: Receiver) -> None:
    token = await bank_token(hub)
    path = fresh_path()
    receiver.script(path, 503, 500)  # then 204
    _, secret = await create_webhook(hub, token, receiver.url(path), ["alert.created"])
    await hub.services.events.emit([flag()])
    arrivals = await receiver.wait_for(path, 3)
    [delivered] = await wait_status(hub, "DELIVERED")
    assert receiver.duplicates(path) == {delivered.id: 3}  # one message, three attempts, one id
    assert delivered.attempts == 3 and delivered.last_status == 204
    assert all(body["type"] == "alert.created" for body in receiver.verify(path, secret))
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(arrivals)]
    assert gaps[0] >= 0.18 and gaps[1] >= 0.38  # the backoff's 0.2 s then 0.4 s


async def test_dead_after_the_last_attempt_then_redelivered(hub: Hub, receiver: Receiver) -> None:
    token = await bank_token(hub)
    path = fresh_path()
    receiver.script(path, 502, 502, 502)
    await create_webhook(hub, token, receiver.url(path), ["alert.created"])
    await hub.services.events.emit([flag()])
    [dead] = await wait_status(hub, "DEAD")
    assert dead.attempts == 3 and dead.last_status == 502
    assert dead.last_error is not None and dead.last_error.startswith("gave up after 3 attempts")
    assert [row.id for row in await dead_deliveries(hub.services.sessions)] == [dead.id]
    assert await revive(hub.services.sessions, hub.services.auth.audit, None) == [dead.id]
    await hub.services.webhooks.sweep()  # what the periodic job does
    [delivered] = await wait_status(hub, "DELIVERED")
    assert delivered.id == dead.id
    assert receiver.duplicates(path) == {dead.id: 4}


async def test_a_refusing_4xx_is_dead_at_once_but_408_and_429_are_retried(
    hub: Hub, receiver: Receiver
) -> None:
    token = await bank_token(hub)
    refused, throttled = fresh_path(), fresh_path()
    receiver.script(refused, 410)
    receiver.script(throttled, 429, 408)
    await create_webhook(hub, token, receiver.url(refused), ["alert.created"])
    await create_webhook(hub, token, receiver.url(throttled), ["alert.created"])
    await hub.services.events.emit([flag()])
    [dead] = await wait_status(hub, "DEAD")
    assert dead.attempts == 1 and dead.last_status == 410 and "not retried" in (dead.last_error or "")
    [delivered] = await wait_status(hub, "DELIVERED")
    assert delivered.attempts == 3
    assert len(receiver.at(refused)) == 1


async def test_an_unreachable_receiver_is_retried(hub: Hub, receiver: Receiver) -> None:
    token = await bank_token(hub)
    await create_webhook(hub, token, f"http://127.0.0.1:{free_port()}/nobody", ["alert.created"])
    await hub.services.events.emit([flag()])
    [dead] = await wait_status(hub, "DEAD")
    assert dead.attempts == 3 and dead.last_status is None and "ConnectError" in (dead.last_error or "")


async def test_an_event_told_twice_is_one_delivery(hub: Hub, receiver: Receiver) -> None:
    token = await bank_token(hub)
    path = fresh_path()
    await create_webhook(hub, token, receiver.url(path), ["alert.created"])
    event = flag()
    await hub.services.events.emit([event])
    await hub.services.events.emit([event])
    await receiver.wait_for(path, 1)
    await asyncio.sleep(0.2)
    assert len(await rows(hub)) == 1 and len(receiver.at(path)) == 1


async def test_a_due_delivery_left_by_a_dead_process_is_swept(hub: Hub, receiver: Receiver) -> None:
    if hub.services.scheduling is not None:
        await hub.services.scheduling.stop()  # only this test sweeps: the hub's minutely sweep would race it
    token = await bank_token(hub)
    path = fresh_path()
    await create_webhook(hub, token, receiver.url(path), ["alert.created"])
    # recorded but never kicked: as if the process died between the row and the job
    [created] = await hub.services.webhooks.sink.record([flag()], kick=False)
    await asyncio.sleep(0.1)
    assert receiver.at(path) == []
    assert await hub.services.webhooks.sweep() == 1
    [arrival] = await receiver.wait_for(path, 1)
    assert arrival.webhook_id == created


async def test_the_secret_is_stored_sealed(hub: Hub, receiver: Receiver) -> None:
    token = await bank_token(hub)
    webhook_id, secret = await create_webhook(hub, token, receiver.url(fresh_path()), ["alert.created"])
    assert secret.startswith("whsec_")
    async with hub.services.sessions() as session:
        row = await session.get(WebhookSubscription, webhook_id)
    assert row is not None
    assert secret not in row.secret_sealed and secret[6:] not in row.secret_sealed
    assert hub.services.webhooks.deliverer._seal.unseal(row.secret_sealed) == secret
