"""Export declarations and monthly FX receipts of the universe's exporters (single-window customs).

Who exports: the universe's waybills go to buyers' cities, never to a port, so no waybill marks an exporter.
Exporters are drawn instead among the firms that ship goods (the shipper of some logistics waybill), with
the export propensity of their industry; each ships through a seaport serving the city its waybills leave
from. Exports follow the firm's scale and trend; payments arrive 0-3 months after shipment (the exporter's
terms), so 3 months before the window are simulated too.

Patterns (:attr:`Exporter.pattern`, drawn per exporter): ``steady``; ``growing`` (exports up 25-60 % a year
beyond the firm's own trend); ``seasonal`` (a strong summer-autumn peak, Christmas goods); ``low_receipts``
(about one exporter in ten, more of the bad firms: from some month 9-14 months before the end onwards only
15-45 % of what it ships is paid for, so its FX receipts stay far below its exports for months running).
Every other exporter receives about 85-105 % of its exports' FOB value within the window.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Literal, TypeVar

from sandbox.customs_catalog import (
    ECOMMERCE_B2B,
    ECOMMERCE_RETAIL,
    ECOMMERCE_WAREHOUSE,
    EXPORT_PROPENSITY,
    GENERAL_TRADE,
    GOODS_BY_INDUSTRY,
    MANUFACTURED,
    MARKETS,
    PORTS_BY_CITY,
    Goods,
    Port,
    TradeMode,
)
from sandbox.flows import relation_flows
from sandbox.seeds import firm_rng
from sandbox.universe import TODAY, Firm, Universe, history_months

Pattern = Literal["steady", "growing", "seasonal", "low_receipts"]
_Choice = TypeVar("_Choice")

CENT = Decimal("0.01")
_PRE_HISTORY_MONTHS = 3  # exports before the window whose payments arrive inside it
_LOW_RECEIPTS = {"good": 0.04, "fair": 0.1, "bad": 0.35}  # by health: the share of exporters paid short
_MILD_SEASON = {1: 1.0, 2: 0.7, 3: 0.95, 4: 1.0, 5: 1.0, 6: 1.02, 7: 1.05, 8: 1.05, 9: 1.08, 10: 1.05,
                11: 1.05, 12: 1.05}  # fmt: skip
_PEAK_SEASON = {1: 0.6, 2: 0.4, 3: 0.6, 4: 0.8, 5: 0.9, 6: 1.1, 7: 1.4, 8: 1.6, 9: 1.7, 10: 1.5, 11: 1.0,
                12: 0.7}  # fmt: skip
# per mille of a month's FOB paid 0, 1, 2 and 3 months after it ships
_PAYMENT_TERMS = (
    (600, 400, 0, 0),
    (300, 500, 200, 0),
    (0, 700, 300, 0),
    (0, 200, 600, 200),
    (200, 400, 300, 100),
)
_RETAIL_TERMS = (700, 300, 0, 0)  # platforms pay out cross-border retail sales fast
_ECOMMERCE_MODES = (
    (ECOMMERCE_RETAIL, 45),
    (ECOMMERCE_B2B, 25),
    (ECOMMERCE_WAREHOUSE, 20),
    (GENERAL_TRADE, 10),
)
_GENERAL_MODES = ((GENERAL_TRADE, 97), (ECOMMERCE_B2B, 3))
_CONSUMER_GOODS = {"apparel", "electronics", "furniture", "plastics", "metal_products", "textiles"}


@dataclass(frozen=True, slots=True)
class Exporter:
    """What customs knows of one exporter, and the hidden traits its declarations and receipts follow."""

    firm: Firm
    pattern: Pattern
    port: Port
    ecommerce: bool
    markets: tuple[str, ...]  # most important first
    goods: tuple[Goods, ...]
    monthly_fob_usd: float  # at the start of the history
    shipment_usd: float  # a typical declaration
    yearly_growth: float
    payment_terms: tuple[int, int, int, int]
    low_from: int | None  # the first month (0-based in the history) whose exports are mostly not paid for


@dataclass(frozen=True, slots=True)
class Declaration:
    number: str
    declared_on: date
    trade_mode: TradeMode
    goods: Goods
    destination: str
    port: Port
    fob_usd: Decimal
    exchange_rate: Decimal
    fob_cny: Decimal
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class FxReceipt:
    month: date
    received_usd: Decimal
    exchange_rate: Decimal  # of the month's last day
    received_cny: Decimal


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def to_cny(usd: Decimal, rate: Decimal) -> Decimal:
    """USD at ``rate`` in CNY, to the fen, half up."""
    return (usd * rate).quantize(CENT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=4)
def _usd_cny_rates(seed: int) -> dict[date, Decimal]:
    """A daily USD/CNY rate (4 places) from before the pre-history to the universe's today."""
    rng = firm_rng(seed, "usd-cny", "customs")
    day = _add_months(history_months()[0], -_PRE_HISTORY_MONTHS)
    rate, rates = 7.12, {}
    while day <= TODAY:
        rate = min(7.40, max(6.95, rate + rng.gauss(0, 0.005) + 0.01 * (7.18 - rate)))
        rates[day] = Decimal(round(rate * 10_000)).scaleb(-4)
        day += timedelta(days=1)
    return rates


