"""Logistics facts: how often and how steadily the firm ships, to how many parties, for what freight.

Counted over the firm's outbound waybills (it is the shipper) in the 12 months ending where the freight
platform's history ends; stability is the coefficient of variation of shipments a month (months without
any count as zero). Quarter on quarter compares the last 3 months' shipments with the 3 before (what an
early warning of falling shipments reads, hub.alerts).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from connectors.records import LogisticsRecord, Record
from foundation.months import month_of, window
from hub.products.facts import FactInputs, FactSet, FactType, fact
from hub.profiles import RATIO_PLACES, growth, total

NAMESPACE = "logistics"
WINDOW = 24
YEAR = 12
QUARTER = 3


def _end(record: LogisticsRecord) -> date | None:
    if record.history_end is not None:
        return month_of(record.history_end)
    return month_of(max(w.shipped_at for w in record.waybills).date()) if record.waybills else None


def months_of_history(record: Record) -> int:
    """Months from the first waybill to the end of the history, at most 24."""
    assert isinstance(record, LogisticsRecord)
    end = _end(record)
    if end is None or not record.waybills:
        return 0
    first = month_of(min(w.shipped_at for w in record.waybills).date())
    return min(WINDOW, (end.year - first.year) * 12 + end.month - first.month + 1)


def _build(inputs: FactInputs) -> dict[str, Any]:
    record: LogisticsRecord = inputs.record(NAMESPACE, LogisticsRecord)
    end = _end(record)
    year = window(end, YEAR) if end is not None else []
    months = set(year)
    outbound = [
        waybill
        for waybill in record.waybills
        if waybill.shipper.credit_code == record.credit_code and month_of(waybill.shipped_at.date()) in months
    ]
    per_month = Counter(month_of(waybill.shipped_at.date()) for waybill in outbound)
    counts = [per_month.get(month, 0) for month in year]
    mean = statistics.fmean(counts) if counts else 0.0
    freight: dict[str, Decimal] = defaultdict(Decimal)
    for waybill in outbound:
        freight[waybill.consignee.credit_code] += waybill.freight_yuan
    freight_total = total(freight.values())
    quarter = sum(counts[-QUARTER:])
    previous_quarter = sum(counts[-2 * QUARTER : -QUARTER])
    return {
        "latestMonth": f"{end:%Y-%m}" if end is not None else None,
        "shipmentsLast3m": quarter,
        "shipmentsPrevious3m": previous_quarter,
        "shipmentsQoq": growth(quarter, previous_quarter),
        "monthsOfHistory": months_of_history(record),
        "shipments12m": len(outbound),
        "activeMonths12": sum(1 for count in counts if count),
        "shipmentsCv12": round(statistics.pstdev(counts) / mean, RATIO_PLACES) if mean else None,
        "consignees12m": len(freight),
        "topConsigneeShare12m": round(float(max(freight.values()) / freight_total), RATIO_PLACES)
        if freight_total
        else None,
        "freight12mYuan": freight_total,
        "weight12mKg": total(waybill.weight_kg for waybill in outbound),
    }


_L = NAMESPACE
FACTS = FactSet(
    namespace=NAMESPACE,
    source=NAMESPACE,
    definitions=(
        fact(_L, "monthsOfHistory", FactType.INTEGER, "months from the first waybill, at most 24"),
        fact(_L, "shipments12m", FactType.INTEGER, "waybills shipped by the firm in the last 12 months"),
        fact(_L, "activeMonths12", FactType.INTEGER, "of the last 12 months, those with a shipment"),
        fact(
            _L,
            "shipmentsCv12",
            FactType.NUMBER,
            "standard deviation ÷ mean of shipments a month over the last 12 (lower is steadier)",
            nullable=True,
        ),
        fact(_L, "consignees12m", FactType.INTEGER, "distinct consignees in the last 12 months"),
        fact(
            _L,
            "topConsigneeShare12m",
            FactType.NUMBER,
            "the largest consignee's share of the freight",
            nullable=True,
        ),
        fact(_L, "freight12mYuan", FactType.MONEY, "freight of the last 12 months' shipments"),
        fact(_L, "weight12mKg", FactType.NUMBER, "weight shipped in the last 12 months, kg"),
        fact(_L, "latestMonth", FactType.STRING, "the month the history ends (YYYY-MM)", nullable=True),
        fact(_L, "shipmentsLast3m", FactType.INTEGER, "waybills shipped in the last 3 months"),
        fact(_L, "shipmentsPrevious3m", FactType.INTEGER, "waybills shipped in the 3 months before"),
        fact(
            _L,
            "shipmentsQoq",
            FactType.NUMBER,
            "shipments of the last 3 months against the 3 before (−0.5: halved)",
            nullable=True,
        ),
    ),
    build=_build,
    history=months_of_history,
)
