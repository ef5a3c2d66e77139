"""Registry facts: who the firm is and how long it has existed."""

from __future__ import annotations

from typing import Any

from connectors.records import RegistryRecord
from hub.products.facts import FactInputs, FactSet, FactType, fact
from hub.profiles.registry import months_in_business

NAMESPACE = "registry"


def _build(inputs: FactInputs) -> dict[str, Any]:
    record: RegistryRecord = inputs.record(NAMESPACE, RegistryRecord)
    return {
        "monthsInBusiness": months_in_business(record.founded_on, inputs.as_of),
        "legalForm": record.legal_form,
        "status": record.status,
        "isCore": record.is_core,
        "registeredCapitalYuan": record.registered_capital_yuan,
        "industryCode": record.industry_code,
        "creditCodeAgrees": record.credit_code_agrees,
        "shareholderCount": len(record.shareholders),
    }


FACTS = FactSet(
    namespace=NAMESPACE,
    source=NAMESPACE,
    definitions=(
        fact(NAMESPACE, "monthsInBusiness", FactType.INTEGER, "full months since the founding date"),
        fact(
            NAMESPACE,
            "legalForm",
            FactType.STRING,
            "limited_liability_company, joint_stock_company, sole_proprietorship, partnership, "
            "individual_business or farmers_cooperative",
        ),
        fact(NAMESPACE, "status", FactType.STRING, "active, revoked or deregistered"),
        fact(NAMESPACE, "isCore", FactType.BOOLEAN, "a core enterprise of a supply chain"),
        fact(NAMESPACE, "registeredCapitalYuan", FactType.MONEY, "registered capital"),
        fact(NAMESPACE, "industryCode", FactType.STRING, "GB/T 4754 industry code, e.g. C17"),
        fact(
            NAMESPACE,
            "creditCodeAgrees",
            FactType.BOOLEAN,
            "the credit code's category digit (GB 32100) agrees with the legal form",
            nullable=True,
        ),
        fact(NAMESPACE, "shareholderCount", FactType.INTEGER, "shareholders on the register"),
    ),
    build=_build,
)
