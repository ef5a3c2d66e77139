"""The synthetic universe every provider serves: firms and who trades with whom.

Only what needs a global view is built up front (codes, names, health, trade relations); each provider's
details are drawn on demand from a per-firm seeded RNG (:func:`firm_rng`), so building 10,000 firms stays
well under a second and the same seed gives byte-identical answers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal

from foundation.credit_code import ZHEJIANG_COUNTIES, generate
from foundation.credit_code.divisions import CITIES, COUNTIES

Health = Literal["good", "fair", "bad"]

CURRENT_MONTH = date(2026, 10, 1)
"""The universe's last full month: answers never depend on today's date."""
TODAY = date(2026, 11, 1)
"""The universe's today, the day after its current month (bills due later are not yet due)."""
HISTORY_MONTHS = 24


@dataclass(frozen=True, slots=True)
class Industry:
    key: str
    code: str
    word: str  # what the industry adds to a firm's name
    kwh_per_yuan: float  # electricity intensity of revenue
    yuan_per_kg: float  # value density of what it ships


INDUSTRIES: tuple[Industry, ...] = (
    Industry("textiles", "C17", "纺织", 0.09, 40.0),
    Industry("apparel", "C18", "服饰", 0.04, 120.0),
    Industry("food_processing", "C13", "食品", 0.05, 25.0),
    Industry("furniture", "C21", "家具", 0.05, 30.0),
    Industry("chemicals", "C26", "化工", 0.14, 12.0),
    Industry("pharmaceuticals", "C27", "医药", 0.06, 300.0),
    Industry("plastics", "C29", "塑料制品", 0.11, 18.0),
    Industry("metal_products", "C33", "五金", 0.10, 22.0),
    Industry("general_machinery", "C34", "机械", 0.07, 60.0),
    Industry("auto_parts", "C36", "汽车零部件", 0.08, 80.0),
    Industry("electrical_equipment", "C38", "电气", 0.06, 110.0),
    Industry("electronics", "C39", "电子", 0.05, 400.0),
    Industry("wholesale", "F51", "贸易", 0.01, 50.0),
)
_MANUFACTURING = tuple(industry for industry in INDUSTRIES if industry.code.startswith("C"))
_WHOLESALE = next(industry for industry in INDUSTRIES if industry.key == "wholesale")

_TRADE_NAME_CHARS = "华兴恒鑫达盛泰金宏源丰瑞安佳通正新嘉永海天宇东方中德信利荣昌富隆成明远博创汇联科诚益顺"


@dataclass(frozen=True, slots=True)
class Firm:
    """One enterprise: what every provider agrees on."""

    index: int
    credit_code: str
    name: str
    division: str  # county-level division code (characters 3-8 of the credit code)
    industry: Industry
    is_core: bool
    health: Health
    monthly_revenue_yuan: float  # scale of the business at the start of the history
    yearly_growth: float  # -0.35 .. +0.20: the trend of every series

    @property
    def city(self) -> str:
        return CITIES[self.division[:4]]

    @property
    def county(self) -> str:
        return COUNTIES[self.division]


@dataclass(frozen=True, slots=True)
class Relation:
    """A seller that regularly supplies a buyer; orders, waybills and receivables all derive from it."""

    index: int
    seller: Firm
    buyer: Firm
    monthly_orders: float  # mean number of orders a month
    order_yuan: float  # typical order amount
    on_credit: bool  # sales on account leave receivables