def usd_cny(seed: int, day: date) -> Decimal:
    """The day's USD/CNY rate of the universe of ``seed``."""
    return _usd_cny_rates(seed)[day]


def _weighted(rng: random.Random, choices: tuple[tuple[_Choice, float], ...]) -> _Choice:
    return rng.choices([choice for choice, _ in choices], [weight for _, weight in choices])[0]


def _is_exporter(universe: Universe, firm: Firm) -> bool:
    """Drawn for the firm's industry; only a firm that ships (a shipper on some waybill) exports."""
    if universe.rng(firm.credit_code, "customs-exporter").random() >= EXPORT_PROPENSITY[firm.industry.key]:
        return False
    sold = (
        relation for relation in universe.relations_of.get(firm.credit_code, ()) if relation.seller is firm
    )
    return any(relation_flows(universe, relation.index).waybills for relation in sold)


@lru_cache(maxsize=4)
def exporter_codes(universe: Universe) -> tuple[str, ...]:
    """Credit codes of the exporters, in the universe's order."""
    return tuple(firm.credit_code for firm in universe.firms if _is_exporter(universe, firm))


def _pattern(rng: random.Random, firm: Firm) -> Pattern:
    if rng.random() < _LOW_RECEIPTS[firm.health]:
        return "low_receipts"
    roll = rng.random()
    if roll < 0.18:
        return "growing" if firm.health != "bad" else "steady"
    return "seasonal" if roll < 0.45 else "steady"


def _goods_of(rng: random.Random, firm: Firm) -> tuple[Goods, ...]:
    if firm.industry.key in GOODS_BY_INDUSTRY:
        return tuple(rng.sample(GOODS_BY_INDUSTRY[firm.industry.key], rng.randint(1, 3)))
    # a trading firm exports the goods of one or two manufacturing industries
    industries = rng.sample(MANUFACTURED, rng.randint(1, 2))
    return tuple(rng.choice(GOODS_BY_INDUSTRY[industry]) for industry in industries for _ in range(2))


@lru_cache(maxsize=4096)
def exporter(universe: Universe, credit_code: str) -> Exporter | None:
    """The exporter of that credit code, or None for a firm that does not export or is not in the universe."""
    firm = universe.firm(credit_code)
    if firm is None or not _is_exporter(universe, firm):
        return None
    rng = universe.rng(credit_code, "customs")
    pattern = _pattern(rng, firm)
    ecommerce = not firm.is_core and rng.random() < (0.45 if firm.industry.key in _CONSUMER_GOODS else 0.1)
    growth = firm.yearly_growth + rng.uniform(-0.03, 0.03)
    if pattern == "growing":
        growth = max(firm.yearly_growth, 0.0) + rng.uniform(0.25, 0.6)
    share = rng.uniform(0.1, 0.35) if firm.is_core else rng.uniform(0.15, 0.6)
    monthly_fob_usd = firm.monthly_revenue_yuan * share / 7.2
    per_month = rng.uniform(4, 12) if ecommerce else rng.uniform(1.5, 5)
    shipment = min(250_000.0, max(300.0 if ecommerce else 2_000.0, monthly_fob_usd / per_month))
    markets: list[str] = []
    for _ in range(rng.randint(1, 4)):
        market = _weighted(rng, tuple((name, weight) for name, weight in MARKETS if name not in markets))
        markets.append(market)
    return Exporter(
        firm=firm,
        pattern=pattern,
        port=_weighted(rng, PORTS_BY_CITY[firm.city]),
        ecommerce=ecommerce,
        markets=tuple(markets),
        goods=_goods_of(rng, firm),
        monthly_fob_usd=monthly_fob_usd,
        shipment_usd=shipment,
        yearly_growth=growth,
        payment_terms=_RETAIL_TERMS if ecommerce and rng.random() < 0.5 else rng.choice(_PAYMENT_TERMS),
        low_from=len(history_months()) - rng.randint(9, 14) if pattern == "low_receipts" else None,
    )


