"""GraphQL types of consent."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from auth.consent import ConsentRecord
from connectors.catalog import load_catalog

# The consent vocabulary of the loaded sources (their declarations' consent names); type checkers see an Enum.
if TYPE_CHECKING:
    SourceName = Enum
else:
    SourceName = strawberry.enum(
        Enum("SourceName", {name: name for name in load_catalog().consent_names()}),
        description="A source, by the name consents give it.",
        graphql_name_from="value",  # the source's own name: variables sending "tax" keep working
    )


@strawberry.type(description="An enterprise's consent for your tenant to read one source between two dates.")
class Consent:
    id: strawberry.ID = strawberry.field(description="The consent's id.")
    credit_code: strawberry.ID = strawberry.field(description="The consenting enterprise's credit code.")
    source: str = strawberry.field(description="The source it may be read from (registry, electricity, …).")
    valid_from: date = strawberry.field(description="First day it is valid (China Standard Time).")
    valid_until: date = strawberry.field(description="Last day it is valid (China Standard Time).")
    evidence_ref: str = strawberry.field(description="Reference of the signed consent document.")
    granted_at: datetime = strawberry.field(description="When it was recorded.")
    withdrawn_at: datetime | None = strawberry.field(description="When it was withdrawn; null if never.")
    live: bool = strawberry.field(description="Valid today and not withdrawn: the source's data is served.")

    @classmethod
    def of(cls, record: ConsentRecord, today: date) -> Consent:
        return cls(
            id=strawberry.ID(str(record.id)),
            credit_code=strawberry.ID(record.credit_code),
            source=record.source,
            valid_from=record.valid_from,
            valid_until=record.valid_until,
            evidence_ref=record.evidence_ref,
            granted_at=record.granted_at,
            withdrawn_at=record.withdrawn_at,
            live=record.is_live(today),
        )


@strawberry.input(description="A consent to record, one per source, all with the same dates and evidence.")
class GrantConsentInput:
    credit_code: strawberry.ID = strawberry.field(description="The consenting enterprise's credit code.")
    sources: list[SourceName] = strawberry.field(description="Sources it may be read from.")
    valid_from: date = strawberry.field(description="First valid day (China Standard Time).")
    valid_until: date = strawberry.field(description="Last valid day; not before validFrom.")
    evidence_ref: str = strawberry.field(
        description="Reference of the signed consent document (1-500 chars)."
    )
