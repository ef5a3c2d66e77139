"""The Enterprise entity (federation key ``creditCode``) with its region, registration and profiles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import strawberry

from connectors.records import Fetched, RegistryRecord
from foundation.credit_code import region_of
from foundation.credit_code.checked import checked_credit_code
from schema.context import Context, Info
from schema.freshness import Freshness
from schema.indicators.resolvers import indicators_of
from schema.indicators.types import LendingIndicators
from schema.permissions import CanReadSource, HasScope, requires
from schema.reading import read_source
from schema.sources import source_fields


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
        )


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
