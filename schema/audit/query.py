"""Root field of the audit trail: the caller's own tenant only, paged in SQL (keyset on ``seq``)."""

from __future__ import annotations

import strawberry

from foundation.credit_code.checked import checked_credit_code
from schema.arguments import in_range
from schema.audit.types import AUDIT_CURSOR, AuditEventConnection
from schema.context import Info
from schema.pagination import DEFAULT_PAGE, MAX_PAGE, decode_cursor
from schema.permissions import HasScope, requires


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Your tenant's audit trail, newest first (scope admin): data accesses, tokens issued "
        "and revoked, consent changes. Filter by enterprise with `creditCode`.",
        extensions=[requires(HasScope("admin"))],
    )
    async def audit_trail(
        self,
        info: Info,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        credit_code: strawberry.ID | None = None,
    ) -> AuditEventConnection:
        in_range("first", first, 1, MAX_PAGE)
        events, has_next_page = await info.context.services.auth.audit.trail(
            tenant_id=info.context.principal.tenant_id,
            first=first,
            after_seq=decode_cursor(after, AUDIT_CURSOR) if after is not None else None,
            credit_code=checked_credit_code(credit_code) if credit_code is not None else None,
        )
        return AuditEventConnection.of(events, has_next_page=has_next_page, after=after)
