"""The fixture firms over real HTTP: each provider serves what the fixture's name says (sandbox.fixtures).

Dates are the universe's: today 2026-11-01, history 2024-11 … 2026-10; "the last 12 months" are 2025-11 …
2026-10. Every fact is read from the providers' answers as a client would see them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

import httpx
import pytest
from defusedxml import ElementTree

from hub.profiles.registry import months_in_business
from sandbox.control import SandboxControl
from sandbox.customs_data import exporter
from sandbox.fixtures import FIXTURES, fixture_code, fixture_codes
from sandbox.universe import build_universe
from tests.sandbox.clients import LOGISTICS_HEADERS, REGISTRY_HEADERS, electricity_token, tax_get, trade_get

TODAY = date(2026, 11, 1)
LAST_12 = [f"2025-{month}" for month in ("11", "12")] + [f"2026-{month:02d}" for month in range(1, 11)]
Json = dict[str, Any]


@dataclass
class Firm:
    """Everything the providers answer about one firm, fetched once."""

    sandbox: SandboxControl
    code: str
    token: str

    @cached_property
    def registration(self) -> Json:
        url = f"{self.sandbox.urls['registry']}/v1/enterprises/{self.code}"
        body: Json = httpx.get(url, headers=REGISTRY_HEADERS).raise_for_status().json()
        return body

    @cached_property
    def accounts(self) -> list[Json]:
        base, headers = self.sandbox.urls["electricity"], {"Authorization": f"Bearer {self.token}"}
        body = httpx.get(f"{base}/api/v2/accounts", params={"creditCode": self.code}, headers=headers)
        accounts: list[Json] = body.raise_for_status().json()["accounts"]
        return accounts

    @cached_property
    def bills(self) -> list[Json]:
        base, headers = self.sandbox.urls["electricity"], {"Authorization": f"Bearer {self.token}"}
        bills: list[Json] = []
        for account in self.accounts:
            url = f"{base}/api/v2/accounts/{account['accountNo']}/consumption"
            page = httpx.get(url, params={"pageSize": "50"}, headers=headers).raise_for_status().json()
            assert page["total"] == len(page["items"])
            bills.extend(page["items"])
        return bills

    @cached_property
    def tax(self) -> Any:
        response = tax_get(
            self.sandbox.urls["tax"], f"/api/tax/v1/taxpayers/{self.code}/profile", {"years": "5"}
        )
        return ElementTree.fromstring(response.raise_for_status().content)

    @cached_property
    def payments(self) -> list[tuple[date, str, Decimal]]:
        return [
            (date.fromisoformat(item.get("date")), item.get("type"), Decimal(item.findtext("Amount")))
            for item in self.tax.iterfind("Payments/Payment")
        ]

    def _trade(self, path: str, key: str) -> list[Json]:
        items: list[Json] = []
        page = 1
        while batch := trade_get(
            self.sandbox.urls["trade"], path, {"company": self.code, "page": str(page), "page_size": "100"}
        ).json()[key]:
            items.extend(batch)
            page += 1
        return items

    @cached_property
    def orders(self) -> list[Json]:
        return self._trade("/open/v1/orders", "orders")

    @cached_property
    def receivables(self) -> list[Json]:
        return self._trade("/open/v1/receivables", "receivables")

    @cached_property
    def waybills(self) -> list[Json]:
        waybills: list[Json] = []
        params: Json = {"party": self.code, "limit": 200}
        url = f"{self.sandbox.urls['logistics']}/v1/waybills"
        while True:
            body = httpx.get(url, params=params, headers=LOGISTICS_HEADERS).raise_for_status().json()
            waybills.extend(body["data"])
            if body["next_cursor"] is None:
                return waybills
            params["cursor"] = body["next_cursor"]

    # what the lending rules read ---------------------------------------------------------------------------
    @property
    def months_in_business(self) -> int:
        return months_in_business(date.fromisoformat(self.registration["foundedOn"]), TODAY)

    def fees_paid(self, months: list[str] | None = None) -> Decimal:
        return sum(
            (Decimal(bill["paidAmount"]) for bill in self.bills if months is None or bill["month"] in months),
            Decimal(0),
        )

    def tax_paid(self, since: date, until: date = TODAY) -> Decimal:
        return sum((amount for day, _, amount in self.payments if since <= day < until), Decimal(0))

    @property
    def shipped(self) -> list[Json]:
        return [bill for bill in self.waybills if bill["shipper"]["creditCode"] == self.code]

    def freight_shares(self) -> dict[str, Decimal]:
        freight: dict[str, Decimal] = defaultdict(Decimal)
        for bill in self.shipped:
            freight[bill["consignee"]["creditCode"]] += Decimal(bill["freightFee"])
        whole = sum(freight.values(), Decimal(0))
        return {code: fee / whole for code, fee in freight.items()}


@pytest.fixture(scope="module")
def firms(sandbox: SandboxControl) -> Iterator[dict[str, Firm]]:
    token = electricity_token(sandbox.urls["electricity"])
    yield {name: Firm(sandbox, code, token) for name, code in sandbox.fixture_codes().items()}


def test_every_fixture_is_listed_by_every_provider_and_in_the_universe(sandbox: SandboxControl) -> None:
    universe = build_universe()
    expected = {fixture.name: fixture_code(universe, fixture.name) for fixture in FIXTURES}
    assert fixture_codes(universe) == expected and len(set(expected.values())) == len(FIXTURES)
    for provider in sandbox.urls:
        assert sandbox.fixture_codes(provider) == expected, provider
    listed = set(sandbox.credit_codes(limit=10_000))
    assert set(expected.values()) <= listed and len(listed) == 2000
    exporters = set(sandbox.credit_codes(limit=10_000, provider="customs"))
    for code in expected.values():
        assert not universe.by_code[code].is_core
        assert (code in exporters) == (exporter(universe, code) is not None)  # customs knows exporters only
    with pytest.raises(KeyError, match="no fixture firm 'nobody'"):
        fixture_code(universe, "nobody")


def test_every_provider_knows_every_fixture(firms: dict[str, Firm]) -> None:
    for name, firm in firms.items():
        assert firm.registration["creditCode"] == firm.code, name
        assert firm.accounts and firm.bills, name
        assert firm.tax.findtext("CreditCode") == firm.code, name
        assert firm.registration["status"] == "active", name


# electricity ------------------------------------------------------------------------------------------------
def _assert_electricity_eligible(firm: Firm, *, but: tuple[str, ...] = ()) -> None:
    """electricity-eligible's traits, but those named."""
    registration, (account,) = firm.registration, firm.accounts
    assert firm.months_in_business >= 36
    assert registration["legalForm"] == "limited_liability_company" and firm.code.startswith("91")
    if "holder" not in but:
        assert (account["holderType"], account["holderName"]) == ("enterprise", registration["name"])
    if "cash" not in but:
        assert account["paymentMethod"] == "auto_debit"
    if "suspended" not in but:
        assert account["supplyStatus"] == "normal"
    due = [bill for bill in firm.bills if bill["dueDate"] < TODAY.isoformat()]
    if "arrears" not in but:
        assert all(bill["arrears"] == "0.00" for bill in firm.bills)
        assert all(
            bill["paidAmount"] == bill["billAmount"] and bill["paidDate"] <= bill["dueDate"] for bill in due
        )
    if "history" not in but:
        assert len(firm.bills) == 24 and account["openedOn"] < "2024-11-01"
        kwh = [Decimal(bill["kwh"]) for bill in firm.bills]
        assert 0 <= sum(kwh[12:]) / sum(kwh[:12]) - 1 <= Decimal("0.15")
    if "fees" not in but:
        assert 300_000 <= firm.fees_paid() <= 900_000
    assert firm.tax.findtext("CreditGrade") == "B" and firm.tax.findtext("OverdueFilings") == "0"
    assert not firm.tax.findall("Violations/Violation")
    assert {day.strftime("%Y-%m") for day, _, _ in firm.payments} >= {"2026-08", "2026-09", "2026-10"}


