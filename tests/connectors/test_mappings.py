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
    return map_electricity(CODE, accounts, {"330400000010": page["items"], "330400000011": []}, HASHER)


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
        "shareholders": (
            {
                "kind": "person",
                "name": "测**",
                "id_hash": HASHER.id_number("33040219900101123X"),
                "credit_code": None,
                "share_ratio": Decimal("0.7000"),
            },
            {
                "kind": "enterprise",
                "name": "台州明源五金股份有限公司",
                "id_hash": HASHER.credit_code("913310829MD2WB815N"),
                "credit_code": "913310829MD2WB815N",
                "share_ratio": Decimal("0.3000"),
            },
        ),
        "senior_managers": (
            {
                "name": "测**",
                "role": "general_manager",
                "id_number_masked": "330402********123x",
                "id_number_hash": HASHER.id_number("33040219900101123X"),
            },
            {
                "name": "王**",
                "role": "supervisor",
                "id_number_masked": "330402********4321",
                "id_number_hash": HASHER.id_number("330402198505054321"),
            },
        ),
        # an individual business under a 91 code: the kind digit of an enterprise
        "credit_code_agrees": False,
    }


def test_the_representative_matches_as_shareholder_and_manager_by_hash() -> None:
    record = registry_record()
    person = record.legal_representative.id_number_hash
    assert record.shareholders[0].id_hash == person == record.senior_managers[0].id_number_hash


@pytest.mark.parametrize(
    ("code", "legal_form", "agrees"),
    [
        ("9133040285WK93385D", "limited_liability_company", True),
        ("9133040285WK93385D", "individual_business", False),
        ("9233040285WK93385A", "individual_business", True),
        ("9333040285WK933857", "farmers_cooperative", True),
        ("9233040285WK93385A", "limited_liability_company", False),
    ],
)
def test_registry_checks_the_credit_codes_kind_against_the_legal_form(
    code: str, legal_form: str, agrees: bool
) -> None:
    document = {**payload("registry_enterprise.json"), "creditCode": code, "legalForm": legal_form}
    assert registry_of(document).credit_code_agrees is agrees


def test_registry_record_holds_no_clear_personal_data() -> None:
    stored = registry_record().model_dump_json()
    for clear in ("33040219900101123x", "33040219900101123X", "138 0013 8000", "13800138000"):
        assert clear not in stored
    # other people than the representative (whose name is served as registered) by masked names only
    assert "330402198505054321" not in stored and "王小明" not in stored


def test_electricity_accounts_hold_their_holder_masked_when_a_person() -> None:
    enterprise, person = electricity_record().accounts
    assert (enterprise.holder_name, enterprise.holder_name_hash) == (
        "嘉兴瑞明塑料制品有限公司",
        HASHER.name("嘉兴瑞明塑料制品有限公司"),
    )
    assert (enterprise.payment_method, enterprise.contracted_capacity_kva, enterprise.supply_status) == (
        "auto_debit",
        Decimal(250),
        "normal",
    )
    assert (person.holder_name, person.holder_name_hash) == ("王**", HASHER.name("王小明"))
    assert (person.payment_method, person.supply_status) == ("cash", "suspended")
    assert "王小明" not in electricity_record().model_dump_json()


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
    assert (record.years[2].vat_paid_yuan, record.years[2].cit_paid_yuan) == (Decimal(80000), Decimal(40000))
    assert [month.month for month in record.months] == [date(2026, 9, 1), date(2026, 10, 1)]
    assert record.months[1].invoice_count == 42


def test_tax_payments_and_violations_ascending() -> None:
    record = tax_record()
    assert [(payment.paid_on, payment.tax_type, payment.amount_yuan) for payment in record.payments] == [
        (date(2026, 4, 20), "other", Decimal("350.00")),
        (date(2026, 9, 14), "vat", Decimal("5900.00")),
        (date(2026, 10, 12), "cit", Decimal("9800.25")),
        (date(2026, 10, 15), "vat", Decimal("6100.00")),
    ]
    (violation,) = record.violations
    assert (violation.case_no, violation.decided_on, violation.kind, violation.penalty_yuan) == (
        "3304税罚〔2025〕0121号",
        date(2025, 6, 3),
        "late_filing",
        Decimal("500.00"),
    )


def test_trade_orders_newest_first_and_receivable_confirmation() -> None:
    record = trade_record()
    orders, receivables = record.orders, record.receivables
    assert [order.order_no for order in orders] == ["PO2026090102", "PO2026050601"]
    assert orders[0].amount_yuan == Decimal("56000.50") and orders[0].seller.credit_code == CODE
    assert receivables[0].confirmed and receivables[0].confirmed_on == date(2026, 5, 10)
    assert not receivables[1].confirmed and receivables[1].confirmed_on is None
    assert [receivable.issued_on for receivable in receivables] == [date(2026, 5, 6), date(2026, 9, 1)]


