"""Hand-made records of a few firms for the verification unit tests."""

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
    LogisticsRecord,
    Order,
    Party,
    Receivable,
    RegistryRecord,
    Shareholder,
    TaxRecord,
    TradeRecord,
    Waybill,
)
from foundation.months import shift_months
from hub.sources.permitted import SourceInput
from hub.verification.inputs import VerificationInputs

END = date(2026, 10, 31)
LAST = date(2026, 10, 1)
AS_OF = date(2026, 11, 15)
A, B, C, D = (
    "91330100MA27XL0K3Y",
    "91330102MA2B0C1D2E",
    "91330103MA3C4D5E6F",
    "91330104MA4D5E6F7G",
)


def months(count: int = 24) -> list[date]:
    return [shift_months(LAST, -offset) for offset in range(count - 1, -1, -1)]


def keyed(kind: str, tag: str) -> str:
    """A keyed hash as the hub keeps them (any 64 hex digits): one per (kind, tag)."""
    return "hmac-sha256:" + hashlib.sha256(f"{kind}:{tag}".encode()).hexdigest()


def registry(
    code: str,
    *,
    person: str = "",
    phone: str = "",
    address: str = "",
    industry: str = "C17",
    **changes: Any,
) -> RegistryRecord:
    """A firm whose legal representative (also its only shareholder) is ``person`` (default: its own)."""
    who = person or code
    record = RegistryRecord(
        credit_code=code,
        name=f"firm {code[-4:]}",
        legal_form="limited_liability_company",
        registered_capital_yuan=Decimal("1000000"),
        founded_on=date(2015, 1, 1),
        industry="textiles",
        industry_code=industry,
        address=address or f"浙江省杭州市人民路{code[-3:]}号",
        status="active",
        legal_representative=LegalRepresentative(
            name="王伟",
            id_number_masked="3301**********1234",
            phone_masked="138****5678",
            id_number_hash=keyed("id", who),
            phone_hash=keyed("phone", phone or code),
        ),
        is_core=False,
        shareholders=(
            Shareholder(kind="person", name="王**", id_hash=keyed("id", who), share_ratio=Decimal(1)),
        ),
    )
    return record.model_copy(update=changes)


def order(number: str, seller: str, buyer: str, on: date, amount: str, status: str = "completed") -> Order:
    return Order(
        order_no=number,
        buyer=Party(credit_code=buyer, name="b"),
        seller=Party(credit_code=seller, name="s"),
        amount_yuan=Decimal(amount),
        ordered_on=on,
        status=status,
    )


def monthly_sales(code: str, seller: str, buyer: str, amount: str, count: int = 12) -> list[Order]:
    """One order a month from ``seller`` to ``buyer`` over the last ``count`` months."""
    return [
        order(f"{code}-{index}", seller, buyer, month.replace(day=10), amount)
        for index, month in enumerate(months(count))
    ]


def trade(code: str, orders: list[Order], receivables: list[Receivable] | None = None) -> TradeRecord:
    return TradeRecord(
        credit_code=code, orders=tuple(orders), receivables=tuple(receivables or ()), history_end=END
    )


def receivable(number: str, creditor: str, debtor: str, amount: str, due: date) -> Receivable:
    return Receivable(
        receivable_no=number,
        order_no="PO-" + number,
        creditor_code=creditor,
        debtor_code=debtor,
        amount_yuan=Decimal(amount),
        due_on=due,
        confirmed=True,
        confirmed_on=due - timedelta(days=60),
        settled=False,
        issued_on=due - timedelta(days=90),
    )


def waybill(number: str, shipper: str, consignee: str, on: date) -> Waybill:
    shipped = datetime(on.year, on.month, on.day, 9, tzinfo=UTC)
    return Waybill(
        waybill_no=number,
        shipper=Party(credit_code=shipper, name="s"),
        consignee=Party(credit_code=consignee, name="c"),
        origin="杭州市",
        destination="宁波市",
        weight_kg=Decimal("100"),
        freight_yuan=Decimal("300"),
        shipped_at=shipped,
        delivered_at=shipped + timedelta(days=1),
        status="delivered",
    )


def logistics(code: str, waybills: list[Waybill]) -> LogisticsRecord:
    return LogisticsRecord(credit_code=code, waybills=tuple(waybills), history_end=END)


def tax(code: str, sales: list[str]) -> TaxRecord:
    """Invoiced sales of the last ``len(sales)`` months, oldest first."""
    return TaxRecord(
        credit_code=code,
        taxpayer_name="t",
        grade="A",
        grade_year=2025,
        overdue_filings=0,
        years=(),
        months=tuple(
            InvoicedMonth(month=month, invoiced_sales_yuan=Decimal(value), invoice_count=10)
            for month, value in zip(months(len(sales)), sales, strict=True)
        ),
    )


def electricity(code: str, kwh: list[str]) -> ElectricityRecord:
    account = ElectricityAccount(
        account_no="1", address="x", voltage_level="10kV", opened_on=date(2015, 1, 1)
    )
    return ElectricityRecord(
        credit_code=code,
        accounts=(account,),
        months=tuple(
            ElectricityMonth(
                account_no="1",
                month=month,
                kwh=Decimal(value),
                bill_yuan=Decimal(value),
                paid_yuan=Decimal(value),
                due_on=month + timedelta(days=40),
                paid_on=month + timedelta(days=35),
                arrears_yuan=Decimal(0),
            )
            for month, value in zip(months(len(kwh)), kwh, strict=True)
        ),
    )


def read(source: str, code: str, record: Any) -> SourceInput:
    # A content hash names the content (the trade-edges memo relies on it), as the read path's does.
    digest = hashlib.sha256(repr(record).encode()).hexdigest()
    return SourceInput(source, code, "available", record, digest, datetime(2026, 11, 1, tzinfo=UTC))


def withheld(source: str, code: str) -> SourceInput:
    return SourceInput(source, code, "withheld", withheld_for="consent")


def inputs(code: str = A, others: dict[tuple[str, str], Any] | None = None, **own: Any) -> VerificationInputs:
    reads = {
        source: value if isinstance(value, SourceInput) else read(source, code, value)
        for source, value in own.items()
    }
    other_reads = {
        key: value if isinstance(value, SourceInput) else read(key[0], key[1], value)
        for key, value in (others or {}).items()
    }
    return VerificationInputs(code, reads, other_reads)
