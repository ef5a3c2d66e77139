"""Hand-made records of one firm for the assessment unit tests: an eligible electricity borrower."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.records import (
    ElectricityAccount,
    ElectricityMonth,
    ElectricityRecord,
    InvoicedMonth,
    LegalRepresentative,
    RegistryRecord,
    TaxPayment,
    TaxRecord,
    TaxYear,
)
from foundation.months import shift_months
from hub.products.assessment import FirmInputs
from hub.sources.permitted import SourceInput

CODE = "91330100MA27XL0K3Y"
NAME = "杭州华兴纺织有限公司"
AS_OF = datetime(2026, 11, 15, 8, 0, tzinfo=UTC)
LAST_MONTH = date(2026, 10, 1)


def name_hash(text: str) -> str:
    return "hmac-sha256:" + hashlib.sha256(f"name:{text}".encode()).hexdigest()


def registry(founded_on: date = date(2015, 3, 1), **changes: Any) -> RegistryRecord:
    representative = LegalRepresentative(
        name="王伟",
        id_number_masked="3301**********1234",
        phone_masked="138****5678",
        id_number_hash="hmac-sha256:" + "1" * 64,
        phone_hash="hmac-sha256:" + "2" * 64,
    )
    record = RegistryRecord(
        credit_code=CODE,
        name=NAME,
        legal_form="limited_liability_company",
        registered_capital_yuan=Decimal("1000000.00"),
        founded_on=founded_on,
        industry="textiles",
        industry_code="C17",
        address="浙江省杭州市人民路1号",
        status="active",
        legal_representative=representative,
        is_core=False,
        credit_code_agrees=True,
    )
    return record.model_copy(update=changes)


def account(**changes: Any) -> ElectricityAccount:
    base = ElectricityAccount(
        account_no="330100000001",
        address="浙江省杭州市人民路1号",
        voltage_level="10kV",
        opened_on=date(2016, 1, 1),
        holder_name=NAME,
        holder_name_hash=name_hash(NAME),
        payment_method="auto_debit",
        contracted_capacity_kva=Decimal("400"),
        supply_status="normal",
    )
    return base.model_copy(update=changes)


def electricity(
    months: int = 24,
    *,
    bill: str = "21012.34",
    kwh: str = "3000",
    arrears_in: frozenset[int] = frozenset(),
    **account_changes: Any,
) -> ElectricityRecord:
    """``months`` monthly bills ending at LAST_MONTH, each paid on time unless its offset (0 = the last
    month) is in ``arrears_in``."""
    bills = []
    for offset in range(months - 1, -1, -1):
        month = shift_months(LAST_MONTH, -offset)
        unpaid = offset in arrears_in
        due = month.replace(day=15) + timedelta(days=30)
        bills.append(
            ElectricityMonth(
                account_no="330100000001",
                month=month,
                kwh=Decimal(kwh),
                bill_yuan=Decimal(bill),
                paid_yuan=Decimal(0) if unpaid else Decimal(bill),
                due_on=due,
                paid_on=None if unpaid else due - timedelta(days=3),
                arrears_yuan=Decimal(bill) if unpaid else Decimal(0),
            )
        )
    return ElectricityRecord(credit_code=CODE, accounts=(account(**account_changes),), months=tuple(bills))


def tax(grade: str = "A") -> TaxRecord:
    months = [shift_months(LAST_MONTH, -offset) for offset in range(23, -1, -1)]
    return TaxRecord(
        credit_code=CODE,
        taxpayer_name=NAME,
        grade=grade,
        grade_year=2025,
        overdue_filings=0,
        years=(
            TaxYear(year=2024, tax_paid_yuan=Decimal("98000.10"), invoiced_sales_yuan=Decimal("4000000")),
            TaxYear(year=2025, tax_paid_yuan=Decimal("102000.20"), invoiced_sales_yuan=Decimal("4200000")),
        ),
        months=tuple(
            InvoicedMonth(month=month, invoiced_sales_yuan=Decimal("350000"), invoice_count=40)
            for month in months
        ),
        payments=tuple(
            TaxPayment(paid_on=month.replace(day=15), tax_type="vat", amount_yuan=Decimal("8500.01"))
            for month in months
        ),
    )


def read(source: str, record: Any, *, age_days: int = 1, code: str = CODE) -> SourceInput:
    digest = hashlib.sha256(repr(record).encode()).hexdigest()
    return SourceInput(source, code, "available", record, digest, AS_OF - timedelta(days=age_days))


def firm(**sources: SourceInput | Any) -> FirmInputs:
    """The firm's inputs: each keyword a source, its value a record (read a day ago) or a SourceInput."""
    reads = {
        name: value if isinstance(value, SourceInput) else read(name, value)
        for name, value in sources.items()
    }
    return FirmInputs(CODE, reads)


def withheld(source: str) -> SourceInput:
    return SourceInput(source, CODE, "withheld", withheld_for="consent")


def unavailable(source: str) -> SourceInput:
    return SourceInput(source, CODE, "unavailable")


def not_found(source: str) -> SourceInput:
    return SourceInput(source, CODE, "not_found")
