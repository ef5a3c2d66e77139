"""Logistics profile: shipments and freight per month and the enterprise's main shipping counterparties."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from connectors.records import LogisticsRecord, Waybill
from foundation.months import month_of, window
from hub.profiles import total

MAX_MONTHS = 24
TOP_COUNTERPARTIES = 10

ShippingRole = Literal["consignee", "shipper"]


@dataclass(frozen=True, slots=True)
class LogisticsMonth:
    month: date
    shipments: int
    outbound: int
    inbound: int
    weight_kg: Decimal
    freight_yuan: Decimal


@dataclass(frozen=True, slots=True)
class ShippingCounterparty:
    """A firm the enterprise ships to (``consignee``) or receives from (``shipper``)."""

    credit_code: str
    name: str
    role: ShippingRole
    shipments: int
    weight_kg: Decimal
    freight_yuan: Decimal
    first_shipped_on: date
    last_shipped_on: date


@dataclass(frozen=True, slots=True)
class LogisticsProfile:
    credit_code: str
    as_of_month: date | None
    months: tuple[LogisticsMonth, ...]
    waybills: tuple[Waybill, ...]  # in the window, newest first
    shipments: int
    freight_yuan: Decimal
    top_counterparties: tuple[ShippingCounterparty, ...]


def counterparty_of(credit_code: str, waybill: Waybill) -> tuple[str, str, ShippingRole]:
    """The other party of a waybill and its role relative to ``credit_code``."""
    if waybill.shipper.credit_code == credit_code:
        return waybill.consignee.credit_code, waybill.consignee.name, "consignee"
    return waybill.shipper.credit_code, waybill.shipper.name, "shipper"


def shipping_counterparties(credit_code: str, waybills: tuple[Waybill, ...]) -> list[ShippingCounterparty]:
    """Every counterparty with its volumes, most shipments first (then most freight, then code)."""
    grouped: dict[tuple[str, ShippingRole], list[Waybill]] = defaultdict(list)
    names: dict[str, str] = {}
    for waybill in waybills:
        code, name, role = counterparty_of(credit_code, waybill)
        grouped[code, role].append(waybill)
        names[code] = name
    parties = [
        ShippingCounterparty(
            credit_code=code,
            name=names[code],
            role=role,
            shipments=len(group),
            weight_kg=total(waybill.weight_kg for waybill in group),
            freight_yuan=total(waybill.freight_yuan for waybill in group),
            first_shipped_on=min(waybill.shipped_at for waybill in group).date(),
            last_shipped_on=max(waybill.shipped_at for waybill in group).date(),
        )
        for (code, role), group in grouped.items()
    ]
    return sorted(parties, key=lambda party: (-party.shipments, -party.freight_yuan, party.credit_code))


def logistics_profile(record: LogisticsRecord, months: int) -> LogisticsProfile:
    """The profile over the last ``months`` (1..24) months up to the end of the fetched history.

    Months after the last waybill count as months without shipments: a firm that stopped shipping shows it.
    """
    if record.history_end is not None:
        as_of = month_of(record.history_end)
    elif record.waybills:
        as_of = month_of(max(waybill.shipped_at for waybill in record.waybills).date())
    else:
        return LogisticsProfile(record.credit_code, None, (), (), 0, Decimal(0), ())
    period = window(as_of, months)
    in_window = tuple(
        waybill
        for waybill in sorted(record.waybills, key=lambda waybill: waybill.shipped_at, reverse=True)
        if month_of(waybill.shipped_at.date()) >= period[0]
    )
    by_month: dict[date, list[Waybill]] = defaultdict(list)
    for waybill in in_window:
        by_month[month_of(waybill.shipped_at.date())].append(waybill)
    series = tuple(
        LogisticsMonth(
            month=month,
            shipments=len(by_month[month]),
            outbound=sum(1 for w in by_month[month] if w.shipper.credit_code == record.credit_code),
            inbound=sum(1 for w in by_month[month] if w.shipper.credit_code != record.credit_code),
            weight_kg=total(w.weight_kg for w in by_month[month]),
            freight_yuan=total(w.freight_yuan for w in by_month[month]),
        )
        for month in period
    )
    return LogisticsProfile(
        credit_code=record.credit_code,
        as_of_month=as_of,
        months=series,
        waybills=in_window,
        shipments=len(in_window),
        freight_yuan=total(waybill.freight_yuan for waybill in in_window),
        top_counterparties=tuple(shipping_counterparties(record.credit_code, in_window)[:TOP_COUNTERPARTIES]),
    )
