"""Registry (market regulation): who the enterprise is. API key header, one JSON document per firm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from connectors.base import Connector, Endpoint
from connectors.payload import PayloadReader, build
from connectors.personal_data import PersonalDataHasher, mask_id_number, mask_phone
from connectors.records import LegalRepresentative, RegistryRecord
from connectors.source import SandboxDefaults, Source
from connectors.upstream import Upstream

SOURCE = "registry"
LEGAL_FORMS = frozenset(
    {
        "limited_liability_company",
        "joint_stock_company",
        "sole_proprietorship",
        "partnership",
        "individual_business",
    }
)
STATUSES = frozenset({"active", "revoked", "deregistered"})


def map_registry(document: Any, personal_data: PersonalDataHasher) -> RegistryRecord:
    """The registry's enterprise document → :class:`RegistryRecord` (capital in yuan; CNY only). The legal
    representative's ID number and phone are kept masked and as ``personal_data``'s keyed hashes only."""
    firm = PayloadReader(SOURCE, document)
    currency = firm.text("currency")
    if currency != "CNY":
        raise firm.fail("currency", f"expected CNY, got {currency!r}")
    representative = firm.child("legalRepresentative")
    id_number, phone = representative.text("idNumber"), representative.text("phone")
    return build(
        SOURCE,
        "",
        RegistryRecord,
        credit_code=firm.text("creditCode"),
        name=firm.text("name"),
        legal_form=firm.choice("legalForm", LEGAL_FORMS),
        registered_capital_yuan=firm.decimal("registeredCapital"),
        founded_on=firm.day("foundedOn"),
        industry=firm.text("industry"),
        industry_code=firm.text("industryCode"),
        address=firm.text("address"),
        status=firm.choice("status", STATUSES),
        legal_representative=build(
            SOURCE,
            "legalRepresentative",
            LegalRepresentative,
            name=representative.text("name"),
            id_number_masked=mask_id_number(id_number),
            phone_masked=mask_phone(phone),
            id_number_hash=personal_data.id_number(id_number),
            phone_hash=personal_data.phone(phone),
        ),
        is_core=firm.boolean("isCore"),
    )


class RegistryConnector(Connector[RegistryRecord]):
    name = "registry"
    auth_style = "api_key_header"
    auth_options: ClassVar[Mapping[str, str]] = {"header": "X-API-Key"}
    endpoints: ClassVar[Mapping[str, Endpoint]] = {"enterprise": Endpoint("/v1/enterprises/{credit_code}")}
    record_type = RegistryRecord

    def __init__(self, personal_data: PersonalDataHasher | None = None) -> None:
        """``personal_data``: the hub's hasher; the registered instance has none until
        :func:`connectors.upstream.build_source_clients` binds it (``with_personal_data``)."""
        self._personal_data = personal_data

    def with_personal_data(self, hasher: PersonalDataHasher) -> Self:
        return type(self)(hasher)

    async def fetch(self, upstream: Upstream, credit_code: str) -> RegistryRecord:
        if self._personal_data is None:
            raise RuntimeError("registry connector without a personal-data hasher (with_personal_data)")
        document = await upstream.document(self.endpoints["enterprise"], credit_code=credit_code)
        record = map_registry(document, self._personal_data)
        if record.credit_code != credit_code:
            raise PayloadReader(SOURCE, document).fail("creditCode", "answer is about another enterprise")
        return record


source = Source(
    connector=RegistryConnector(),
    description="Market regulator: name, legal form, registered capital, founding date, industry, address",
    consent="registry",
    consent_required=False,
    sandbox=SandboxDefaults(port_offset=0, credentials={"api_key": "sandbox-registry-key"}),
    schema=None,
)
connector = source.connector
