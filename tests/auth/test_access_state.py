"""The access version: changes count at once in the process that made them and within the refresh
interval elsewhere (another replica, a CLI next to the hub); decisions are cached per version."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.access_state import AccessState, bump_access_version
from auth.consent import consent_today
from auth.principal import ALL_SCOPES
from auth.service import AuthService
from foundation.credit_code import generate
from foundation.errors import Unauthenticated
from foundation.settings import Settings
from foundation.storage.models import AccessVersion
from tests.fixtures.hub import Hub

FIRM = generate("330100", random.Random(7))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _bump_elsewhere(sessions: async_sessionmaker[AsyncSession]) -> None:
    """What another process's change looks like from here: the row moves, no local commit hook runs."""
    async with sessions.begin() as session:
        await session.execute(update(AccessVersion).values(version=AccessVersion.version + 1))


async def test_the_version_is_read_once_per_interval_and_at_once_after_a_local_change(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await bump_access_version(session)  # creates the row (tables made without the migrations)
    clock = Clock()
    state = AccessState(sessions, max_age_s=0.25, clock=clock)
    first = await state.version()
    await _bump_elsewhere(sessions)
    assert await state.version() == first  # another process's change: not yet
    assert state.reads == 1

    clock.now += 0.3
    assert await state.version() == first + 1  # within the interval

    async with sessions.begin() as session:
        await bump_access_version(session)
    assert await state.version() == first + 2  # this process's change: at once
    assert state.reads == 3


async def test_concurrent_callers_share_one_read(sessions: async_sessionmaker[AsyncSession]) -> None:
    state = AccessState(sessions, max_age_s=10)
    versions = await asyncio.gather(*(state.version() for _ in range(20)))
    assert len(set(versions)) == 1
    assert state.reads == 1


async def test_another_auth_service_sees_a_withdrawal_and_a_revocation_at_once(
    hub: Hub, auth_settings: Settings
) -> None:
    other = await AuthService.create(
        auth_settings.model_copy(update={"access_refresh_ms": 0}), hub.services.sessions, hub.services.cache
    )
    try:
        client = await hub.client(scopes=ALL_SCOPES)
        token = await hub.token(client)
        today = consent_today()
        await hub.services.auth.consents.grant(
            tenant_id="bank-a",
            client_id=None,
            credit_code=FIRM,
            sources=["tax"],
            valid_from=today,
            valid_until=today + timedelta(days=30),
            evidence_ref="form",
        )
        assert (await other.live_consents("bank-a", [FIRM]))[FIRM] == {"tax"}
        assert (await other.authenticate(f"Bearer {token}")).client_id == client.client_id

        await _withdraw_and_revoke(hub.services.auth, token)

        assert (await other.live_consents("bank-a", [FIRM]))[FIRM] == frozenset()
        try:
            await other.authenticate(f"Bearer {token}")
        except Unauthenticated as refusal:
            assert "revoked" in refusal.message
        else:
            raise AssertionError("a token revoked on another replica was accepted")
    finally:
        await other.aclose()


async def _withdraw_and_revoke(auth: AuthService, token: str) -> None:
    await auth.consents.withdraw(tenant_id="bank-a", client_id=None, credit_code=FIRM, sources=["tax"])
    known = await auth.known_token(token)
    assert known is not None
    await auth.revoke([known])
