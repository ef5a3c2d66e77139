"""A disabled client: no new tokens; its tokens refused at /graphql at once, even once re-enabled; audited."""

from __future__ import annotations

import httpx
import pytest

from auth.clients import IssuedClient, set_client_disabled
from foundation.errors import BadRequest
from tests.fixtures.hub import Hub


async def _graphql(hub: Hub, token: str) -> httpx.Response:
    return await hub.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": f"Bearer {token}"}
    )


async def _switch(hub: Hub, client: IssuedClient, *, disabled: bool) -> bool:
    auth = hub.services.auth
    return await set_client_disabled(
        sessions=auth.sessions, audit=auth.audit, client_id=client.client_id, disabled=disabled
    )


async def test_a_disabled_client_gets_no_token_and_its_tokens_are_refused(hub: Hub) -> None:
    client = await hub.client()
    token = await hub.token(client)
    assert (await _graphql(hub, token)).status_code == 200

    assert await _switch(hub, client, disabled=True)
    refused = await _graphql(hub, token)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "disabled" in refused.json()["errors"][0]["message"]
    no_token = await hub.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.client_secret),
    )
    assert no_token.status_code == 401 and no_token.json()["error"] == "invalid_client"
    introspected = await hub.http.post(
        "/oauth/introspect", data={"token": token}, auth=(client.client_id, client.client_secret)
    )
    assert introspected.status_code == 401  # the client itself cannot authenticate any more


async def test_a_colleague_sees_a_disabled_clients_token_as_inactive(hub: Hub) -> None:
    client, colleague = await hub.client(), await hub.client()
    token = await hub.token(client)
    await _switch(hub, client, disabled=True)
    answer = await hub.http.post(
        "/oauth/introspect", data={"token": token}, auth=(colleague.client_id, colleague.client_secret)
    )
    assert answer.json() == {"active": False}


async def test_re_enabling_accepts_only_tokens_issued_afterwards(hub: Hub) -> None:
    client = await hub.client()
    old_token = await hub.token(client)
    await _switch(hub, client, disabled=True)
    assert await _switch(hub, client, disabled=False)
    old = await _graphql(hub, old_token)
    assert old.status_code == 401 and "before its client was disabled" in old.text
    assert (await _graphql(hub, await hub.token(client))).status_code == 200


async def test_switching_is_audited_once_per_change(hub: Hub) -> None:
    client = await hub.client()
    assert await _switch(hub, client, disabled=True)
    assert not await _switch(hub, client, disabled=True)
    assert await _switch(hub, client, disabled=False)
    events, _ = await hub.services.auth.audit.trail(
        tenant_id="bank-a", first=10, after_seq=None, credit_code=None
    )
    assert [(event.entry.event, event.entry.client_id) for event in reversed(events)] == [
        ("client_disabled", client.client_id),
        ("client_enabled", client.client_id),
    ]
    assert (await hub.services.auth.audit.verify()).ok


async def test_an_unknown_client_is_a_bad_request(hub: Hub) -> None:
    auth = hub.services.auth
    with pytest.raises(BadRequest, match="no client 'cl-nobody'"):
        await set_client_disabled(
            sessions=auth.sessions, audit=auth.audit, client_id="cl-nobody", disabled=True
        )
