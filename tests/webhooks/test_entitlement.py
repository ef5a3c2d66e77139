"""No event about data the subscriber's scopes and consents do not cover; tenant-bound events to their tenant
only; the creditCodes filter; consent.expiring once per consent."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlalchemy import select

from auth.consent import consent_today
from auth.principal import ALL_SCOPES
from foundation.credit_code import generate
from foundation.storage.models import WebhookDelivery
from hub.events import Event
from hub.webhooks.consent_events import expiring_consent_events
from tests.fixtures.hub import Hub
from tests.webhooks.helpers import bank_token, create_webhook, fresh_path
from tests.webhooks.receiver import Receiver

FIRM = generate("330100", random.Random(51))
OTHER = generate("330100", random.Random(52))


def profile_changed(code: str = FIRM, source: str = "electricity") -> Event:
    return Event("profile.changed", code, {"month": "2026-11", "contentHash": "ab"}, source=source)


async def grant(hub: Hub, tenant: str, code: str, sources: list[str], days: int = 90) -> None:
    today = consent_today()
    await hub.services.auth.consents.grant(
        tenant_id=tenant,
        client_id=None,
        credit_code=code,
        sources=sources,
        valid_from=today,
        valid_until=today + timedelta(days=days),
        evidence_ref="form-1",
    )


async def delivered_types(hub: Hub, webhook_id: str) -> list[tuple[str, str]]:
    async with hub.services.sessions() as session:
        found = await session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.subscription_id == webhook_id)
        )
        return sorted((row.event_type, row.payload["data"]["creditCode"]) for row in found)


async def test_source_bound_events_need_the_scope_and_a_live_consent(hub: Hub, receiver: Receiver) -> None:
    events = ["profile.changed"]
    entitled = await bank_token(hub, "bank-a")
    no_scope = await bank_token(hub, "bank-a", ALL_SCOPES - {"electricity:read"})
    no_consent = await bank_token(hub, "bank-b")
    await grant(hub, "bank-a", FIRM, ["electricity"])
    await grant(hub, "bank-a", OTHER, ["tax"])  # a consent, but not for electricity
    told, _ = await create_webhook(hub, entitled, receiver.url(fresh_path()), events)
    scopeless, _ = await create_webhook(hub, no_scope, receiver.url(fresh_path()), events)
    unconsented, _ = await create_webhook(hub, no_consent, receiver.url(fresh_path()), events)
    await hub.services.events.emit([profile_changed(FIRM), profile_changed(OTHER)])
    assert await delivered_types(hub, told) == [("profile.changed", FIRM)]
    assert await delivered_types(hub, scopeless) == []
    assert await delivered_types(hub, unconsented) == []


async def test_a_withdrawn_consent_stops_the_events(hub: Hub, receiver: Receiver) -> None:
    token = await bank_token(hub, "bank-a")
    await grant(hub, "bank-a", FIRM, ["electricity"])
    webhook_id, _ = await create_webhook(hub, token, receiver.url(fresh_path()), ["profile.changed"])
    await hub.services.events.emit([profile_changed()])
    await hub.services.auth.consents.withdraw(
        tenant_id="bank-a", client_id=None, credit_code=FIRM, sources=["electricity"]
    )
    await hub.services.events.emit([profile_changed()])
    assert len(await delivered_types(hub, webhook_id)) == 1


async def test_tenant_bound_events_go_to_their_tenant_only_and_filters_hold(
    hub: Hub, receiver: Receiver
) -> None:
    bank_a = await bank_token(hub, "bank-a")
    bank_b = await bank_token(hub, "bank-b")
    no_consent_scope = await bank_token(hub, "bank-a", ALL_SCOPES - {"consent:read", "consent:write"})
    every_firm, _ = await create_webhook(
        hub, bank_a, receiver.url(fresh_path()), ["alert.created", "consent.granted"]
    )
    one_firm, _ = await create_webhook(
        hub, bank_a, receiver.url(fresh_path()), ["alert.created"], creditCodes=[OTHER]
    )
    other_bank, _ = await create_webhook(hub, bank_b, receiver.url(fresh_path()), ["alert.created"])
    unscoped, _ = await create_webhook(hub, no_consent_scope, receiver.url(fresh_path()), ["consent.granted"])
    alert = {"alertId": "al_1", "rule": "r", "severity": "LOW"}
    await hub.services.events.emit(
        [
            Event("alert.created", FIRM, alert, tenant_id="bank-a"),
            Event("alert.created", OTHER, alert, tenant_id="bank-a"),
            Event(
                "consent.granted", FIRM, {"sources": ["tax"], "validUntil": "2027-01-01"}, tenant_id="bank-a"
            ),
        ]
    )
    assert await delivered_types(hub, every_firm) == [
        ("alert.created", FIRM),
        ("alert.created", OTHER),
        ("consent.granted", FIRM),
    ]
    assert await delivered_types(hub, one_firm) == [("alert.created", OTHER)]
    assert await delivered_types(hub, other_bank) == []
    assert await delivered_types(hub, unscoped) == []  # consent events need a consent scope


async def test_consent_expiring_is_told_once_per_consent(hub: Hub, receiver: Receiver) -> None:
    token = await bank_token(hub, "bank-a")
    path = fresh_path()
    webhook_id, secret = await create_webhook(hub, token, receiver.url(path), ["consent.expiring"])
    await grant(hub, "bank-a", FIRM, ["electricity", "tax"], days=5)
    await grant(hub, "bank-a", OTHER, ["tax"], days=30)  # not within 7 days
    for _ in range(2):  # the daily job run twice: nothing told twice
        assert await hub.services.webhooks.announce_expiring_consents(hub.services.events) == 1
    [_arrival] = await receiver.wait_for(path, 1)
    await asyncio.sleep(0.2)
    [body] = receiver.verify(path, secret)
    assert body["type"] == "consent.expiring"
    assert body["data"] == {
        "creditCode": FIRM,
        "sources": ["electricity", "tax"],
        "validUntil": (consent_today() + timedelta(days=5)).isoformat(),
    }
    assert len(receiver.at(path)) == 1
    later = await expiring_consent_events(hub.services.sessions, consent_today() + timedelta(days=2))
    assert [event.id for event in later] == [
        event.id for event in await expiring_consent_events(hub.services.sessions)
    ]
    assert await delivered_types(hub, webhook_id) == [("consent.expiring", FIRM)]