def test_electricity_eligible(firms: dict[str, Firm]) -> None:
    _assert_electricity_eligible(firms["electricity-eligible"], but=())


def test_electricity_large(firms: dict[str, Firm]) -> None:
    firm = firms["electricity-large"]
    _assert_electricity_eligible(firm, but=("fees",))
    assert firm.fees_paid(LAST_12) >= 6_000_000
    assert Decimal("0.5") * sum(Decimal(bill["billAmount"]) for bill in firm.bills[-12:]) > 2_000_000


def test_electricity_arrears(firms: dict[str, Firm]) -> None:
    firm = firms["electricity-arrears"]
    _assert_electricity_eligible(firm, but=("arrears",))
    in_arrears = [bill["month"] for bill in firm.bills if Decimal(bill["arrears"]) > 0]
    # the 2026-10 bill falls due on 2026-11-15: 2026-09 is the last month whose bill has fallen due
    assert in_arrears == ["2026-07", "2026-08", "2026-09"]


def test_electricity_suspended_cash_and_small(firms: dict[str, Firm]) -> None:
    suspended, cash, small = (firms[f"electricity-{name}"] for name in ("suspended", "cash", "small"))
    _assert_electricity_eligible(suspended, but=("suspended",))
    assert suspended.accounts[0]["supplyStatus"] == "suspended"
    _assert_electricity_eligible(cash, but=("cash",))
    assert cash.accounts[0]["paymentMethod"] == "cash"
    _assert_electricity_eligible(small, but=("fees",))
    assert small.fees_paid() < 60_000