def test_records_of_the_older_shape_still_load() -> None:
    """Snapshots written before the new fields existed read back with their defaults."""
    registry = registry_record().model_dump(mode="json")
    for field in ("shareholders", "senior_managers", "credit_code_agrees"):
        del registry[field]
    assert RegistryRecord.model_validate(registry).shareholders == ()
    account = electricity_record().model_dump(mode="json")
    for field in (
        "holder_name",
        "holder_name_hash",
        "payment_method",
        "contracted_capacity_kva",
        "supply_status",
    ):
        del account["accounts"][0][field]
    assert ElectricityRecord.model_validate(account).accounts[0].payment_method is None
    tax = tax_record().model_dump(mode="json")
    del tax["payments"], tax["violations"], tax["years"][0]["vat_paid_yuan"], tax["years"][0]["cit_paid_yuan"]
    assert TaxRecord.model_validate(tax).payments == ()
    trade = trade_record().model_dump(mode="json")
    del trade["receivables"][0]["issued_on"]
    assert TradeRecord.model_validate(trade).receivables[0].issued_on is None


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
        "registry shareholder of no known kind",
        lambda: registry_of(_set(payload("registry_enterprise.json"), ("shareholders", 1, "kind"), "trust")),
        "shareholders[1].kind",
    ),
    (
        "registry share ratio above 1",
        lambda: registry_of(
            _set(payload("registry_enterprise.json"), ("shareholders", 0, "shareRatio"), "1.7")
        ),
        "shareholders[0].share_ratio",
    ),
    (
        "registry enterprise shareholder with a bad code",
        lambda: registry_of(
            _set(payload("registry_enterprise.json"), ("shareholders", 1, "creditCode"), "913310829MD2WB815X")
        ),
        "shareholders[1].creditCode",
    ),
    (
        "registry manager without an ID number",
        lambda: registry_of(
            _set(payload("registry_enterprise.json"), ("seniorManagers", 1, "idNumber"), KeyError)
        ),
        "seniorManagers[1].idNumber",
    ),
    (
        "registry malformed credit code",
        lambda: registry_of(_set(payload("registry_enterprise.json"), ("creditCode",), "9133040285WK93385X")),
        "creditCode",
    ),
    (
        "electricity unknown payment method",
        lambda: electricity(
            _set(payload("electricity_accounts.json"), ("accounts", 1, "paymentMethod"), "cheque"),
            payload("electricity_consumption.json"),
        ),
        "accounts[1].paymentMethod",
    ),
    (
        "electricity capacity as a number",
        lambda: electricity(
            _set(payload("electricity_accounts.json"), ("accounts", 0, "contractedCapacityKva"), 250),
            payload("electricity_consumption.json"),
        ),
        "accounts[0].contractedCapacityKva",
    ),
    (
        "electricity holder missing",
        lambda: electricity(
            _set(payload("electricity_accounts.json"), ("accounts", 0, "holderName"), KeyError),
            payload("electricity_consumption.json"),
        ),
        "accounts[0].holderName",
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
    (
        "tax VAT and CIT above the tax paid",
        lambda: map_tax(tax_xml().replace("<VatPaid>60000.00</VatPaid>", "<VatPaid>90000.00</VatPaid>")),
        "TaxpayerProfile/AnnualRecords/Year[@value=2023]",
    ),
    (
        "tax payment of no known type",
        lambda: map_tax(tax_xml().replace('type="cit"', 'type="fee"')),
        "TaxpayerProfile/Payments/Payment[1]/@type",
    ),
    (
        "tax payment without a date",
        lambda: map_tax(tax_xml().replace('<Payment date="2026-09-14"', "<Payment")),
        "TaxpayerProfile/Payments/Payment[2]/@date",
    ),
    (
        "tax payments missing",
        lambda: map_tax(tax_xml().split("<Payments>")[0] + "</TaxpayerProfile>"),
        "TaxpayerProfile/Payments",
    ),
    (
        "tax penalty not money",
        lambda: map_tax(tax_xml().replace("<Penalty>500.00</Penalty>", "<Penalty>-</Penalty>")),
        "TaxpayerProfile/Violations/Violation[0]/Penalty",
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
    (
        "trade receivable issued after it is due",
        lambda: map_trade(
            CODE,
            [],
            _set(payload("trade_receivables.json"), ("receivables", 0, "issued_date"), "2026-08-05")[
                "receivables"
            ],
        ),
        "receivables[0]",
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
