"""GraphQL types of the audit trail (a Relay connection paged in SQL by ``seq``)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from audit.chain import AuditEvent as AuditEventName
from audit.log import AuditedEvent
from schema.pagination import PageInfo, encode_cursor

AUDIT_CURSOR = "audit:"  # a cursor over seq, not over a list position: never mixed with other lists

# Registers the audit vocabulary as a GraphQL enum (strawberry marks the class itself).
strawberry.enum(
    AuditEventName,
    name="AuditEventKind",
    description="What an audit entry records.",
    graphql_name_from="value",  # the words the log stores, as the trail always showed them
)


@strawberry.type(description="One entry of the tamper-evident audit log.")
class AuditEvent:
    seq: strawberry.ID = strawberry.field(description="Position in the hash chain (increasing).")
    at: datetime = strawberry.field(description="When it was recorded.")
    event: AuditEventName = strawberry.field(description="What it records.")
    client_id: str | None = strawberry.field(
        description="The OAuth client acting; null for the operator CLI."
    )
    credit_code: strawberry.ID | None = strawberry.field(description="The enterprise concerned, if any.")
    sources: list[str] = strawberry.field(description="The sources concerned, sorted.")
    outcome: str = strawberry.field(
        description="For data_access, one outcome per source in the order of `sources`, comma-separated "
        "(served, stale, not_found, unavailable, forbidden, no_consent); otherwise a short summary."
    )
    operation_hash: str = strawberry.field(
        description="sha256 of the GraphQL operation (data access), of the evidence (consent) or of the "
        "token id (tokens)."
    )
    row_hash: str = strawberry.field(description="This entry's link in the hash chain.")

    @classmethod
    def of(cls, audited: AuditedEvent) -> AuditEvent:
        entry = audited.entry
        return cls(
            seq=strawberry.ID(str(audited.seq)),
            at=audited.at,
            event=entry.event,
            client_id=entry.client_id,
            credit_code=strawberry.ID(entry.credit_code) if entry.credit_code else None,
            sources=list(entry.sources),
            outcome=entry.outcome,
            operation_hash=entry.operation_hash,
            row_hash=audited.row_hash,
        )


@strawberry.type(description="An audit entry with its cursor (Relay).")
class AuditEventEdge:
    cursor: str = strawberry.field(description="Opaque position of this entry.")
    node: AuditEvent = strawberry.field(description="The entry.")


@strawberry.type(description="One page of the audit trail, newest first (Relay connection).")
class AuditEventConnection:
    page_info: PageInfo = strawberry.field(description="Where this page sits in the trail.")
    edges: list[AuditEventEdge] = strawberry.field(description="The entries of this page with their cursors.")

    @strawberry.field(description="The entries of this page without cursors.")
    def nodes(self) -> list[AuditEvent]:
        return [edge.node for edge in self.edges]

    @classmethod
    def of(
        cls, events: list[AuditedEvent], *, has_next_page: bool, after: str | None
    ) -> AuditEventConnection:
        edges = [
            AuditEventEdge(cursor=encode_cursor(event.seq, AUDIT_CURSOR), node=AuditEvent.of(event))
            for event in events
        ]
        return cls(
            page_info=PageInfo(
                has_next_page=has_next_page,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            edges=edges,
        )
