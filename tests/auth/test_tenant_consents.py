"""A tenant's live consents held whole per access version: its firms read for the first time are decided
from memory once the map is loaded, a change counts at once (this process) or with the next version read
(another), and a tenant over the bound keeps the one-firm query."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import pytest

from auth.consent import consent_today
from auth.service import AuthService
from foundation.credit_code import generate
from foundation.settings import Settings
from tests.fixtures.hub import Hub

_codes = random.Random(17)
FIRM_A, FIRM_B, FIRM_C, FIRM_UNKNOWN = (generate("330100", _codes) for _ in range(4))


async def _grant(auth: AuthService, tenant_id: str, credit_code: str, sources: Sequence[str]) -> None:
    today = consent_today()
    await auth.consents.grant(
        tenant_id=tenant_id,
        client_id=None,
        credit_code=credit_code,
        sources=sources,
        valid_from=today,
        valid_until=today + timedelta(days=30),
        evidence_ref="form",
    )


@pytest.fixture
async def other(hub: Hub, auth_settings: Settings) -> AsyncIterator[AuthService]:
    """Another process's auth service on the same database, reading the access version on every call."""
    service = await AuthService.create(
        auth_settings.model_copy(update={"access_refresh_ms": 0}), hub.services.sessions, hub.services.cache
    )
    for tenant in ("bank-a", "bank-b"):
        await hub.client(tenant)  # registers the tenant
    await _grant(hub.services.auth, "bank-a", FIRM_A, ["tax"])
    await _grant(hub.services.auth, "bank-a", FIRM_B, ["tax", "electricity"])
    await _grant(hub.services.auth, "bank-b", FIRM_C, ["tax"])
    try:
        yield service
    finally:
        await service.aclose()


def _no_queries(service: AuthService, monkeypatch: pytest.MonkeyPatch) -> None:
    async def refused(*_: object, **__: object) -> object:
        raise AssertionError("a consent query on a firm the tenant's map holds")

    monkeypatch.setattr(service.consents, "live", refused)


async def test_a_tenants_later_firms_are_decided_from_its_map(
    other: AuthService, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await other.live_consents("bank-a", [FIRM_A]))[FIRM_A] == {"tax"}  # asked; the map starts
    await other.tenant_consents.settle()

    _no_queries(other, monkeypatch)
    live = await other.live_consents("bank-a", [FIRM_B, FIRM_UNKNOWN, FIRM_C])
    assert live == {FIRM_B: {"tax", "electricity"}, FIRM_UNKNOWN: frozenset(), FIRM_C: frozenset()}


async def test_a_change_counts_at_once_in_this_process_and_with_the_next_version_elsewhere(
    hub: Hub, other: AuthService
) -> None:
    auth = hub.services.auth
    for service in (auth, other):
        await service.live_consents("bank-a", [FIRM_A])
        await service.tenant_consents.settle()
        assert (await service.live_consents("bank-a", [FIRM_B]))[FIRM_B] == {"tax", "electricity"}

    await auth.consents.withdraw(tenant_id="bank-a", client_id=None, credit_code=FIRM_B, sources=["tax"])
    await _grant(auth, "bank-a", FIRM_UNKNOWN, ["customs"])

    for service in (auth, other):
        live = await service.live_consents("bank-a", [FIRM_B, FIRM_UNKNOWN])
        assert live == {FIRM_B: {"electricity"}, FIRM_UNKNOWN: {"customs"}}


async def test_a_tenant_over_the_bound_keeps_the_one_firm_query(
    hub: Hub, auth_settings: Settings, other: AuthService
) -> None:
    bounded = await AuthService.create(
        auth_settings.model_copy(update={"access_refresh_ms": 0, "tenant_consents_held_max": 2}),
        hub.services.sessions,
        hub.services.cache,
    )
    try:
        await bounded.live_consents("bank-a", [FIRM_A])  # bank-a holds three live consents
        await bounded.tenant_consents.settle()
        version = await bounded.access.version()
        assert bounded.tenant_consents.get("bank-a", version, consent_today()) is None
        assert (await bounded.live_consents("bank-a", [FIRM_B]))[FIRM_B] == {"tax", "electricity"}

        await bounded.live_consents("bank-b", [FIRM_C])  # one: held
        await bounded.tenant_consents.settle()
        assert bounded.tenant_consents.get("bank-b", version, consent_today()) == {FIRM_C: frozenset({"tax"})}
    finally:
        await bounded.aclose()
