"""Electricity profile: monthly usage and bills across accounts, and the signals lenders watch in them."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from connectors.records import ElectricityAccount, ElectricityMonth, ElectricityRecord
from foundation.months import shift_months, window
from hub.profiles import RATIO_PLACES, growth, ratio, total
from hub.profiles.derived import derived

MAX_MONTHS = 24


@dataclass(frozen=True, slots=True)
class ElectricityMonthTotal:
    """One month summed over every account of the enterprise."""

    month: date
    kwh: Decimal
    bill_yuan: Decimal
    paid_yuan: Decimal
    arrears_yuan: Decimal
    bills: int
    bills_paid_on_time: int


@dataclass(frozen=True, slots=True)
class ElectricityProfile:
    credit_code: str
    accounts: tuple[ElectricityAccount, ...]
    as_of_month: date | None
    months: tuple[ElectricityMonthTotal, ...]
    average_monthly_kwh: Decimal | None
    yoy_growth: float | None
    volatility: float | None
    on_time_payment_rate: float | None
    arrears_yuan: Decimal
    months_in_arrears: int


def paid_on_time(bill: ElectricityMonth) -> bool:
    """Paid in full by the due date."""
    return bill.paid_on is not None and bill.paid_on <= bill.due_on and bill.paid_yuan >= bill.bill_yuan


def monthly_totals(record: ElectricityRecord) -> dict[date, ElectricityMonthTotal]:
    """Every month summed over the accounts, in month order (one pass: a product's facts and checks of
    every assessment start here)."""
    sums: dict[date, list[Decimal]] = {}
    counts: dict[date, list[int]] = {}
    for bill in record.months:
        on_time = 1 if paid_on_time(bill) else 0
        found = sums.get(bill.month)
        if found is None:
            sums[bill.month] = [bill.kwh, bill.bill_yuan, bill.paid_yuan, bill.arrears_yuan]
            counts[bill.month] = [1, on_time]
            continue
        found[0] += bill.kwh
        found[1] += bill.bill_yuan
        found[2] += bill.paid_yuan
        found[3] += bill.arrears_yuan
        count = counts[bill.month]
        count[0] += 1
        count[1] += on_time
    totals = {}
    for month in sorted(sums):
        (kwh, bill_yuan, paid_yuan, arrears_yuan), (bills, on_time_bills) = sums[month], counts[month]
        totals[month] = ElectricityMonthTotal(
            month, kwh, bill_yuan, paid_yuan, arrears_yuan, bills, on_time_bills
        )
    return totals


def totals_of(record: ElectricityRecord) -> dict[date, ElectricityMonthTotal]:
    """:func:`monthly_totals`, made once per record (its profile, a product's facts, the checks)."""
    return derived(monthly_totals, record)


def year_on_year_growth(totals: dict[date, ElectricityMonthTotal], as_of: date, months: int) -> float | None:
    """Usage of the last ``min(months, 12)`` months against the same months a year earlier."""
    period = window(as_of, min(months, 12))
    if any(month not in totals or shift_months(month, -12) not in totals for month in period):
        return None
    current = total(totals[month].kwh for month in period)
    previous = total(totals[shift_months(month, -12)].kwh for month in period)
    return growth(current, previous)


def electricity_profile(record: ElectricityRecord, months: int) -> ElectricityProfile:
    """The profile over the last ``months`` (1..24) months the grid company reports."""
    totals = totals_of(record)
    if not totals:
        return ElectricityProfile(
            record.credit_code, record.accounts, None, (), None, None, None, None, Decimal(0), 0
        )
    as_of = max(totals)
    series = tuple(totals[month] for month in window(as_of, months) if month in totals)
    kwh = [float(month.kwh) for month in series]
    mean = statistics.fmean(kwh)
    bills = sum(month.bills for month in series)
    return ElectricityProfile(
        credit_code=record.credit_code,
        accounts=record.accounts,
        as_of_month=as_of,
        months=series,
        average_monthly_kwh=(total(month.kwh for month in series) / len(series)).quantize(Decimal("0.1")),
        yoy_growth=year_on_year_growth(totals, as_of, months),
        volatility=round(statistics.pstdev(kwh) / mean, RATIO_PLACES) if len(kwh) > 1 and mean else None,
        on_time_payment_rate=ratio(sum(month.bills_paid_on_time for month in series), bills),
        arrears_yuan=totals[as_of].arrears_yuan,
        months_in_arrears=sum(1 for month in series if month.arrears_yuan > 0),
    )
