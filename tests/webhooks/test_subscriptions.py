"""createWebhook / webhooks / deleteWebhook over GraphQL: events validated, the secret once, own tenant only;
in prod no private, loopback or link-local target unless allow-listed, and https only."""

from __future__ import annotations

import pytest

from auth.principal import ALL_SCOPES
from foundation.errors import BadRequest
from foundation.settings import Settings
from hub.webhooks.targets import checked_target
from tests.fixtures.hub import Hub
from tests.webhooks.helpers import CREATE, bank_token, create_webhook, graphql

LIST = "{ webhooks { id url events creditCodes createdAt } }"
DELETE = "mutation($id: ID!) { deleteWebhook(id: $id) { id } }"


async def test_create_list_and_delete(hub: Hub) -> None:
    token = await bank_token(hub)
    webhook_id, secret = await create_webhook(
        hub, token, "http://127.0.0.1:9/hook", ["alert.created", "consent.granted", "alert.created"]
    )
    assert secret.startswith("whsec_") and len(secret) > 40
    listed = (await graphql(hub, token, LIST))["data"]["webhooks"]
    assert [(hook["id"], hook["events"], hook["creditCodes"]) for hook in listed] == [
        (webhook_id, ["alert.created", "consent.granted"], None)
    ]
    assert "secret" not in str(listed)
    other = await bank_token(hub, "bank-b")
    assert (await graphql(hub, other, LIST))["data"]["webhooks"] == []
    refused = await graphql(hub, other, DELETE, id=webhook_id)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await graphql(hub, token, DELETE, id=webhook_id))["data"]["deleteWebhook"]["id"] == webhook_id
    assert (await graphql(hub, token, LIST))["data"]["webhooks"] == []


async def test_unknown_events_are_named(hub: Hub) -> None:
    token = await bank_token(hub)
    body = await graphql(
        hub, token, CREATE, input={"url": "http://127.0.0.1:9/", "events": ["alert.created", "loan.eaten"]}
    )
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "loan.eaten" in error["message"]


async def test_the_scope_is_needed(hub: Hub) -> None:
    token = await bank_token(hub, scopes=ALL_SCOPES - {"webhooks:write"})
    body = await graphql(
        hub, token, CREATE, input={"url": "http://127.0.0.1:9/", "events": ["alert.created"]}
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


PROD = Settings.model_construct(
    env="prod", webhook_allowed_hosts=frozenset({"hooks.internal.example", "10.1.2.3"})
)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://hooks.example.com/x", "must be https"),
        ("https://127.0.0.1/x", "loopback"),
        ("https://localhost:8443/x", "loopback"),
        ("https://10.0.0.8/x", "private"),
        ("https://192.168.1.20/x", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::1]/x", "loopback"),
        ("https://[::ffff:127.0.0.1]/x", "loopback"),
        ("https://user:pw@hooks.example.com/x", "credentials"),
        ("ftp://hooks.example.com/x", "http(s)"),
        ("https://no-such-host.invalid/x", "does not resolve"),
    ],
)
async def test_prod_refuses_targets(url: str, says: str) -> None:
    with pytest.raises(BadRequest) as refused:
        await checked_target(url, PROD)
    assert says in refused.value.message
    assert refused.value.extensions["argument"] == "url"


async def test_prod_allows_public_and_allow_listed_targets() -> None:
    assert await checked_target("https://8.8.8.8/hook", PROD) == "https://8.8.8.8/hook"
    assert await checked_target("https://10.1.2.3/hook", PROD) == "https://10.1.2.3/hook"
    assert (
        await checked_target("https://hooks.internal.example/h", PROD) == "https://hooks.internal.example/h"
    )
    dev = Settings.model_construct(env="dev", webhook_allowed_hosts=frozenset())
    assert await checked_target("http://127.0.0.1:8080/h", dev) == "http://127.0.0.1:8080/h"
