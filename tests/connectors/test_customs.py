"""The customs connector: the shared battery against its sandbox gateway (private_key_jwt, offset paging),
and its mapping of broken payloads, each error naming the provider's field."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from joserfc.jwk import ECKey

from connectors import customs
from connectors.customs import map_customs
from connectors.source import Source
from connectors.testing import SourceBattery
from foundation.errors import UpstreamPayloadError

EXPORTER = "9133040285WK93385D"  # the battery's usual firm exports too (with low FX receipts)


class TestCustoms(SourceBattery):
    source: ClassVar[Source[Any]] = customs.source
    credit_code = EXPORTER
    facts: ClassVar[dict[str, Any]] = {"declarations": 312, "receipts": 24}
    # A well-formed key the gateway has not registered for the client.
    wrong_credentials: ClassVar[dict[str, str]] = {
        "client_id": "hub-sandbox",
        "private_key": json.dumps(ECKey.generate_key("P-256", private=True).as_dict(private=True)),
    }


def declaration(**overrides: Any) -> dict[str, Any]:
    item = {
        "declarationNo": "310420250000120007",
        "declaredOn": "2025-03-04",
        "tradeMode": {"code": "0110", "name": "一般贸易"},
        "hsCode": "6109100021",
        "goodsName": "棉制针织T恤衫",
        "destinationCountry": "US",
        "portOfExit": "宁波舟山港",
        "fobUsd": "23456.78",
        "exchangeRate": "7.1234",
        "fobCny": "167092.03",
        "quantity": "7210",
        "unit": "件",
    }
    return {**item, **overrides}


RECEIPT = {
    "month": "2025-03",
    "receivedUsd": "20512.40",
    "exchangeRate": "7.1190",
    "receivedCny": "146027.78",
}


def test_a_declaration_and_a_receipt_map_to_money_to_the_fen() -> None:
    record = map_customs(EXPORTER, [declaration()], [RECEIPT])
    [mapped] = record.declarations
    assert (mapped.fob_usd, mapped.fob_cny, mapped.hs_chapter) == (
        Decimal("23456.78"),
        Decimal("167092.03"),
        "61",
    )
    assert record.receipts[0].received_cny == Decimal("146027.78")


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (declaration(fobUsd="lots"), "declarations[0].fobUsd"),
        (declaration(tradeMode={"code": "1234", "name": "?"}), "declarations[0].tradeMode.code"),
        (declaration(declaredOn="yesterday"), "declarations[0].declaredOn"),
        (declaration(hsCode=None), "declarations[0].hsCode"),
    ],
)
def test_a_broken_declaration_names_its_field(item: dict[str, Any], field: str) -> None:
    with pytest.raises(UpstreamPayloadError) as raised:
        map_customs(EXPORTER, [item], [])
    assert raised.value.field == field


def test_a_broken_receipt_names_its_field() -> None:
    with pytest.raises(UpstreamPayloadError) as raised:
        map_customs(EXPORTER, [], [{**RECEIPT, "month": "March"}])
    assert raised.value.field == "fx-receipts[0].month"
