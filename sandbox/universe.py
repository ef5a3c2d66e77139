"""The synthetic universe every provider serves: firms and who trades with whom.

Only what needs a global view is built up front (codes, names, health, trade relations); each provider's
details are drawn on demand from a per-firm seeded RNG (:func:`firm_rng`), so building 10,000 firms stays
well under a second and the same seed gives byte-identical answers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Literal

from foundation.credit_code import ZHEJIANG_COUNTIES, generate
from foundation.credit_code.divisions import CITIES, COUNTIES
from sandbox.anomalies import Plan, PlantedTrade, plan_anomalies
from sandbox.fixtures import Fixture, PlannedReceivable, placed_fixtures
from sandbox.seeds import firm_rng

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
    Industry("crop_farming", "A01", "果蔬", 0.03, 6.0),  # vegetables and fruit
    Industry("animal_husbandry", "A03", "畜牧", 0.05, 14.0),
)
INDUSTRY_BY_KEY = {industry.key: industry for industry in INDUSTRIES}
_MANUFACTURING = tuple(industry for industry in INDUSTRIES if industry.code.startswith("C"))
_WHOLESALE = INDUSTRY_BY_KEY["wholesale"]
_AGRICULTURE = tuple(industry for industry in INDUSTRIES if industry.code.startswith("A"))
_FOOD_PROCESSING = INDUSTRY_BY_KEY["food_processing"]

LEGAL_FORMS: tuple[str, ...] = (
    "limited_liability_company",
    "joint_stock_company",
    "sole_proprietorship",
    "partnership",
    "individual_business",
    "farmers_cooperative",
)
"""The registry's legal forms; a firm's credit code has the kind digit of its form (KIND_OF_FORM)."""
KIND_OF_FORM = {form: "3" if form == "farmers_cooperative" else "2" if form == "individual_business" else "1"
                for form in LEGAL_FORMS}  # fmt: skip
MAX_SUPPLIERS_OF_A_CORE = 40
AGRICULTURAL_SHARE = (
    0.02  # of the firms that would be manufacturers: farms instead (besides the cooperatives)
)

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
    legal_form: str = "limited_liability_company"  # one of LEGAL_FORMS

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
    months: frozenset[date] | None = None  # the months with orders; None: every month of the history
    receivables: tuple[PlannedReceivable, ...] = ()  # a fixture's, each with its own order
    withheld: bool = False  # a generated relation of a fixture that owns its trade: no provider serves it
    planted: PlantedTrade | None = None  # a planted case's trade (sandbox.anomalies)


@dataclass(eq=False)  # hashed by identity: per-firm lru_caches key on it
class Universe:
    """Firms by code and the trade relations between them, for one seed and size."""

    seed: int
    firms: tuple[Firm, ...]
    relations: tuple[Relation, ...]  # by index, withheld ones too
    fixtures: dict[str, Fixture] = field(default_factory=dict)  # by credit code (sandbox.fixtures)
    plan: Plan = field(default_factory=Plan)  # the planted cases (sandbox.anomalies)
    by_code: dict[str, Firm] = field(init=False, repr=False)
    relations_of: dict[str, tuple[Relation, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_code = {firm.credit_code: firm for firm in self.firms}
        grouped: dict[str, list[Relation]] = {}
        for relation in self.relations:
            if relation.withheld:
                continue
            grouped.setdefault(relation.seller.credit_code, []).append(relation)
            grouped.setdefault(relation.buyer.credit_code, []).append(relation)
        self.relations_of = {code: tuple(relations) for code, relations in grouped.items()}

    def firm(self, credit_code: str) -> Firm | None:
        return self.by_code.get(credit_code)

    def fixture_of(self, credit_code: str) -> Fixture | None:
        """The fixture a firm is, if it is one (:mod:`sandbox.fixtures`)."""
        return self.fixtures.get(credit_code)

    def rng(self, credit_code: str, source: str) -> random.Random:
        return firm_rng(self.seed, credit_code, source)


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


def _legal_form(rng: random.Random, is_core: bool) -> str:
    if is_core:
        return "joint_stock_company"
    roll = rng.random()
    if roll < 0.02:
        return "farmers_cooperative"
    if roll < 0.82:
        return "limited_liability_company"
    return "sole_proprietorship" if roll < 0.9 else "partnership" if roll < 0.95 else "individual_business"


@dataclass(frozen=True, slots=True)
class _Draft:
    """A firm as drawn, before names are settled: what the draws of relations depend on."""

    firm: Firm
    trade_name: str
    drawn_wholesale: bool
    renamed: bool  # its industry or legal form is not what its drawn name says


def _suffix(is_core: bool, legal_form: str) -> str:
    if is_core:
        return "股份有限公司"
    return "专业合作社" if legal_form == "farmers_cooperative" else "有限公司"


def _draft_firms(seed: int, rng: random.Random, size: int) -> list[_Draft]:
    """The firms in the order of the universe's draws. The legal form, the farms and the fixtures come from
    RNGs of their own, so the universe's draws (and its codes but for the kind digit) are those of a
    universe without them."""
    core_count = max(1, size // 50)
    placed = placed_fixtures(size)
    codes: set[str] = set()
    drawn_names: set[str] = set()
    drafts = []
    for index in range(size):
        is_core = index % (size // core_count) == 0 and index // (size // core_count) < core_count
        division = rng.choice(ZHEJIANG_COUNTIES)
        fixture = placed.get(index)
        own = firm_rng(seed, f"firm-{index}", "legal-form")
        legal_form = fixture.legal_form if fixture else _legal_form(own, is_core)
        kind = (fixture.kind if fixture else None) or KIND_OF_FORM[legal_form]
        code = generate(division, rng, kind=kind)
        while code in codes:
            code = generate(division, rng, kind=kind)
        codes.add(code)
        drawn = rng.choice(_MANUFACTURING) if is_core or rng.random() < 0.8 else _WHOLESALE
        city = CITIES[division[:4]].removesuffix("市")
        suffix = _suffix(is_core, "limited_liability_company")
        name, trade_name, attempt = "", "", 0
        while not name or name in drawn_names:
            # two-character trade names run out in a big universe: then take three
            trade_name = "".join(rng.choice(_TRADE_NAME_CHARS) for _ in range(2 if attempt < 5 else 3))
            name, attempt = f"{city}{trade_name}{drawn.word}{suffix}", attempt + 1
        drawn_names.add(name)
        health = _health(rng, is_core)
        revenue = round(rng.lognormvariate(16.5 if is_core else 13.5, 0.6), 2)
        growth = _growth(rng, health)
        industry = drawn
        if fixture:
            industry = INDUSTRY_BY_KEY[fixture.industry]
            health, growth = fixture.health, fixture.yearly_growth
            revenue = fixture.monthly_revenue_yuan or revenue
        elif legal_form == "farmers_cooperative" or (
            drawn is not _WHOLESALE and own.random() < AGRICULTURAL_SHARE
        ):
            industry = own.choice(_AGRICULTURE)
        firm = Firm(index, code, name, division, industry, is_core, health, revenue, growth, legal_form)
        renamed = industry is not drawn or _suffix(is_core, legal_form) != suffix
        drafts.append(_Draft(firm, trade_name, drawn is _WHOLESALE, renamed))
    return drafts


def _settle_names(seed: int, drafts: list[_Draft]) -> tuple[Firm, ...]:
    """The firms, those whose industry or legal form differs from their drawn name renamed after it (a
    character added while the name is taken)."""
    taken = {draft.firm.name for draft in drafts if not draft.renamed}
    firms = []
    for draft in drafts:
        firm = draft.firm
        if draft.renamed:
            rng = firm_rng(seed, f"firm-{firm.index}", "name")
            city = CITIES[firm.division[:4]].removesuffix("市")
            trade_name = draft.trade_name
            name = f"{city}{trade_name}{firm.industry.word}{_suffix(firm.is_core, firm.legal_form)}"
            while name in taken:
                trade_name += rng.choice(_TRADE_NAME_CHARS)
                name = f"{city}{trade_name}{firm.industry.word}{_suffix(firm.is_core, firm.legal_form)}"
            taken.add(name)
            firm = replace(firm, name=name)
        firms.append(firm)
    return tuple(firms)


def _build_relations(rng: random.Random, firms: tuple[Firm, ...], distributors: list[Firm]) -> list[Relation]:
    ordinary = [firm for firm in firms if not firm.is_core]
    distributors = distributors or ordinary
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
    return relations


def _fixture_relations(
    seed: int,
    firms: tuple[Firm, ...],
    fixtures: dict[int, Fixture],
    first_index: int,
    owning: frozenset[int],
) -> list[Relation]:
    """The relations of ``fixtures`` (that own their trade), numbered from ``first_index``; their
    counterparties are no fixture of ``owning`` (every fixture that owns its trade)."""
    cores = [firm for firm in firms if firm.is_core]
    food_cores = [firm for firm in cores if firm.industry is _FOOD_PROCESSING] or cores
    ordinary = [firm for firm in firms if not firm.is_core and firm.index not in owning]
    history = history_months()
    relations: list[Relation] = []
    for index, fixture in sorted(fixtures.items()):
        wanted = max(
            (relation.ordinal + 1 for relation in fixture.relations or () if relation.buyer == "firm"),
            default=0,
        )
        picks = firm_rng(seed, f"fixture-{fixture.name}", "buyers").sample(
            ordinary, min(wanted, len(ordinary))
        )
        founded = fixture.founded_on or history[0]
        for planned in fixture.relations or ():
            candidates = {"core": cores, "food_core": food_cores, "firm": picks}[planned.buyer] or cores
            counterparty = candidates[planned.ordinal % len(candidates)]
            seller, buyer = (counterparty, firms[index]) if planned.buys else (firms[index], counterparty)
            months = frozenset(
                month
                for month in (planned.months or history)
                if month in history and month >= date(founded.year, founded.month, 1)
            )
            relations.append(
                Relation(
                    first_index + len(relations),
                    seller,
                    buyer,
                    planned.monthly_orders,
                    planned.order_yuan,
                    planned.on_credit,
                    months,
                    planned.receivables,
                )
            )
    return relations


def _agricultural_relations(
    seed: int, firms: tuple[Firm, ...], served: list[Relation], fixtures: dict[int, Fixture], first_index: int
) -> list[Relation]:
    """Farms and cooperatives supply the food-processing core enterprises (while a core has fewer than
    MAX_SUPPLIERS_OF_A_CORE suppliers), or else a food-processing firm."""
    suppliers: dict[int, set[int]] = {}
    for relation in served:
        suppliers.setdefault(relation.buyer.index, set()).add(relation.seller.index)
    food_cores = [firm for firm in firms if firm.is_core and firm.industry is _FOOD_PROCESSING]
    food_firms = [
        firm
        for firm in firms
        if not firm.is_core and firm.industry is _FOOD_PROCESSING and firm.index not in fixtures
    ]
    relations: list[Relation] = []
    for seller in firms:
        if seller.industry not in _AGRICULTURE or seller.index in fixtures:
            continue
        rng = firm_rng(seed, f"firm-{seller.index}", "agricultural-buyer")
        open_cores = [
            core for core in food_cores if len(suppliers.get(core.index, ())) < MAX_SUPPLIERS_OF_A_CORE
        ]
        buyers = open_cores or food_firms
        if not buyers:
            continue
        buyer = rng.choice(buyers)
        if seller.index in suppliers.get(buyer.index, set()):
            continue
        suppliers.setdefault(buyer.index, set()).add(seller.index)
        monthly_orders = rng.uniform(0.4, 1.5)
        order_yuan = max(2_000.0, seller.monthly_revenue_yuan * rng.uniform(0.05, 0.2) / monthly_orders)
        relations.append(
            Relation(
                first_index + len(relations),
                seller,
                buyer,
                round(monthly_orders, 3),
                round(order_yuan, 2),
                rng.random() < 0.8,
            )
        )
    return relations


def _one_way(relations: list[Relation]) -> list[Relation]:
    """The relations, a served one withheld when its buyer already sells to its seller: two firms selling to
    each other would be a circle of trade (what the circular-trade check looks for), which honest firms
    leave to the planted rings (sandbox.anomalies)."""
    served = {(r.seller.index, r.buyer.index) for r in relations if not r.withheld}
    earlier: set[tuple[int, int]] = set()
    result = []
    for relation in relations:
        pair = (relation.seller.index, relation.buyer.index)
        if not relation.withheld and (pair[1], pair[0]) in served and (pair[1], pair[0]) in earlier:
            relation = replace(relation, withheld=True)
        elif not relation.withheld:
            earlier.add(pair)
        result.append(relation)
    return result


@lru_cache(maxsize=4)
def build_universe(seed: int = 20261125, size: int = 2000) -> Universe:
    """The universe of ``size`` firms for ``seed`` (cached: every provider of a process shares it)."""
    if size < 10:
        raise ValueError(f"a universe needs at least 10 firms, got {size}")
    rng = random.Random(f"{seed}:universe:{size}")
    drafts = _draft_firms(seed, rng, size)
    firms = _settle_names(seed, drafts)
    distributors = [
        firm for firm, draft in zip(firms, drafts, strict=True) if draft.drawn_wholesale and not firm.is_core
    ]
    generated = _build_relations(rng, firms, distributors)
    placed = placed_fixtures(size)
    owning = frozenset(index for index, fixture in placed.items() if fixture.relations is not None)
    relations = [
        replace(relation, withheld=True)
        if relation.seller.index in owning or relation.buyer.index in owning
        else relation
        for relation in generated
    ]
    early = {index: placed[index] for index in sorted(owning) if not placed[index].late}
    relations += _fixture_relations(seed, firms, early, len(relations), owning)
    served = [relation for relation in relations if not relation.withheld]
    relations += _agricultural_relations(seed, firms, served, placed, len(relations))
    relations = _one_way(relations)
    plan = plan_anomalies(seed, firms, relations, placed, history_months()[-12:])
    relations += [
        Relation(
            len(relations) + ordinal,
            firms[planted.seller],
            firms[planted.buyer],
            round(planted.trade.orders / len(planted.trade.months), 3),
            planted.trade.order_yuan,
            False,
            frozenset(planted.trade.months),
            planted=planted.trade,
        )
        for ordinal, planted in enumerate(plan.relations)
    ]
    late = {index: placed[index] for index in sorted(owning) if placed[index].late}
    relations += _fixture_relations(seed, firms, late, len(relations), owning)
    fixtures = {firms[index].credit_code: fixture for index, fixture in placed.items()}
    return Universe(seed, firms, tuple(relations), fixtures, plan)
