"""GraphQL types of webhooks."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.webhooks.subscriptions import WebhookRecord


@strawberry.type(
    description="A subscription of your tenant to the hub's events, delivered to its URL signed in the "
    "Standard Webhooks format (webhook-id, webhook-timestamp, webhook-signature). Events and their fields: "
    "GET /webhooks/events.json."
)
class Webhook:
    id: strawberry.ID = strawberry.field(description="The webhook's id.")
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    events: list[str] = strawberry.field(description="The event types it is told (e.g. consent.granted).")
    credit_codes: list[strawberry.ID] | None = strawberry.field(
        description="The firms it is told about; null: every firm your scopes and consents cover."
    )
    created_at: datetime = strawberry.field(description="When it was created.")

    @classmethod
    def of(cls, record: WebhookRecord) -> Webhook:
        return cls(
            id=strawberry.ID(record.id),
            url=record.url,
            events=list(record.events),
            credit_codes=[strawberry.ID(code) for code in record.credit_codes]
            if record.credit_codes is not None
            else None,
            created_at=record.created_at,
        )


@strawberry.type(description="A webhook just created, with its signing secret: shown this once, never again.")
class CreatedWebhook:
    id: strawberry.ID = strawberry.field(description="The webhook's id.")
    secret: str = strawberry.field(
        description="The signing secret (whsec_…): verify each delivery's webhook-signature with it. Keep "
        "it: it is not shown again."
    )
    webhook: Webhook = strawberry.field(description="The webhook.")


@strawberry.input(description="A webhook to create.")
class CreateWebhookInput:
    url: str = strawberry.field(
        description="Where to POST deliveries; when the hub runs in prod: https, and a public address unless "
        "the host is allow-listed."
    )
    events: list[str] = strawberry.field(
        description="Event types to be told (GET /webhooks/events.json lists them); an unknown one is "
        "BAD_REQUEST."
    )
    credit_codes: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only events about these firms (at most 1,000); null: every firm."
    )