@dataclass(frozen=True, slots=True)
class CustomsHistory:
    declarations: tuple[Declaration, ...]  # the window's, by date then number
    receipts: tuple[FxReceipt, ...]  # one a month of the window, oldest first


def _quantity(rng: random.Random, goods: Goods, fob_usd: Decimal) -> Decimal:
    units = float(fob_usd) / (goods.usd_per_unit * rng.uniform(0.85, 1.15))
    if goods.whole_units:
        return Decimal(max(1, round(units)))
    return Decimal(max(1, round(units * 10))).scaleb(-1)


@lru_cache(maxsize=4096)
def customs_history(universe: Universe, credit_code: str) -> CustomsHistory | None:
    """The exporter's declarations and FX receipts over the 24 months of history; None for a non-exporter."""
    profile = exporter(universe, credit_code)
    if profile is None:
        return None
    rng = universe.rng(credit_code, "customs-history")
    season = _PEAK_SEASON if profile.pattern == "seasonal" else _MILD_SEASON
    modes = _ECOMMERCE_MODES if profile.ecommerce else _GENERAL_MODES
    start, window = history_months()[0], len(history_months())
    declarations: list[Declaration] = []
    received_cents = [0] * window
    ordinals: dict[int, int] = {}
    for step in range(-_PRE_HISTORY_MONTHS, window):
        month = _add_months(start, step)
        target = profile.monthly_fob_usd * (1 + profile.yearly_growth) ** (step / 12) * season[month.month]
        expected = target * rng.uniform(0.85, 1.15) / profile.shipment_usd
        shipped_cents = 0
        for day in sorted(rng.randint(0, 27) for _ in range(min(25, int(expected + rng.random())))):
            fob_cents = max(10_000, round(profile.shipment_usd * rng.uniform(0.6, 1.4) * 100))
            shipped_cents += fob_cents
            goods, declared_on = rng.choice(profile.goods), month + timedelta(days=day)
            destination = rng.choice(profile.markets[:1] * 2 + profile.markets)
            mode, fob_usd = _weighted(rng, modes), Decimal(fob_cents).scaleb(-2)
            if step < 0:
                continue  # before the window: only its payments matter
            ordinals[month.year] = ordinal = ordinals.get(month.year, 0) + 1
            rate = usd_cny(universe.seed, declared_on)
            # unique while the universe has at most 100,000 firms (and a firm 9,999 declarations a year)
            sequence = (profile.firm.index * 10_000 + ordinal) % 1_000_000_000
            number = f"{profile.port.customs_code}{month.year}0{sequence:09d}"
            declarations.append(
                Declaration(
                    number=number,
                    declared_on=declared_on,
                    trade_mode=mode,
                    goods=goods,
                    destination=destination,
                    port=profile.port,
                    fob_usd=fob_usd,
                    exchange_rate=rate,
                    fob_cny=to_cny(fob_usd, rate),
                    quantity=_quantity(rng, goods, fob_usd),
                )
            )
        low = profile.low_from is not None and step >= profile.low_from
        collected = rng.randint(150, 450) if low else rng.randint(920, 1000)  # per mille of what is owed
        for lag, share in enumerate(profile.payment_terms):
            if 0 <= step + lag < window:
                received_cents[step + lag] += shipped_cents * share * collected // 1_000_000
    receipts = []
    for step, cents in enumerate(received_cents):
        month_end = _add_months(start, step + 1) - timedelta(days=1)
        rate, usd = usd_cny(universe.seed, month_end), Decimal(cents).scaleb(-2)
        receipts.append(FxReceipt(_add_months(start, step), usd, rate, to_cny(usd, rate)))
    return CustomsHistory(tuple(declarations), tuple(receipts))
