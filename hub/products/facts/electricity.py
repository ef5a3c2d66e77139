"""Electricity facts: what the grid company's bills say about the firm's activity and payment habits.

Windows end at the latest month the grid company reports. Utilisation is that month's kWh against the
peak of the twelve before it; growth compares the last twelve months' kWh with the twelve before. A month's
usage against the mean of the three months before it, for the latest month and the one before, is what an
early warning of falling usage reads (hub.alerts); arrears running count back from the latest bill that
fell due (a bill not yet due is neither paid nor in arrears).
"""

from __future__ import annotations

import statistics
from datetime import date
from decimal import Decimal
from typing import Any

from connectors.records import ElectricityRecord, Record, RegistryRecord
from foundation.months import shift_months, window
from hub.products.facts import FactInputs, FactSet, FactType, fact
from hub.profiles import growth, ratio, total
from hub.profiles.derived import derived
from hub.profiles.electricity import ElectricityMonthTotal, totals_of

NAMESPACE = "electricity"
WINDOW = 24
YEAR = 12
PRIOR = 3


def months_of_history(record: Record) -> int:
    """Months with bills among the 24 ending at the latest one."""
    assert isinstance(record, ElectricityRecord)
    totals = totals_of(record)
    return sum(1 for month in window(max(totals), WINDOW) if month in totals) if totals else 0


def _holder_matches(record: ElectricityRecord, inputs: FactInputs) -> bool | None:
    registry = inputs.records.get("registry")
    hashes = [account.holder_name_hash for account in record.accounts]
    if not isinstance(registry, RegistryRecord) or inputs.name_hash is None or None in hashes:
        return None
    registered = inputs.name_hash(registry.name)
    return bool(hashes) and all(held == registered for held in hashes)


def _one_of(values: set[str | None], mixed: str) -> str:
    if not values or None in values:
        return "unknown"
    return str(next(iter(values))) if len(values) == 1 else mixed


def _against_prior(totals: dict[date, ElectricityMonthTotal], month: date) -> float | None:
    """``month``'s kWh against the mean of the 3 months before it (−0.3: 30 % below), None without them."""
    prior = [totals.get(shift_months(month, -offset)) for offset in range(1, PRIOR + 1)]
    if month not in totals or None in prior:
        return None
    return growth(totals[month].kwh * PRIOR, total(m.kwh for m in prior if m is not None))


def _arrears_running(totals: dict[date, ElectricityMonthTotal]) -> int:
    running = 0
    for month in sorted(totals, reverse=True):
        bill = totals[month]
        if running == 0 and bill.paid_yuan == 0 and bill.arrears_yuan == 0 and bill.bill_yuan > 0:
            continue  # not yet due: neither paid nor in arrears
        if bill.arrears_yuan <= 0:
            break
        running += 1
    return running


def _build(inputs: FactInputs) -> dict[str, Any]:
    record: ElectricityRecord = inputs.record(NAMESPACE, ElectricityRecord)
    # Only the holder's match reads anything but the record: the rest is made once per record.
    return derived(_of_record, record) | {"holderMatchesName": _holder_matches(record, inputs)}


