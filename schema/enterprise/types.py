"""The Enterprise entity (federation key ``creditCode``) with its region, registration and profiles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from connectors.records import Fetched, RegistryRecord
from foundation.credit_code import region_of
from foundation.credit_code.checked import checked_credit_code
from hub.profiles.registry import months_in_business
from schema.connections.resolvers import CONNECTION_SCOPES, connections_of
from schema.connections.types import SourceConnection
from schema.context import Context, Info
from schema.freshness import Freshness
from schema.indicators.resolvers import indicators_of
from schema.indicators.types import LendingIndicators
from schema.permissions import CanReadSource, HasAnyScope, HasScope, requires
from schema.reading import read_source
from schema.sources import source_fields
from schema.verification.resolvers import verification_of
from schema.verification.types import Verification


@strawberry.type(
    description="Where the enterprise was registered, from the division digits of its credit code."
)
class Region:
    division_code: str = strawberry.field(description="The 6-digit administrative division code (GB/T 2260).")
    province: str | None = strawberry.field(description="Province; null when the division is not known.")
    city: str | None = strawberry.field(description="City (prefecture); null when not known.")
    county: str | None = strawberry.field(description="County or district; null when not known.")


@strawberry.type(description="The legal representative, with personal data masked.")
class LegalRepresentative:
    name: str = strawberry.field(description="Name as registered.")
    id_number_masked: str = strawberry.field(description="Resident ID number, masked (330102********1234).")
    phone_masked: str = strawberry.field(description="Phone number, masked (138****8000).")


@strawberry.enum(description="Who holds shares: a person or an enterprise.")
class ShareholderKind(Enum):
    PERSON = "person"
    ENTERPRISE = "enterprise"


@strawberry.type(description="An owner of the enterprise as registered; a person's name is masked.")
class Shareholder:
    kind: ShareholderKind = strawberry.field(description="A person or an enterprise.")
    name: str = strawberry.field(
        description="A person's name masked (王**), an enterprise's registered name."
    )
    credit_code: strawberry.ID | None = strawberry.field(
        description="An enterprise shareholder's credit code; null for a person."
    )
    share_ratio: Decimal = strawberry.field(
        description="Its share of the registered capital (0..1; the shares add up to 1)."
    )


@strawberry.type(description="A director, supervisor or manager as registered, with personal data masked.")
class SeniorManager:
    name: str = strawberry.field(description="Name, masked (王**).")
    role: str = strawberry.field(description="chairman, director, general_manager, supervisor or cfo.")
    id_number_masked: str = strawberry.field(description="Resident ID number, masked (330102********1234).")


@strawberry.type(
    description="The enterprise's record at the market regulator (needs the scope registry:read)."
)
class Registration:
    freshness: Freshness = strawberry.field(description="Where and when this data was fetched.")
    legal_form: str = strawberry.field(description="e.g. limited_liability_company, joint_stock_company.")
    registered_capital_yuan: Decimal = strawberry.field(description="Registered capital, yuan.")
    founded_on: date = strawberry.field(description="Date of establishment.")
    industry_code: str = strawberry.field(description="Industry classification code (GB/T 4754), e.g. C17.")
    address: str = strawberry.field(description="Registered address.")
    status: str = strawberry.field(description="active, revoked or deregistered.")
    is_core: bool = strawberry.field(description="A core enterprise of a supply chain.")
    legal_representative: LegalRepresentative = strawberry.field(description="Its legal representative.")
    credit_code_agrees: bool | None = strawberry.field(
        description="Whether the credit code's registration kind agrees with the legal form (91… an "
        "enterprise, 92… an individual business, 93… a farmers' cooperative); null when not checked."
    )


@strawberry.type(name="EnterpriseCore")
class _EnterpriseCore:
    """What every enterprise has (a base of :class:`Enterprise`, never in the schema itself)."""

    credit_code: strawberry.ID = strawberry.field(description="Unified social credit code (18 characters).")
    registry: strawberry.Private[Fetched[Any]]
    registry_record: strawberry.Private[RegistryRecord]

    @strawberry.field(
        description="Registered name (scope registry:read; null without it).",
        extensions=[requires(HasScope("registry:read"))],
    )
    def name(self) -> str | None:
        return self.registry_record.name

    @strawberry.field(description="Region derived from the credit code's division digits.")
    def region(self) -> Region:
        region = region_of(self.credit_code)
        return Region(
            division_code=region.division_code,
            province=region.province,
            city=region.city,
            county=region.county,
        )

    @strawberry.field(
        description="Industry as registered, e.g. textiles (scope registry:read).",
        extensions=[requires(HasScope("registry:read"))],
    )
    def industry(self) -> str | None:
        return self.registry_record.industry

    @strawberry.field(
        description="Registration details (scope registry:read); personal data is masked.",
        extensions=[requires(HasScope("registry:read"))],
    )
    def registration(self) -> Registration | None:
        record = self.registry_record
        person = record.legal_representative
        return Registration(
            freshness=Freshness.of(self.registry),
            legal_form=record.legal_form,
            registered_capital_yuan=record.registered_capital_yuan,
            founded_on=record.founded_on,
            industry_code=record.industry_code,
            address=record.address,
            status=record.status,
            is_core=record.is_core,
            legal_representative=LegalRepresentative(
                name=person.name,
                id_number_masked=person.id_number_masked,
                phone_masked=person.phone_masked,
            ),
            credit_code_agrees=record.credit_code_agrees,
        )

    @strawberry.field(
        description="Full months in business from the founding date to the registry's as-of day, both "
        "counted (scope registry:read).",
        extensions=[requires(HasScope("registry:read"))],
    )
    def months_in_business(self, info: Info) -> int | None:
        as_of = info.context.services.sources.history_end("registry")
        return months_in_business(self.registry_record.founded_on, as_of)

    @strawberry.field(
        description="Shareholders as registered, largest first: people's names masked (scope registry:read).",
        extensions=[requires(HasScope("registry:read"))],
    )
    def shareholders(self) -> list[Shareholder] | None:
        holders = sorted(self.registry_record.shareholders, key=lambda holder: -holder.share_ratio)
        return [
            Shareholder(
                kind=ShareholderKind(holder.kind),
                name=holder.name,
                credit_code=strawberry.ID(holder.credit_code) if holder.credit_code else None,
                share_ratio=holder.share_ratio,
            )
            for holder in holders
        ]

    @strawberry.field(
        description="Directors, supervisors and managers as registered, names and ID numbers masked "
        "(scope registry:read).",
        extensions=[requires(HasScope("registry:read"))],
    )
    def senior_managers(self) -> list[SeniorManager] | None:
        return [
            SeniorManager(name=manager.name, role=manager.role, id_number_masked=manager.id_number_masked)
            for manager in self.registry_record.senior_managers
        ]


def _with_source_fields(core: type) -> type:
    """``core`` with one field per loaded source, as its declaration describes it (:mod:`schema.sources`),
    each guarded by the source's scope and the enterprise's consent."""
    fields = {
        name: strawberry.field(
            resolver=spec.resolver, description=spec.description, extensions=[requires(CanReadSource(name))]
        )
        for name, spec in source_fields().items()
    }
    return strawberry.type(type("EnterpriseSources", (core,), fields), name="EnterpriseSources")


# Type checkers see the core; the schema sees the core with the sources' fields (in catalog order).
if TYPE_CHECKING:
    _EnterpriseSources = _EnterpriseCore
else:
    _EnterpriseSources = _with_source_fields(_EnterpriseCore)


@strawberry.federation.type(
    keys=["creditCode"],
    description="An enterprise identified by its unified social credit code (GB 32100), with the profiles "
    "each source keeps about it. A source's profile needs its scope and the enterprise's live consent.",
)
class Enterprise(_EnterpriseSources):
    @classmethod
    def of(cls, fetched: Fetched[Any], record: RegistryRecord) -> Enterprise:
        return cls(credit_code=strawberry.ID(record.credit_code), registry=fetched, registry_record=record)

    @classmethod
    async def load(cls, context: Context, credit_code: str) -> Enterprise | None:
        """The enterprise from the registry (batched through the request's loader); None when unknown."""
        read = await read_source(context, "registry", checked_credit_code(credit_code), RegistryRecord)
        return cls.of(*read) if read is not None else None

    @classmethod
    async def resolve_reference(cls, info: Info, creditCode: str) -> Enterprise | None:
        """Federation entity resolution (``_entities``)."""
        return await cls.load(info.context, creditCode)

    @strawberry.field(
        description="Lending indicators across the sources the caller may read (see `sourcesUsed`)."
    )
    async def indicators(self, info: Info) -> LendingIndicators | None:
        return await indicators_of(info.context, self.credit_code)

    @strawberry.field(
        description="The real trade background checked across the sources (四流合一): sales against "
        "invoices, orders against waybills, output against energy, spikes, trade cycles, related parties, "
        "duplicate receivables, Benford (scope verification:read; a check whose data the caller may not read "
        "is NO_DATA). Findings are audited.",
        extensions=[requires(HasScope("verification:read"))],
    )
    async def verification(self, info: Info) -> Verification | None:
        return await verification_of(info.context, self.credit_code)

    @strawberry.field(
        description="Where each source's connection of the enterprise stands for your tenant (consent, last "
        "refresh, coverage), from the hub's records alone: no source is asked. A source's row needs "
        "consent:read or that source's read scope.",
        extensions=[requires(HasAnyScope(*CONNECTION_SCOPES))],
    )
    async def connections(self, info: Info) -> list[SourceConnection] | None:
        return await connections_of(info.context, self.credit_code)