def test_electricity_holder_mismatch(firms: dict[str, Firm]) -> None:
    firm = firms["electricity-holder-mismatch"]
    _assert_electricity_eligible(firm, but=("holder",))
    (account,) = firm.accounts
    assert account["holderType"] == "person"
    assert account["holderName"] not in (
        firm.registration["name"],
        firm.registration["legalRepresentative"]["name"],
    )


def test_electricity_short_history(firms: dict[str, Firm]) -> None:
    firm = firms["electricity-short-history"]
    _assert_electricity_eligible(
        firm,
        but=(
            "history",
            "fees",
        ),
    )
    assert firm.accounts[0]["openedOn"] == "2025-12-10"
    assert [bill["month"] for bill in firm.bills] == [f"2026-{month:02d}" for month in range(1, 11)]


def test_young_firm_has_history_only_since_its_founding(firms: dict[str, Firm]) -> None:
    firm = firms["young-firm"]
    assert firm.registration["foundedOn"] == "2025-09-01" and firm.months_in_business == 14
    assert {account["openedOn"] for account in firm.accounts} == {"2025-09-01"}
    assert min(bill["month"] for bill in firm.bills) == "2025-09"
    assert len({bill["month"] for bill in firm.bills}) == 14
    assert [year.get("value") for year in firm.tax.iterfind("AnnualRecords/Year")] == ["2025"]
    months = [month.get("value") for month in firm.tax.iterfind("MonthlyInvoices/Month")]
    assert months[0] == "2025-09" and len(months) == 14
    assert firm.payments and min(day for day, _, _ in firm.payments) >= date(2025, 10, 1)
    assert firm.orders and min(order["ordered_at"] for order in firm.orders) >= "2025-09-01"
    assert firm.waybills and min(bill["shippedAt"] for bill in firm.waybills) >= "2025-09-01"


# tax --------------------------------------------------------------------------------------------------------
def _assert_tax_eligible(firm: Firm, *, grade: str = "A", but: tuple[str, ...] = ()) -> None:
    """tax-eligible's traits, but those named."""
    assert firm.tax.findtext("CreditGrade") == grade
    if "young" not in but:
        assert firm.months_in_business >= 36
    if "amount" not in but:
        assert 80_000 <= firm.tax_paid(date(2025, 11, 1)) <= 400_000
    if "recent" not in but:
        assert {day.strftime("%Y-%m") for day, _, _ in firm.payments} >= {"2026-08", "2026-09", "2026-10"}
    if "overdue" not in but:
        assert firm.tax.findtext("OverdueFilings") == "0"
    if "violation" not in but:
        assert not firm.tax.findall("Violations/Violation")
    for year in firm.tax.iterfind("AnnualRecords/Year"):
        vat, cit = (Decimal(year.findtext(tag)) for tag in ("VatPaid", "CitPaid"))
        assert 0 < vat + cit <= Decimal(year.findtext("TaxPaid"))


def test_tax_eligible_and_grades(firms: dict[str, Firm]) -> None:
    _assert_tax_eligible(firms["tax-eligible"])
    _assert_tax_eligible(firms["tax-grade-c"], grade="C")
    grade_m = firms["tax-grade-m"]
    _assert_tax_eligible(grade_m, grade="M", but=("young",))
    assert grade_m.registration["foundedOn"] == "2024-05-01" and grade_m.months_in_business == 30


def test_tax_no_recent_payment_overdue_filing_and_violation(firms: dict[str, Firm]) -> None:
    silent = firms["tax-no-recent-payment"]
    _assert_tax_eligible(silent, but=("recent",))
    assert all(day < date(2026, 8, 1) for day, _, _ in silent.payments)
    overdue = firms["tax-overdue-filing"]
    _assert_tax_eligible(overdue, but=("overdue",))
    assert int(overdue.tax.findtext("OverdueFilings")) >= 1
    penalised = firms["tax-violation"]
    _assert_tax_eligible(penalised, but=("violation",))
    (violation,) = penalised.tax.findall("Violations/Violation")
    assert date.fromisoformat(violation.get("date")) >= date(2024, 11, 1)
    assert violation.get("caseNo") and Decimal(violation.findtext("Penalty")) > 0


