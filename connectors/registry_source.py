"""Registry (market regulation): who the enterprise is. API key header, one JSON document per firm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connectors.base import Connector, Endpoint
from connectors.payload import PayloadReader, build
from connectors.records import LegalRepresentative, RegistryRecord
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


def map_registry(document: Any) -> RegistryRecord:
    """The registry's enterprise document → :class:`RegistryRecord` (capital in yuan; CNY only)."""
    firm = PayloadReader(SOURCE, document)
    currency = firm.text("currency")
    if currency != "CNY":
        raise firm.fail("currency", f"expected CNY, got {currency!r}")
    representative = firm.child("legalRepresentative")
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
            id_number=representative.text("idNumber"),
            phone=representative.text("phone"),
        ),
        is_core=firm.boolean("isCore"),
    )


class RegistryConnector(Connector):
    name = "registry"
    auth_style = "api_key_header"
    auth_options: ClassVar[Mapping[str, str]] = {"header": "X-API-Key"}
    endpoints: ClassVar[Mapping[str, Endpoint]] = {"enterprise": Endpoint("/v1/enterprises/{credit_code}")}
    record_type = RegistryRecord

    async def fetch(self, upstream: Upstream, credit_code: str) -> RegistryRecord:
        document = await upstream.document(self.endpoints["enterprise"], credit_code=credit_code)
        record = map_registry(document)
        if record.credit_code != credit_code:
            raise PayloadReader(SOURCE, document).fail("creditCode", "answer is about another enterprise")
        return record


connector = RegistryConnector()
