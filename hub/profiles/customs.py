"""Customs profile: exports per month, where they go and what they are, and how much of them was paid.

The FX receipt ratio (FX received ÷ FOB exported) is the classic export-finance check: goods declared for
export should be paid for in foreign currency within a few months. An exporter whose receipts stay far
below its exports either sells on very long terms, loses its buyers' money, or declares exports that were
never sold. Months are the months of declaration (exports) and of receipt (FX).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from connectors.customs import CROSS_BORDER_ECOMMERCE, CustomsRecord, ExportDeclaration
from foundation.months import month_of, window
from hub.profiles import growth, ratio, total
from hub.profiles.indicators import Contribution

MAX_MONTHS = 24
TOP = 5
LOW_RECEIPT_RATIO = 0.6
"""A rolling three-month receipt ratio below this is low."""
LOW_RECEIPT_RUN = 6
"""Low for this many months running (the latest included): the risk flag."""
ROLLING_MONTHS = 3
"""Receipts lag exports by up to a few months: a month's ratio is taken over it and the two before."""


@dataclass(frozen=True, slots=True)
class CustomsMonth:
    month: date
    declarations: int
    fob_usd: Decimal
    fob_cny: Decimal
    received_usd: Decimal
    received_cny: Decimal
    receipt_ratio: float | None  # rolling over ROLLING_MONTHS, USD


@dataclass(frozen=True, slots=True)
class ExportShare:
    """One destination country or HS chapter and its part of the FOB value."""

    key: str
    declarations: int
    fob_usd: Decimal
    share: float | None


@dataclass(frozen=True, slots=True)
class CustomsProfile:
    credit_code: str
    as_of_month: date | None
    months: tuple[CustomsMonth, ...]
    fob_usd: Decimal
    fob_cny: Decimal
    received_usd: Decimal
    fx_receipt_ratio: float | None  # over the window
    export_yoy_growth: float | None  # FOB (CNY), last 12 months against the 12 before
    top_destinations: tuple[ExportShare, ...]
    top_hs_chapters: tuple[ExportShare, ...]
    cross_border_ecommerce_share: float | None
    low_receipt_months: int  # months running (to the latest) with a low rolling receipt ratio


def _as_of(record: CustomsRecord) -> date | None:
    if record.history_end is not None:
        return month_of(record.history_end)
    days = [declaration.declared_on for declaration in record.declarations]
    days += [receipt.month for receipt in record.receipts]
    return month_of(max(days)) if days else None


def _shares(declarations: list[ExportDeclaration], key: str, fob: Decimal) -> tuple[ExportShare, ...]:
    by_key: dict[str, list[ExportDeclaration]] = defaultdict(list)
    for declaration in declarations:
        by_key[declaration.destination_country if key == "country" else declaration.hs_chapter].append(
            declaration
        )
    shares = [
        ExportShare(name, len(items), total(item.fob_usd for item in items), None)
        for name, items in by_key.items()
    ]
    shares.sort(key=lambda share: (-share.fob_usd, share.key))
    return tuple(
        ExportShare(share.key, share.declarations, share.fob_usd, ratio(share.fob_usd, fob))
        for share in shares[:TOP]
    )


def _monthly(record: CustomsRecord, months: Sequence[date]) -> list[CustomsMonth]:
    exports: dict[date, list[ExportDeclaration]] = defaultdict(list)
    for declaration in record.declarations:
        exports[month_of(declaration.declared_on)].append(declaration)
    receipts = {receipt.month: receipt for receipt in record.receipts}
    fob = {month: total(item.fob_usd for item in exports[month]) for month in months}
    received = {month: receipts[month].received_usd if month in receipts else Decimal(0) for month in months}
    rows = []
    for index, month in enumerate(months):
        lookback = months[max(0, index - ROLLING_MONTHS + 1) : index + 1]
        rolling = (
            ratio(total(received[m] for m in lookback), total(fob[m] for m in lookback))
            if len(lookback) == ROLLING_MONTHS
            else None
        )
        rows.append(
            CustomsMonth(
                month=month,
                declarations=len(exports[month]),
                fob_usd=fob[month],
                fob_cny=total(item.fob_cny for item in exports[month]),
                received_usd=received[month],
                received_cny=receipts[month].received_cny if month in receipts else Decimal(0),
                receipt_ratio=rolling,
            )
        )
    return rows


def _low_run(rows: list[CustomsMonth]) -> int:
    run = 0
    for row in reversed(rows):
        if row.receipt_ratio is None or row.receipt_ratio >= LOW_RECEIPT_RATIO:
            break
        run += 1
    return run


def customs_profile(record: CustomsRecord, months: int) -> CustomsProfile:
    """The profile over the last ``months`` (1..24) months of the record's history."""
    as_of = _as_of(record)
    if as_of is None:
        return CustomsProfile(
            record.credit_code, None, (), Decimal(0), Decimal(0), Decimal(0), None, None, (), (), None, 0
        )
    history = _monthly(record, window(as_of, MAX_MONTHS))
    rows = history[-months:]
    first = rows[0].month
    declarations = [item for item in record.declarations if month_of(item.declared_on) >= first]
    fob_usd = total(row.fob_usd for row in rows)
    received_usd = total(row.received_usd for row in rows)
    ecommerce = total(item.fob_usd for item in declarations if item.trade_mode in CROSS_BORDER_ECOMMERCE)
    last_year = total(row.fob_cny for row in history[-12:])
    year_before = total(row.fob_cny for row in history[-24:-12]) if len(history) >= 24 else None
    return CustomsProfile(
        credit_code=record.credit_code,
        as_of_month=as_of,
        months=tuple(rows),
        fob_usd=fob_usd,
        fob_cny=total(row.fob_cny for row in rows),
        received_usd=received_usd,
        fx_receipt_ratio=ratio(received_usd, fob_usd),
        export_yoy_growth=growth(last_year, year_before),
        top_destinations=_shares(declarations, "country", fob_usd),
        top_hs_chapters=_shares(declarations, "chapter", fob_usd),
        cross_border_ecommerce_share=ratio(ecommerce, fob_usd),
        low_receipt_months=_low_run(history),
    )


CUSTOMS_FLAGS = {
    "LOW_FX_RECEIPT_RATIO": f"FX receipts below {LOW_RECEIPT_RATIO:.0%} of exports for "
    f"{LOW_RECEIPT_RUN} months running (rolling {ROLLING_MONTHS} months)",
}


def customs_indicators(customs: CustomsProfile) -> Contribution:
    flags = ("LOW_FX_RECEIPT_RATIO",) if customs.low_receipt_months >= LOW_RECEIPT_RUN else ()
    figures = {
        "fx_receipt_ratio": customs.fx_receipt_ratio,
        "export_yoy_growth": customs.export_yoy_growth,
        "low_fx_receipt_months": customs.low_receipt_months,
    }
    return Contribution(figures, flags)
