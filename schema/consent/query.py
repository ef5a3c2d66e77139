"""Root fields of consent (query and mutations); each acts for the caller's own tenant only."""

from __future__ import annotations

import strawberry

from auth.consent import ConsentTerms, consent_today
from hub.webhooks.consent_events import changed_consent_events
from schema.consent.types import Consent, GrantConsentInput, SourceName
from schema.context import Info
from schema.permissions import HasAnyScope, HasScope, requires


@strawberry.type
class ConsentQuery:
    @strawberry.field(
        description="Your tenant's consents of one enterprise (live, expired and withdrawn), newest first "
        "(scope consent:read or consent:write).",
        extensions=[requires(HasAnyScope("consent:read", "consent:write"))],
    )
    async def consents(self, info: Info, credit_code: strawberry.ID) -> list[Consent]:
        context = info.context
        records = await context.services.auth.consents.of_enterprise(context.principal.tenant_id, credit_code)
        today = consent_today()
        return [Consent.of(record, today) for record in records]


@strawberry.type
class ConsentMutation:
    @strawberry.mutation(
        description="Record an enterprise's consent for your tenant, one per source (scope consent:write).",
        extensions=[requires(HasScope("consent:write"))],
    )
    async def grant_consent(self, info: Info, input: GrantConsentInput) -> list[Consent]:
        principal = info.context.principal
        records = await info.context.services.auth.consents.grant(
            tenant_id=principal.tenant_id,
            client_id=principal.client_id,
            credit_code=input.credit_code,
            sources=[str(source.value) for source in input.sources],
            valid_from=input.valid_from,
            valid_until=input.valid_until,
            evidence_ref=input.evidence_ref,
            terms=ConsentTerms.of(info.context.services.settings),
        )
        # after the grant committed: a sink's failure is logged by the bus, the grant stands
        await info.context.services.events.emit(changed_consent_events("consent.granted", records))
        today = consent_today()
        return [Consent.of(record, today) for record in records]

    @strawberry.mutation(
        description="Withdraw an enterprise's consents for these sources, effective from the next request "
        "(scope consent:write). Returns the consents withdrawn.",
        extensions=[requires(HasScope("consent:write"))],
    )
    async def withdraw_consent(
        self,
        info: Info,
        credit_code: strawberry.ID,
        sources: list[SourceName],
    ) -> list[Consent]:
        principal = info.context.principal
        records = await info.context.services.auth.consents.withdraw(
            tenant_id=principal.tenant_id,
            client_id=principal.client_id,
            credit_code=credit_code,
            sources=[str(source.value) for source in sources],
        )
        await info.context.services.events.emit(changed_consent_events("consent.withdrawn", records))
        today = consent_today()
        return [Consent.of(record, today) for record in records]