def test_tax_small_and_large(firms: dict[str, Firm]) -> None:
    small, large = firms["tax-small"], firms["tax-large"]
    _assert_tax_eligible(small, but=("amount",))
    assert small.tax_paid(date(2025, 11, 1)) < 20_000
    _assert_tax_eligible(large, but=("amount",))
    years = {
        year.get("value"): Decimal(year.findtext("TaxPaid"))
        for year in large.tax.iterfind("AnnualRecords/Year")
    }
    assert (years["2024"] + years["2025"]) / 2 >= 1_000_000
    assert large.tax_paid(date(2024, 11, 1)) / 2 >= 1_000_000


def test_payments_are_vat_monthly_cit_quarterly_around_the_15th(firms: dict[str, Firm]) -> None:
    payments = firms["tax-eligible"].payments
    assert payments == sorted(payments, key=lambda payment: payment[0])
    vat = [day for day, kind, _ in payments if kind == "vat"]
    cit = [day for day, kind, _ in payments if kind == "cit"]
    assert len(vat) == 24 and all(8 <= day.day <= 18 for day in vat)
    assert [day.month for day in cit] == [1, 4, 7, 10, 1, 4, 7, 10]


# trade and logistics ----------------------------------------------------------------------------------------
def test_receivable_supplier(firms: dict[str, Firm]) -> None:
    firm = firms["receivable-supplier"]
    universe = build_universe()
    mine = [item for item in firm.receivables if item["creditor_code"] == firm.code]
    assert mine and all(universe.by_code[item["debtor_code"]].is_core for item in mine)
    assert {order["buyer_code"] for order in firm.orders} == {item["debtor_code"] for item in mine}

    def days(item: Json, field: str) -> int:
        return (date.fromisoformat(item[field]) - TODAY).days

    def tenor(item: Json) -> int:
        return (date.fromisoformat(item["due_date"]) - date.fromisoformat(item["issued_date"])).days

    live = [item for item in mine if item["confirmed"] and not item["settled"]]
    financeable = [item for item in live if 30 <= days(item, "due_date") <= 180 and tenor(item) <= 183]
    assert len(financeable) >= 3
    assert any(days(item, "due_date") < 14 for item in live)
    assert any(item["settled"] for item in mine)
    assert any(not item["confirmed"] for item in mine)
    assert any(tenor(item) > 366 for item in live)
    assert any(183 < tenor(item) <= 366 and days(item, "due_date") > 14 for item in live)
    eligible: dict[str, Decimal] = defaultdict(Decimal)
    for item in live:
        if days(item, "due_date") >= 14 and tenor(item) <= 183:
            eligible[item["debtor_code"]] += Decimal(item["amount"])
    assert len(eligible) == 2 and max(eligible.values()) / sum(eligible.values()) >= Decimal("0.6")
    # every receivable arises from one of its orders, on that order's day
    orders = {order["order_no"]: order for order in firm.orders}
    for item in mine:
        assert orders[item["order_no"]]["ordered_at"] == item["issued_date"]
        assert orders[item["order_no"]]["amount"] == item["amount"]


def test_logistics_eligible(firms: dict[str, Firm]) -> None:
    firm = firms["logistics-eligible"]
    assert firm.months_in_business >= 36
    by_month = Counter(bill["shippedAt"][:7] for bill in firm.shipped)
    assert all(by_month[month] >= 4 for month in LAST_12), by_month
    shares = firm.freight_shares()
    assert len(shares) >= 5 and max(shares.values()) <= Decimal("0.4")


def test_logistics_sporadic_and_concentrated(firms: dict[str, Firm]) -> None:
    sporadic = firms["logistics-sporadic"]
    months = {bill["shippedAt"][:7] for bill in sporadic.shipped}
    assert sporadic.shipped and len(months & set(LAST_12)) <= 5
    concentrated = firms["logistics-concentrated"]
    assert max(concentrated.freight_shares().values()) >= Decimal("0.85")


# registry ------------------------------------------------------------------------------------------------
def test_code_mismatch_and_cooperative(firms: dict[str, Firm], sandbox: SandboxControl) -> None:
    mismatch = firms["code-mismatch"]
    assert mismatch.registration["legalForm"] == "limited_liability_company" and mismatch.code[:2] == "92"
    cooperative = firms["cooperative"]
    registration = cooperative.registration
    assert registration["legalForm"] == "farmers_cooperative" and cooperative.code[:2] == "93"
    assert registration["industryCode"].startswith("A") and registration["name"].endswith("专业合作社")
    buyers = {order["buyer_code"] for order in cooperative.orders if order["seller_code"] == cooperative.code}
    assert buyers
    for code in buyers:
        buyer = httpx.get(
            f"{sandbox.urls['registry']}/v1/enterprises/{code}", headers=REGISTRY_HEADERS
        ).json()
        assert buyer["isCore"] and buyer["industry"] == "food_processing"
    assert {bill["consignee"]["creditCode"] for bill in cooperative.shipped} == buyers
