"""Root fields of webhooks; each acts for the caller's own tenant only (scope webhooks:write)."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.permissions import HasScope, requires
from schema.webhooks.types import CreatedWebhook, CreateWebhookInput, Webhook

WRITE = "webhooks:write"


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        description="Your tenant's webhooks, oldest first (no secrets). Scope webhooks:write.",
        extensions=[requires(HasScope(WRITE))],
    )
    async def webhooks(self, info: Info) -> list[Webhook]:
        context = info.context
        records = await context.services.webhooks.book.of_tenant(context.principal.tenant_id)
        return [Webhook.of(record) for record in records]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Create a webhook: the events named (validated against GET /webhooks/events.json), "
        "optionally only about some firms, told only what your client's scopes and your tenant's live "
        "consents cover. Returns its signing secret, this once. Audited. Scope webhooks:write.",
        extensions=[requires(HasScope(WRITE))],
    )
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> CreatedWebhook:
        context = info.context
        created = await context.services.webhooks.book.create(
            context.principal,
            url=input.url,
            events=input.events,
            credit_codes=[str(code) for code in input.credit_codes]
            if input.credit_codes is not None
            else None,
        )
        return CreatedWebhook(
            id=strawberry.ID(created.webhook.id), secret=created.secret, webhook=Webhook.of(created.webhook)
        )

    @strawberry.mutation(
        description="Delete one of your tenant's webhooks (NOT_FOUND otherwise); what it still owed is not "
        "delivered. Audited. Scope webhooks:write.",
        extensions=[requires(HasScope(WRITE))],
    )
    async def delete_webhook(self, info: Info, id: strawberry.ID) -> Webhook:
        context = info.context
        return Webhook.of(await context.services.webhooks.book.delete(context.principal, str(id)))
