"""prepare_demo is idempotent and hands out a working token of a tenant holding the firms' consents."""

from __future__ import annotations

import random

from auth.principal import ALL_SCOPES
from foundation.credit_code import generate
from hub.cli.demo_access import DEMO_TENANT, prepare_demo
from tests.fixtures.hub import Hub
from tests.fixtures.sources import SOURCE_NAMES

FIRMS = [generate("330100", random.Random(seed)) for seed in range(3)]


async def test_twice_gives_fresh_credentials_and_no_duplicate_consents(hub: Hub) -> None:
    first = await prepare_demo(hub.services, FIRMS)
    second = await prepare_demo(hub.services, FIRMS)
    assert first.client_id == second.client_id and first.client_secret != second.client_secret

    principal = await hub.services.auth.authenticate(f"Bearer {second.access_token}")
    assert (principal.tenant_id, principal.scopes) == (DEMO_TENANT, ALL_SCOPES)
    assert await hub.services.auth.live_consents(DEMO_TENANT, FIRMS) == {
        code: frozenset(SOURCE_NAMES) for code in FIRMS
    }
    consents = await hub.services.auth.consents.of_enterprise(DEMO_TENANT, FIRMS[0])
    assert len(consents) == len(SOURCE_NAMES)

    token = await hub.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(second.client_id, second.client_secret),
    )
    assert token.status_code == 200
    stale = await hub.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(first.client_id, first.client_secret)
    )
    assert stale.status_code == 401