@dataclass(eq=False)  # hashed by identity: per-firm lru_caches key on it
class Universe:
    """Firms by code and the trade relations between them, for one seed and size."""

    seed: int
    firms: tuple[Firm, ...]
    relations: tuple[Relation, ...]
    by_code: dict[str, Firm] = field(init=False, repr=False)
    relations_of: dict[str, tuple[Relation, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_code = {firm.credit_code: firm for firm in self.firms}
        grouped: dict[str, list[Relation]] = {}
        for relation in self.relations:
            grouped.setdefault(relation.seller.credit_code, []).append(relation)
            grouped.setdefault(relation.buyer.credit_code, []).append(relation)
        self.relations_of = {code: tuple(relations) for code, relations in grouped.items()}

    def firm(self, credit_code: str) -> Firm | None:
        return self.by_code.get(credit_code)

    def rng(self, credit_code: str, source: str) -> random.Random:
        return firm_rng(self.seed, credit_code, source)


def firm_rng(seed: int, key: str, source: str) -> random.Random:
    """The RNG of one firm (or relation) for one source: independent of the order of requests."""
    return random.Random(f"{seed}:{key}:{source}")


def cents_text(cents: int) -> str:
    """Money on the wire: a decimal string with two places, computed from integer cents."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def history_months() -> tuple[date, ...]:
    """The 24 months of history, oldest first, ending at :data:`CURRENT_MONTH`."""
    months = []
    year, month = CURRENT_MONTH.year, CURRENT_MONTH.month
    for _ in range(HISTORY_MONTHS):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(months))


def _health(rng: random.Random, is_core: bool) -> Health:
    roll = rng.random()
    if is_core:
        return "good" if roll < 0.8 else "fair"
    return "good" if roll < 0.6 else "fair" if roll < 0.85 else "bad"


def _growth(rng: random.Random, health: Health) -> float:
    low, high = {"good": (0.02, 0.20), "fair": (-0.06, 0.06), "bad": (-0.35, -0.05)}[health]
    return round(rng.uniform(low, high), 4)


def _build_firms(rng: random.Random, size: int) -> tuple[Firm, ...]:
    core_count = max(1, size // 50)
    codes: set[str] = set()
    names: set[str] = set()
    firms = []
    for index in range(size):
        is_core = index % (size // core_count) == 0 and index // (size // core_count) < core_count
        division = rng.choice(ZHEJIANG_COUNTIES)
        code = generate(division, rng)
        while code in codes:
            code = generate(division, rng)
        codes.add(code)
        industry = rng.choice(_MANUFACTURING) if is_core or rng.random() < 0.8 else _WHOLESALE
        city = CITIES[division[:4]].removesuffix("市")
        suffix = "股份有限公司" if is_core else "有限公司"
        name, attempt = "", 0
        while not name or name in names:
            # two-character trade names run out in a big universe: then take three
            trade_name = "".join(rng.choice(_TRADE_NAME_CHARS) for _ in range(2 if attempt < 5 else 3))
            name, attempt = f"{city}{trade_name}{industry.word}{suffix}", attempt + 1
        names.add(name)
        health = _health(rng, is_core)
        revenue = rng.lognormvariate(16.5 if is_core else 13.5, 0.6)
        firms.append(
            Firm(
                index,
                code,
                name,
                division,
                industry,
                is_core,
                health,
                round(revenue, 2),
                _growth(rng, health),
            )
        )
    return tuple(firms)


def _build_relations(rng: random.Random, firms: tuple[Firm, ...]) -> tuple[Relation, ...]:
    ordinary = [firm for firm in firms if not firm.is_core]
    distributors = [firm for firm in ordinary if firm.industry is _WHOLESALE] or ordinary
    pairs: list[tuple[Firm, Firm, bool]] = []  # (seller, buyer, with a core)
    seen: set[tuple[int, int]] = set()

    def add(seller: Firm, buyer: Firm, core: bool) -> None:
        if seller.index != buyer.index and (seller.index, buyer.index) not in seen:
            seen.add((seller.index, buyer.index))
            pairs.append((seller, buyer, core))

    for core_firm in (firm for firm in firms if firm.is_core):
        for supplier in rng.sample(ordinary, min(len(ordinary), rng.randint(10, 40))):
            add(supplier, core_firm, True)
        for distributor in rng.sample(distributors, min(len(distributors), rng.randint(10, 40))):
            add(core_firm, distributor, True)
    for firm in ordinary:
        if rng.random() < 0.3:
            add(firm, rng.choice(ordinary), False)

    relations = []
    for index, (seller, buyer, core) in enumerate(pairs):
        monthly_orders = rng.uniform(0.3, 1.2) if core else rng.uniform(0.2, 0.8)
        share = rng.uniform(0.02, 0.10) if core else rng.uniform(0.01, 0.05)
        order_yuan = max(2_000.0, seller.monthly_revenue_yuan * share / monthly_orders)
        if buyer.is_core:
            order_yuan = max(order_yuan, buyer.monthly_revenue_yuan * 0.002)
        on_credit = rng.random() < (0.8 if core else 0.5)
        relations.append(
            Relation(index, seller, buyer, round(monthly_orders, 3), round(order_yuan, 2), on_credit)
        )
    return tuple(relations)


@lru_cache(maxsize=4)
def build_universe(seed: int = 20261125, size: int = 2000) -> Universe:
    """The universe of ``size`` firms for ``seed`` (cached: every provider of a process shares it)."""
    if size < 10:
        raise ValueError(f"a universe needs at least 10 firms, got {size}")
    rng = random.Random(f"{seed}:universe:{size}")
    firms = _build_firms(rng, size)
    return Universe(seed, firms, _build_relations(rng, firms))
