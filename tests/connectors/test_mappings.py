"""Table-driven tests of the pure mappings on recorded payloads (tests/connectors/payloads/)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.electricity import map_electricity
from connectors.logistics import map_waybills
from connectors.records import (
    ElectricityRecord,
    LogisticsRecord,
    Record,
    RegistryRecord,
    TaxRecord,
    TradeRecord,
)
from connectors.registry_source import map_registry
from connectors.tax import map_tax
from connectors.trade import map_trade
from foundation.errors import UpstreamPayloadError
from tests.connectors.conftest import HASHER

PAYLOADS = Path(__file__).parent / "payloads"
CODE = "9133040285WK93385D"


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def tax_xml() -> str:
    return (PAYLOADS / "tax_profile.xml").read_text(encoding="utf-8")


def registry_of(document: Any) -> RegistryRecord:
    return map_registry(document, HASHER)


def electricity(accounts: Any, page: Any) -> ElectricityRecord:
    return map_electricity(CODE, accounts, {"330400000010": page["items"], "330400000011": []})


def registry_record() -> RegistryRecord:
    return registry_of(payload("registry_enterprise.json"))


def electricity_record() -> ElectricityRecord:
    return electricity(payload("electricity_accounts.json"), payload("electricity_consumption.json"))


def logistics_record() -> LogisticsRecord:
    return map_waybills(CODE, payload("logistics_waybills.json")["data"])


def tax_record() -> TaxRecord:
    return map_tax(tax_xml())


def trade_record() -> TradeRecord:
    return map_trade(
        CODE, payload("trade_orders.json")["orders"], payload("trade_receivables.json")["receivables"]
    )


MAPPINGS: dict[str, Callable[[], Record]] = {
    "registry": registry_record,
    "electricity": electricity_record,
    "logistics": logistics_record,
    "tax": tax_record,
    "trade": trade_record,
}


def test_registry_maps_money_dates_and_representative() -> None:
    record = registry_record()
    assert record.model_dump() == {
        "credit_code": CODE,
        "name": "嘉兴瑞明塑料制品有限公司",
        "legal_form": "individual_business",
        "registered_capital_yuan": Decimal("300000.00"),
        "founded_on": date(2020, 5, 4),
        "industry": "plastics",
        "industry_code": "C29",
        "address": "浙江省嘉兴市南湖区建设路1452号",
        "status": "active",
        "legal_representative": {
            "name": "测试人",
            "id_number_masked": "330402********123x",
            "phone_masked": "138******8000",
            "id_number_hash": HASHER.id_number("33040219900101123X"),
            "phone_hash": HASHER.phone("13800138000"),
        },
        "is_core": False,
    }


def test_registry_record_holds_no_clear_personal_data() -> None:
    stored = registry_record().model_dump_json()
    for clear in ("33040219900101123x", "33040219900101123X", "138 0013 8000", "13800138000"):
        assert clear not in stored


def test_electricity_months_are_first_days_with_arrears_and_unpaid_bills() -> None:
    record = electricity_record()
    assert [account.account_no for account in record.accounts] == ["330400000010", "330400000011"]
    months = record.months
    assert [month.month for month in months] == [date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1)]
    assert months[0].kwh == Decimal("97609.4") and months[0].bill_yuan == Decimal("83163.21")
    assert months[2].paid_on is None and months[2].arrears_yuan == Decimal("40458.62")


def test_logistics_waybills_newest_first_with_aware_timestamps() -> None:
    record = logistics_record()
    waybills = record.waybills
    assert [waybill.waybill_no for waybill in waybills] == ["WB20261028010100331", "WB20261027010100321"]
    assert waybills[0].shipped_at == datetime(2026, 10, 31, 16, 45, tzinfo=UTC)
    assert waybills[0].delivered_at is None and waybills[0].status == "in_transit"
    assert waybills[1].weight_kg == Decimal("1345.0") and waybills[1].freight_yuan == Decimal("807.00")
    assert waybills[1].consignee.credit_code == "913310829MD2WB815N"


def test_tax_years_and_months_ascending() -> None:
    record = tax_record()
    assert (record.grade, record.grade_year, record.overdue_filings) == ("B", 2025, 1)
    assert [year.year for year in record.years] == [2023, 2024, 2025]
    assert record.years[2].tax_paid_yuan == Decimal("123456.78")
    assert [month.month for month in record.months] == [date(2026, 9, 1), date(2026, 10, 1)]
    assert record.months[1].invoice_count == 42


def test_trade_orders_newest_first_and_receivable_confirmation() -> None:
    record = trade_record()
    orders, receivables = record.orders, record.receivables
    assert [order.order_no for order in orders] == ["PO2026090102", "PO2026050601"]
    assert orders[0].amount_yuan == Decimal("56000.50") and orders[0].seller.credit_code == CODE
    assert receivables[0].confirmed and receivables[0].confirmed_on == date(2026, 5, 10)
    assert not receivables[1].confirmed and receivables[1].confirmed_on is None


@pytest.mark.parametrize("source", sorted(MAPPINGS))
def test_records_round_trip_through_json(source: str) -> None:
    record = MAPPINGS[source]()
    assert type(record).model_validate(json.loads(record.model_dump_json())) == record


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    broken = copy.deepcopy(document)
    target = broken
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return broken


# (case, mapping of a broken payload, field the error must name)
BROKEN: list[tuple[str, Callable[[], Record], str]] = [
    (
        "registry money as float",
        lambda: registry_of(_set(payload("registry_enterprise.json"), ("registeredCapital",), 300000.0)),
        "registeredCapital",
    ),
    (
        "registry missing name",
        lambda: registry_of(_set(payload("registry_enterprise.json"), ("name",), KeyError)),
        "name",
    ),
    (
        "registry unknown status",
        lambda: registry_of(_set(payload("registry_enterprise.json"), ("status",), "dormant")),
        "status",
    ),
    (
        "registry foreign currency",
        lambda: registry_of(_set(payload("registry_enterprise.json"), ("currency",), "USD")),
        "currency",
    ),
    (
        "registry representative not an object",
        lambda: registry_of(_set(payload("registry_enterprise.json"), ("legalRepresentative",), "王伟")),
        "legalRepresentative",
    ),
    (
        "electricity bad month",
        lambda: electricity(
            payload("electricity_accounts.json"),
            _set(payload("electricity_consumption.json"), ("items", 1, "month"), "2024/12"),
        ),
        "330400000010.items[1].month",
    ),
    (
        "electricity negative kWh",
        lambda: electricity(
            payload("electricity_accounts.json"),
            _set(payload("electricity_consumption.json"), ("items", 0, "kwh"), "-5.0"),
        ),
        "330400000010.items[0].kwh",
    ),
    (
        "electricity accounts not a list",
        lambda: electricity({"accounts": {}}, payload("electricity_consumption.json")),
        "accounts",
    ),
    (
        "logistics timestamp without zone",
        lambda: map_waybills(
            CODE,
            _set(payload("logistics_waybills.json"), ("data", 0, "shippedAt"), "2026-10-29T16:00:00")["data"],
        ),
        "data[0].shippedAt",
    ),
    (
        "logistics not-a-number fee",
        lambda: map_waybills(
            CODE, _set(payload("logistics_waybills.json"), ("data", 1, "freightFee"), "NaN")["data"]
        ),
        "data[1].freightFee",
    ),
    (
        "logistics shipper missing",
        lambda: map_waybills(
            CODE, _set(payload("logistics_waybills.json"), ("data", 1, "shipper"), KeyError)["data"]
        ),
        "data[1].shipper",
    ),
    (
        "tax unknown grade",
        lambda: map_tax(tax_xml().replace(">B</CreditGrade>", ">E</CreditGrade>")),
        "TaxpayerProfile/CreditGrade",
    ),
    (
        "tax bad money",
        lambda: map_tax(tax_xml().replace("<TaxPaid>98000.00</TaxPaid>", "<TaxPaid>lots</TaxPaid>")),
        "TaxpayerProfile/AnnualRecords/Year[@value=2023]/TaxPaid",
    ),
    (
        "tax missing invoice count",
        lambda: map_tax(tax_xml().replace("<InvoiceCount>39</InvoiceCount>", "")),
        "TaxpayerProfile/MonthlyInvoices/Month[@value=2026-09]/InvoiceCount",
    ),
    ("tax not XML", lambda: map_tax("<TaxpayerProfile><CreditCode>"), "body"),
    ("tax error document", lambda: map_tax("<Error><Code>x</Code></Error>"), "body"),
    (
        "trade unknown order status",
        lambda: map_trade(
            CODE, _set(payload("trade_orders.json"), ("orders", 0, "status"), "lost")["orders"], []
        ),
        "orders[0].status",
    ),
    (
        "trade confirmed flag as text",
        lambda: map_trade(
            CODE,
            [],
            _set(payload("trade_receivables.json"), ("receivables", 1, "confirmed"), "no")["receivables"],
        ),
        "receivables[1].confirmed",
    ),
]


@pytest.mark.parametrize(("case", "mapping", "field"), BROKEN, ids=[case for case, _, _ in BROKEN])
def test_malformed_payload_names_source_and_field(
    case: str, mapping: Callable[[], Record], field: str
) -> None:
    with pytest.raises(UpstreamPayloadError) as raised:
        mapping()
    assert raised.value.field == field
    assert raised.value.code == "SOURCE_UNAVAILABLE"
    assert field in raised.value.message


def test_tax_refuses_entity_expansion() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE TaxpayerProfile [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<TaxpayerProfile><CreditCode>&b;</CreditCode></TaxpayerProfile>"
    )
    with pytest.raises(UpstreamPayloadError) as raised:
        map_tax(bomb)
    assert raised.value.field == "body"
