"""Registry (market regulation): who the enterprise is. API key header, one JSON document per firm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from connectors.base import Connector, Endpoint
from connectors.payload import PayloadReader, build
from connectors.personal_data import PersonalDataHasher, mask_id_number, mask_name, mask_phone
from connectors.records import LegalRepresentative, RegistryRecord, SeniorManager, Shareholder
from connectors.source import SandboxDefaults, Source
from connectors.upstream import Upstream
from foundation.credit_code import agrees_with_legal_form, is_valid

SOURCE = "registry"
LEGAL_FORMS = frozenset(
    {
        "limited_liability_company",
        "joint_stock_company",
        "sole_proprietorship",
        "partnership",
        "individual_business",
        "farmers_cooperative",
    }
)
STATUSES = frozenset({"active", "revoked", "deregistered"})
SHAREHOLDER_KINDS = frozenset({"person", "enterprise"})


def _shareholder(holder: PayloadReader, personal_data: PersonalDataHasher) -> Shareholder:
    kind = holder.choice("kind", SHAREHOLDER_KINDS)
    name = holder.text("name")
    if kind == "person":
        fields = {"name": mask_name(name), "id_hash": personal_data.id_number(holder.text("idNumber"))}
    else:
        code = holder.text("creditCode")
        if not is_valid(code):
            raise holder.fail("creditCode", "not a valid unified social credit code")
        fields = {"name": name, "id_hash": personal_data.credit_code(code), "credit_code": code}
    return build(
        SOURCE, holder.path, Shareholder, kind=kind, share_ratio=holder.decimal("shareRatio"), **fields
    )


def _manager(manager: PayloadReader, personal_data: PersonalDataHasher) -> SeniorManager:
    id_number = manager.text("idNumber")
    return build(
        SOURCE,
        manager.path,
        SeniorManager,
        name=mask_name(manager.text("name")),
        role=manager.text("role"),
        id_number_masked=mask_id_number(id_number),
        id_number_hash=personal_data.id_number(id_number),
    )


def map_registry(document: Any, personal_data: PersonalDataHasher) -> RegistryRecord:
    """The registry's enterprise document → :class:`RegistryRecord` (capital in yuan; CNY only). People's ID
    numbers and phones are kept masked and as ``personal_data``'s keyed hashes only, shareholders' and
    managers' names masked; whether the credit code's kind agrees with the legal form is checked here."""
    firm = PayloadReader(SOURCE, document)
    currency = firm.text("currency")
    if currency != "CNY":
        raise firm.fail("currency", f"expected CNY, got {currency!r}")
    credit_code = firm.text("creditCode")
    if not is_valid(credit_code):
        raise firm.fail("creditCode", "not a valid unified social credit code")
    legal_form = firm.choice("legalForm", LEGAL_FORMS)
    representative = firm.child("legalRepresentative")
    id_number, phone = representative.text("idNumber"), representative.text("phone")
    return build(
        SOURCE,
        "",
        RegistryRecord,
        credit_code=credit_code,
        name=firm.text("name"),
        legal_form=legal_form,
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
        shareholders=tuple(_shareholder(holder, personal_data) for holder in firm.children("shareholders")),
        senior_managers=tuple(
            _manager(manager, personal_data) for manager in firm.children("seniorManagers")
        ),
        credit_code_agrees=agrees_with_legal_form(credit_code, legal_form),
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
    description="Market regulator: name, legal form, registered capital, founding date, industry, address, "
    "shareholders, senior managers",
    consent="registry",
    consent_required=False,
    sandbox=SandboxDefaults(port_offset=0, credentials={"api_key": "sandbox-registry-key"}),
    schema=None,
    indicators="schema.enterprise.registry",
)
connector = source.connector
