"""GraphQL over the test hub's HTTP, and the webhook mutations."""

from __future__ import annotations

import uuid
from typing import Any

from auth.principal import ALL_SCOPES
from tests.fixtures.hub import Hub

CREATE = """mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { id secret webhook { id url events creditCodes } }
}"""


async def graphql(hub: Hub, token: str, query: str, **variables: Any) -> dict[str, Any]:
    answer = await hub.http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    body: dict[str, Any] = answer.json()
    return body


async def bank_token(hub: Hub, tenant: str = "bank-a", scopes: frozenset[str] = ALL_SCOPES) -> str:
    return await hub.token(await hub.client(tenant, scopes))


async def create_webhook(hub: Hub, token: str, url: str, events: list[str], **more: Any) -> tuple[str, str]:
    """The new webhook's id and secret."""
    body = await graphql(hub, token, CREATE, input={"url": url, "events": events, **more})
    assert "errors" not in body, body
    created = body["data"]["createWebhook"]
    return created["id"], created["secret"]


def fresh_path() -> str:
    return f"/{uuid.uuid4().hex[:12]}"
