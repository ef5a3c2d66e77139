"""Typed, validated records: what every connector hands to the hub. No raw payload goes past a connector.

Money is ``Decimal`` in yuan, energy in kWh, weight in kg, months are the first day of the month. Records
are frozen pydantic models so the same type validates mapping output, serialises to snapshots and cache
(``model_dump(mode="json")``) and reads back (``model_validate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from connectors.personal_data import KeyedHash, MaskedText


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# registry ------------------------------------------------------------------------------------------------
class LegalRepresentative(Record):
    """Only what the hub serves (masked) and keyed hashes to match people by (connectors.personal_data):
    the clear ID number and phone never get into a record, so never into the cache or a snapshot."""

    name: str
    id_number_masked: MaskedText
    phone_masked: MaskedText
    id_number_hash: KeyedHash
    phone_hash: KeyedHash


class RegistryRecord(Record):
    credit_code: str
    name: str
    legal_form: str
    registered_capital_yuan: Decimal
    founded_on: date
    industry: str
    industry_code: str
    address: str
    status: Literal["active", "revoked", "deregistered"]
    legal_representative: LegalRepresentative
    is_core: bool


# electricity ---------------------------------------------------------------------------------------------
class ElectricityMonth(Record):
    account_no: str
    month: date
    kwh: Decimal = Field(ge=0)
    bill_yuan: Decimal = Field(ge=0)
    paid_yuan: Decimal = Field(ge=0)
    due_on: date
    paid_on: date | None
    arrears_yuan: Decimal = Field(ge=0)


class ElectricityAccount(Record):
    account_no: str
    address: str
    voltage_level: str
    opened_on: date


class ElectricityRecord(Record):
    credit_code: str
    accounts: tuple[ElectricityAccount, ...]
    months: tuple[ElectricityMonth, ...]  # every account's months, by month then account


# logistics -----------------------------------------------------------------------------------------------
class Party(Record):
    credit_code: str
    name: str


class Waybill(Record):
    waybill_no: str
    shipper: Party
    consignee: Party
    origin: str
    destination: str
    weight_kg: Decimal = Field(ge=0)
    freight_yuan: Decimal = Field(ge=0)
    shipped_at: datetime
    delivered_at: datetime | None
    status: Literal["delivered", "in_transit"]


class LogisticsRecord(Record):
    credit_code: str
    waybills: tuple[Waybill, ...]  # newest first
    # The day the fetched history ends: months after the last waybill up to it had no shipments.
    history_end: date | None = None


# tax -----------------------------------------------------------------------------------------------------
TaxGrade = Literal["A", "B", "M", "C", "D"]


class TaxYear(Record):
    year: int
    tax_paid_yuan: Decimal
    invoiced_sales_yuan: Decimal


class InvoicedMonth(Record):
    month: date
    invoiced_sales_yuan: Decimal
    invoice_count: int = Field(ge=0)


class TaxRecord(Record):
    credit_code: str
    taxpayer_name: str
    grade: TaxGrade
    grade_year: int
    overdue_filings: int = Field(ge=0)
    years: tuple[TaxYear, ...]  # ascending
    months: tuple[InvoicedMonth, ...]  # ascending


# trade ---------------------------------------------------------------------------------------------------
class Order(Record):
    order_no: str
    buyer: Party
    seller: Party
    amount_yuan: Decimal = Field(ge=0)
    ordered_on: date
    status: Literal["completed", "shipped", "open", "cancelled"]


class Receivable(Record):
    receivable_no: str
    order_no: str
    creditor_code: str
    debtor_code: str
    amount_yuan: Decimal = Field(ge=0)
    due_on: date
    confirmed: bool
    confirmed_on: date | None
    settled: bool


class TradeRecord(Record):
    credit_code: str
    orders: tuple[Order, ...]  # newest first
    receivables: tuple[Receivable, ...]
    # The day the fetched history ends: months after the last order up to it had no orders.
    history_end: date | None = None


R = TypeVar("R", bound=Record)


@dataclass(frozen=True, slots=True)
class Fetched(Generic[R]):
    """A record as the read path returns it, with where and when it came from."""

    source: str
    credit_code: str
    record: R
    fetched_at: datetime
    stale: bool
    content_hash: str
