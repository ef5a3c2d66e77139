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

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class Shareholder(Record):
    """An owner of the enterprise. A person's name is masked and only the keyed hash of their ID number is
    kept (the legal representative's ``id_number_hash`` when they are the same person); an enterprise
    shareholder has its name and credit code in clear and the keyed hash of that code."""

    kind: Literal["person", "enterprise"]
    name: str
    id_hash: KeyedHash
    credit_code: str | None = None  # enterprise shareholders only
    share_ratio: Decimal = Field(ge=0, le=1)  # the shares of a register sum to 1


class SeniorManager(Record):
    """A director, supervisor or manager as registered: name masked, ID number masked and hashed."""

    name: MaskedText
    role: str  # chairman, director, general_manager, supervisor, cfo
    id_number_masked: MaskedText
    id_number_hash: KeyedHash


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
    shareholders: tuple[Shareholder, ...] = ()
    senior_managers: tuple[SeniorManager, ...] = ()
    # The credit code's authority and kind agree with the legal form (91 enterprise, 92 individual business,
    # 93 farmers' cooperative); None when the legal form is one the check does not know.
    credit_code_agrees: bool | None = None


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
    # The holder as the grid company registered it: an enterprise's name in clear, a person's masked; and the
    # hub's keyed hash of the clear name (PersonalDataHasher.name), to compare with the registered name.
    holder_name: str | None = None
    holder_name_hash: KeyedHash | None = None
    payment_method: Literal["auto_debit", "cash"] | None = None
    contracted_capacity_kva: Decimal | None = Field(default=None, ge=0)
    supply_status: Literal["normal", "suspended"] | None = None


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
    vat_paid_yuan: Decimal | None = Field(default=None, ge=0)  # VAT + CIT <= tax paid (the rest: other taxes)
    cit_paid_yuan: Decimal | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _vat_and_cit_within_tax_paid(self) -> TaxYear:
        if (self.vat_paid_yuan or 0) + (self.cit_paid_yuan or 0) > self.tax_paid_yuan:
            raise ValueError("VAT and CIT paid exceed the tax paid")
        return self


class InvoicedMonth(Record):
    month: date
    invoiced_sales_yuan: Decimal
    invoice_count: int = Field(ge=0)


class TaxPayment(Record):
    """One payment of tax: VAT monthly (around the 15th of the following month), corporate income tax
    prepaid quarterly, other taxes now and then."""

    paid_on: date
    tax_type: Literal["vat", "cit", "other"]
    amount_yuan: Decimal = Field(ge=0)


class TaxViolation(Record):
    """A penalty decision of the tax bureau."""

    case_no: str
    decided_on: date
    kind: str  # late_filing, late_payment, invoice_irregularity, underreported_income
    penalty_yuan: Decimal = Field(ge=0)


class TaxRecord(Record):
    credit_code: str
    taxpayer_name: str
    grade: TaxGrade
    grade_year: int
    overdue_filings: int = Field(ge=0)
    years: tuple[TaxYear, ...]  # ascending
    months: tuple[InvoicedMonth, ...]  # ascending
    payments: tuple[TaxPayment, ...] = ()  # the 24 months of history, ascending
    violations: tuple[TaxViolation, ...] = ()  # the last 36 months, ascending


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
    issued_on: date | None = None  # the day it arose (its order's), on or before due_on

    @model_validator(mode="after")
    def _issued_by_due(self) -> Receivable:
        if self.issued_on is not None and self.issued_on > self.due_on:
            raise ValueError("issued after it falls due")
        return self


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