def _of_record(record: ElectricityRecord) -> dict[str, Any]:
    """Every fact but ``holderMatchesName``: windows end at the record's latest month, not the day's."""
    totals = totals_of(record)
    facts: dict[str, Any] = {
        "accounts": len(record.accounts),
        "supplyStatus": "suspended"
        if any(account.supply_status == "suspended" for account in record.accounts)
        else _one_of({account.supply_status for account in record.accounts}, "unknown"),
        "paymentMethod": _one_of({account.payment_method for account in record.accounts}, "mixed"),
        "contractedCapacityKva": None
        if any(account.contracted_capacity_kva is None for account in record.accounts)
        else total(account.contracted_capacity_kva or Decimal(0) for account in record.accounts),
    }
    if not totals:
        return facts | {
            "monthsOfHistory": 0,
            "feesPaid24mYuan": Decimal(0),
            "bills12mYuan": Decimal(0),
            "arrearsMonths24": 0,
            "arrearsYuan": Decimal(0),
            "avgMonthlyKwh12": None,
            "utilisation": None,
            "growth12": None,
            "onTimePaymentRate24": None,
            "latestMonth": None,
            "kwhVsPrior3Mean": None,
            "kwhVsPrior3MeanBefore": None,
            "arrearsMonthsRunning": 0,
        }
    as_of = max(totals)
    last24 = [totals[month] for month in window(as_of, WINDOW) if month in totals]
    last12 = [totals[month] for month in window(as_of, YEAR) if month in totals]
    before = [totals[month] for month in window(shift_months(as_of, -1), YEAR) if month in totals]
    previous_year = [totals[month] for month in window(shift_months(as_of, -YEAR), YEAR) if month in totals]
    peak_before = max((month.kwh for month in before), default=Decimal(0))
    return facts | {
        "monthsOfHistory": len(last24),
        "feesPaid24mYuan": total(month.paid_yuan for month in last24),
        "bills12mYuan": total(month.bill_yuan for month in last12),
        "arrearsMonths24": sum(1 for month in last24 if month.arrears_yuan > 0),
        "arrearsYuan": totals[as_of].arrears_yuan,
        "avgMonthlyKwh12": round(statistics.fmean(float(month.kwh) for month in last12), 1),
        "utilisation": ratio(totals[as_of].kwh, peak_before) if len(before) == YEAR else None,
        "growth12": growth(total(m.kwh for m in last12), total(m.kwh for m in previous_year))
        if len(last12) == YEAR and len(previous_year) == YEAR
        else None,
        "onTimePaymentRate24": ratio(
            sum(month.bills_paid_on_time for month in last24), sum(month.bills for month in last24)
        ),
        "latestMonth": f"{as_of:%Y-%m}",
        "kwhVsPrior3Mean": _against_prior(totals, as_of),
        "kwhVsPrior3MeanBefore": _against_prior(totals, shift_months(as_of, -1)),
        "arrearsMonthsRunning": _arrears_running(totals),
    }


_E = NAMESPACE
FACTS = FactSet(
    namespace=NAMESPACE,
    source=NAMESPACE,
    definitions=(
        fact(_E, "monthsOfHistory", FactType.INTEGER, "months with bills among the last 24"),
        fact(_E, "accounts", FactType.INTEGER, "electricity accounts of the firm"),
        fact(_E, "feesPaid24mYuan", FactType.MONEY, "electricity fees paid over the last 24 months"),
        fact(_E, "bills12mYuan", FactType.MONEY, "electricity billed over the last 12 months"),
        fact(_E, "arrearsMonths24", FactType.INTEGER, "months with arrears among the last 24"),
        fact(_E, "arrearsYuan", FactType.MONEY, "arrears in the latest month"),
        fact(
            _E,
            "supplyStatus",
            FactType.STRING,
            "normal (every account), suspended (any account) or unknown",
        ),
        fact(
            _E,
            "holderMatchesName",
            FactType.BOOLEAN,
            "every account's holder is the registered name (compared by keyed hash)",
            _E,
            "registry",
            nullable=True,
        ),
        fact(_E, "paymentMethod", FactType.STRING, "auto_debit, cash, mixed (accounts differ) or unknown"),
        fact(
            _E,
            "contractedCapacityKva",
            FactType.NUMBER,
            "contracted capacity of all accounts, kVA",
            nullable=True,
        ),
        fact(
            _E, "avgMonthlyKwh12", FactType.NUMBER, "average monthly kWh of the last 12 months", nullable=True
        ),
        fact(
            _E,
            "utilisation",
            FactType.NUMBER,
            "the latest month's kWh ÷ the peak month of the 12 before it",
            nullable=True,
        ),
        fact(
            _E,
            "growth12",
            FactType.NUMBER,
            "(kWh of the last 12 months − the 12 before) ÷ the 12 before",
            nullable=True,
        ),
        fact(
            _E,
            "onTimePaymentRate24",
            FactType.NUMBER,
            "share of the last 24 months' bills paid in full by their due date",
            nullable=True,
        ),
        fact(_E, "latestMonth", FactType.STRING, "the latest month billed (YYYY-MM)", nullable=True),
        fact(
            _E,
            "kwhVsPrior3Mean",
            FactType.NUMBER,
            "the latest month's kWh against the mean of the 3 months before it (−0.3: 30 % below)",
            nullable=True,
        ),
        fact(
            _E,
            "kwhVsPrior3MeanBefore",
            FactType.NUMBER,
            "the same for the month before the latest",
            nullable=True,
        ),
        fact(
            _E,
            "arrearsMonthsRunning",
            FactType.INTEGER,
            "months running with arrears, back from the latest bill fallen due",
        ),
    ),
    build=_build,
    history=months_of_history,
)
