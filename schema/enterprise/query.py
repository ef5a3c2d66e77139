"""Root fields of the enterprise domain."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.enterprise import resolvers
from schema.enterprise.types import Enterprise


@strawberry.type
class EnterpriseQuery:
    @strawberry.field(description="One enterprise by credit code; null when no source knows it.")
    async def enterprise(self, info: Info, credit_code: strawberry.ID) -> Enterprise | None:
        return await resolvers.enterprise(info, credit_code)

    @strawberry.field(
        description="Several enterprises at once (at most 100 codes), in the order asked; an unknown code "
        "gives null at its place. Sources are fetched in batches, once per firm."
    )
    async def enterprises(self, info: Info, credit_codes: list[strawberry.ID]) -> list[Enterprise | None]:
        return await resolvers.enterprises(info, list(credit_codes))
