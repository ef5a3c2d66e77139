"""Planted fraud cases of the universe (issue 14): which firms get which case, decided per seed.

The hub's cross-source checks (四流合一: information, commercial, logistics and capital flows) look for them;
the providers' data generators apply them on top of the generated data, and ``GET /_sandbox/anomalies``
lists them as ground truth (:mod:`sandbox.ground_truth`) for tests and benchmarks. Each kind is named by the
check that must flag every firm of its cases:

- ``SALES_NOT_INVOICED``: orders to one to three new buyers, not invoiced, so that the platform sales of the
  last 12 months are 2.6-4 times the invoiced sales of those months (the tax bureau's figure is set to that
  ratio exactly, :mod:`sandbox.tax_data`).
- ``ORDERS_WITHOUT_SHIPMENTS``: orders to one or two new buyers marked shipped or completed with no waybill,
  0.6-1.2 of them per honest shipped order of the last 12 months (4 at least per buyer).
- ``OUTPUT_ENERGY_DIVERGENCE``: a manufacturer whose invoiced sales of each of the last 12 months are 34-44 %
  above the same month a year before while its kWh are 28-40 % below.
- ``SALES_SPIKE``: the last 1-3 months invoiced at 3.2-4.5 times the same months a year before.
- ``CIRCULAR_TRADE``: rings of 3-5 related firms (one's legal representative a shareholder or director of
  the others), each selling to the next about the same amount (a mark-up of at most 3 % a step) over the
  last 12 months; its members are listed under ``RELATED_PARTY`` too.
- ``RELATED_PARTY``: a firm selling to another that shares its legal representative, has its
  representative as a shareholder or director, its registered address or its representative's phone.
- ``DUPLICATE_RECEIVABLE``: the latest 1-3 receivables of one of a firm's relations issued again under a
  second number (same creditor, debtor, amount and due date).

Honest look-alikes are planted too (and listed nowhere but :attr:`Plan.lookalikes`): strongly seasonal
sellers (the same months high every year), sellers with most of their sales off the platform, and
non-manufacturers with sales up and electricity down. Honest firms keep every check's quantity on the safe
side: their platform sales stay at most 0.8 of their invoiced sales (the tax bureau's series is scaled up
where they would not), a shipped order has its waybills within days, no two firms trading share a person,
an address or a phone.

Fixture firms (:mod:`sandbox.fixtures`) are never planted at random; the new ones anchor one case each with
fixed parameters. Core enterprises are left out too. Every case is drawn from per-firm RNGs of the seed, at
rates scaled with the size (:data:`RATES`): same seed, same cases.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

from sandbox.fixtures import Fixture
from sandbox.seeds import firm_rng

if TYPE_CHECKING:
    from sandbox.universe import Firm, Relation

CheckCode = Literal[
    "SALES_NOT_INVOICED",
    "ORDERS_WITHOUT_SHIPMENTS",
    "OUTPUT_ENERGY_DIVERGENCE",
    "SALES_SPIKE",
    "CIRCULAR_TRADE",
    "RELATED_PARTY",
    "DUPLICATE_RECEIVABLE",
]
TradeKind = Literal["uninvoiced", "ghost", "ring", "related"]
Shared = Literal["representative", "shareholder", "manager", "address", "phone"]
LookAlike = Literal["seasonal", "off_platform", "divergence_not_applicable"]

RATES: dict[str, float] = {
    "SALES_NOT_INVOICED": 0.015,
    "ORDERS_WITHOUT_SHIPMENTS": 0.015,
    "OUTPUT_ENERGY_DIVERGENCE": 0.015,
    "SALES_SPIKE": 0.015,
    "CIRCULAR_TRADE": 0.0015,  # rings, of 3-5 firms each
    "RELATED_PARTY": 0.01,  # pairs, beside the rings' members
    "DUPLICATE_RECEIVABLE": 0.015,
    "seasonal": 0.015,
    "off_platform": 0.01,
    "divergence_not_applicable": 0.01,
}
"""Cases (rings, pairs) per firm of the universe, at least one each; the fixtures' cases come on top."""
HONEST_PLATFORM_CEILING = 0.8
"""An honest firm's platform sales of the last 12 months are at most this share of its invoiced sales."""


@dataclass(frozen=True, slots=True)
class PlantedTrade:
    """The orders of a planted relation (:mod:`sandbox.flows` draws them instead of the usual ones).

    Parameters:
        kind: ``uninvoiced``: shipped, not invoiced; ``ghost``: marked shipped or completed, no waybill;
            ``ring`` and ``related``: shipped and invoiced like any order.
        months: the months with orders (spread evenly over them).
        orders: how many (ghost: at least).
        order_yuan: their mean amount; a ring's add up to exactly ``orders × order_yuan``.
        ghost_share: ghost orders per honest shipped or completed order of the seller in the last 12 months,
            at least.
    """

    kind: TradeKind
    months: tuple[date, ...]
    orders: int
    order_yuan: float
    ghost_share: float = 0.0


@dataclass(frozen=True, slots=True)
class PlantedRelation:
    seller: int  # firm index
    buyer: int
    trade: PlantedTrade


@dataclass(frozen=True, slots=True)
class SalesPlant:
    """How a firm's invoiced sales are reshaped (:mod:`sandbox.tax_data`), in this order.

    Parameters:
        season: 12 factors by calendar month on top of the usual seasons (a look-alike's yearly peaks).
        growth: each of the last 12 months at (1 + growth) × the same month a year before (± 2 %).
        spike: the last ``len(spike)`` months at these multiples of the same months a year before.
        platform_ratio: platform sales ÷ invoiced sales of the last 12 months, exactly (the series scaled).
        platform_ceiling: otherwise at most this (the series scaled up where it would be more).
    """

    season: tuple[float, ...] | None = None
    growth: float | None = None
    spike: tuple[float, ...] = ()
    platform_ratio: float | None = None
    platform_ceiling: float = HONEST_PLATFORM_CEILING


HONEST_SALES = SalesPlant()


@dataclass(frozen=True, slots=True)
class RegistryPlant:
    """What a firm's registration shares with the registration of the firm ``source`` (a credit code)."""

    source: str
    shares: Shared


@dataclass(frozen=True, slots=True)
class PlantedCase:
    """One case of the ground truth: the check that must flag every firm of it, and where its ids come from
    (the orders of ``relations``, their re-issued receivables, or ``months``)."""

    kind: CheckCode
    credit_codes: tuple[str, ...]
    relations: tuple[int, ...] = ()
    months: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """Every case of a universe and what each generator applies."""

    cases: tuple[PlantedCase, ...] = ()
    relations: tuple[PlantedRelation, ...] = ()  # the universe numbers them after its own
    sales: dict[str, SalesPlant] = field(default_factory=dict)  # by credit code
    kwh_growth: dict[str, float] = field(default_factory=dict)  # each of the last 12 months on a year before
    registry: dict[str, RegistryPlant] = field(default_factory=dict)
    duplicates: dict[int, int] = field(default_factory=dict)  # relation index → receivables issued again
    lookalikes: dict[LookAlike, tuple[str, ...]] = field(default_factory=dict)


MIN_PLANTED_SIZE = 100


def plan_anomalies(
    seed: int,
    firms: Sequence[Firm],
    relations: Sequence[Relation],
    fixtures: dict[int, Fixture],
    window: Sequence[date],
) -> Plan:
    """The cases of the universe of ``firms`` and ``relations`` (withheld ones included; planted relations
    are numbered from ``len(relations)``), ``fixtures`` by index, ``window`` the last 12 months. A universe
    of fewer than :data:`MIN_PLANTED_SIZE` firms has none: too few firms to keep the cases apart."""
    if len(firms) < MIN_PLANTED_SIZE:
        return Plan()
    return _Planner(seed, firms, relations, fixtures, tuple(window)).plan()


_SEASONAL_PEAKS = ((8, 9, 10), (8, 9, 10), (9, 10, 11), (12, 1), (1, 2), (6, 7, 8))
_SHARED: tuple[Shared, ...] = ("representative", "shareholder", "manager", "address", "phone")
_ONE_FIRM_KINDS = (
    "SALES_NOT_INVOICED",
    "ORDERS_WITHOUT_SHIPMENTS",
    "OUTPUT_ENERGY_DIVERGENCE",
    "SALES_SPIKE",
)


def _not_manufacturer(firm: Firm) -> bool:
    return not firm.industry.code.startswith("C")


class _Planner:
    def __init__(
        self,
        seed: int,
        firms: Sequence[Firm],
        relations: Sequence[Relation],
        fixtures: dict[int, Fixture],
        window: tuple[date, ...],
    ) -> None:
        self.seed, self.firms, self.fixtures, self.window = seed, firms, fixtures, window
        self.first_index = len(relations)
        self.sold: dict[int, list[Relation]] = defaultdict(list)
        self.partners: dict[int, set[int]] = defaultdict(set)
        for relation in relations:
            if not relation.withheld:
                self.sold[relation.seller.index].append(relation)
                self.partners[relation.seller.index].add(relation.buyer.index)
                self.partners[relation.buyer.index].add(relation.seller.index)
        # a late fixture stays in the ranking (taken), so that adding one leaves the other cases as they were
        early = {index for index, fixture in fixtures.items() if not fixture.late}
        ordinary = [firm for firm in firms if not firm.is_core and firm.index not in early]
        rolls = {firm.index: firm_rng(seed, f"firm-{firm.index}", "anomaly").random() for firm in ordinary}
        self.ranked = sorted(ordinary, key=lambda firm: rolls[firm.index])
        self.taken: set[int] = set(fixtures)
        self.cases: list[PlantedCase] = []
        self.planted: list[PlantedRelation] = []
        self.sales: dict[str, SalesPlant] = {}
        self.kwh_growth: dict[str, float] = {}
        self.registry: dict[str, RegistryPlant] = {}
        self.duplicates: dict[int, int] = {}
        self.lookalikes: dict[LookAlike, list[str]] = defaultdict(list)

    def count(self, kind: str) -> int:
        return max(1, round(len(self.firms) * RATES[kind]))

    def rng(self, firm: Firm, case: str) -> random.Random:
        return firm_rng(self.seed, firm.credit_code, f"anomaly-{case}")

    def sells(self, firm: Firm) -> bool:
        return any(relation.monthly_orders > 0 for relation in self.sold[firm.index])

    def sells_often(self, firm: Firm) -> bool:
        """A seller with about one order a month or more (so some in the last 12 months)."""
        return sum(relation.monthly_orders for relation in self.sold[firm.index]) >= 0.8

    def related_seller(self, firm: Firm) -> bool:
        """A seller whose registration may take a related party's person: a limited company."""
        return self.sells(firm) and firm.legal_form == "limited_liability_company"

    def pick(
        self, count: int, fits: Callable[[Firm], bool], among: Iterable[Firm] | None = None
    ) -> list[Firm]:
        """The first ``count`` untaken firms (in the seed's order) that fit, taken."""
        chosen: list[Firm] = []
        for firm in among if among is not None else self.ranked:
            if len(chosen) == count:
                break
            if firm.index not in self.taken and fits(firm):
                chosen.append(firm)
                self.taken.add(firm.index)
        return chosen

    def partner(
        self, anchor: Firm, rng: random.Random, fits: Callable[[Firm], bool] = lambda _: True
    ) -> Firm:
        """An untaken ordinary firm that does not trade with ``anchor`` and fits, taken."""
        start = rng.randrange(len(self.ranked))
        for firm in self.ranked[start:] + self.ranked[:start]:
            if firm.index not in self.taken and firm.index not in self.partners[anchor.index] and fits(firm):
                self.taken.add(firm.index)
                return firm
        raise ValueError(f"the universe has no firm left to plant a case with {anchor.credit_code}")

    def trade(self, seller: Firm, buyer: Firm, trade: PlantedTrade) -> int:
        self.planted.append(PlantedRelation(seller.index, buyer.index, trade))
        self.partners[seller.index].add(buyer.index)
        self.partners[buyer.index].add(seller.index)
        return self.first_index + len(self.planted) - 1

    # the kinds ----------------------------------------------------------------------------------------------
    def inflated(self, firm: Firm, *, buyers: int, monthly_share: float, ratio: float) -> None:
        rng = self.rng(firm, "inflated")
        for _ in range(buyers):
            per_month = rng.randint(1, 3)
            order_yuan = firm.monthly_revenue_yuan * monthly_share / buyers / per_month
            trade = PlantedTrade("uninvoiced", self.window, 12 * per_month, round(order_yuan, 2))
            self.trade(firm, self.partner(firm, rng), trade)
        self.sales[firm.credit_code] = SalesPlant(platform_ratio=ratio)
        self.cases.append(PlantedCase("SALES_NOT_INVOICED", (firm.credit_code,)))

    def ghost(self, firm: Firm, *, buyers: int, share: float) -> None:
        rng = self.rng(firm, "ghost")
        sold = self.sold[firm.index]
        typical = sum(r.order_yuan for r in sold) / len(sold) if sold else firm.monthly_revenue_yuan * 0.05
        relations = []
        for _ in range(buyers):
            order_yuan = round(typical * rng.uniform(0.3, 0.7), 2)
            trade = PlantedTrade("ghost", self.window, 4, order_yuan, ghost_share=share / buyers)
            relations.append(self.trade(firm, self.partner(firm, rng), trade))
        self.cases.append(PlantedCase("ORDERS_WITHOUT_SHIPMENTS", (firm.credit_code,), tuple(relations)))

    def divergence(self, firm: Firm, *, sales_growth: float, kwh_growth: float) -> None:
        self.sales[firm.credit_code] = SalesPlant(growth=sales_growth)
        self.kwh_growth[firm.credit_code] = kwh_growth
        if firm.industry.code.startswith("C"):
            self.cases.append(PlantedCase("OUTPUT_ENERGY_DIVERGENCE", (firm.credit_code,)))
        else:
            self.lookalikes["divergence_not_applicable"].append(firm.credit_code)

    def spike(self, firm: Firm, factors: tuple[float, ...]) -> None:
        self.sales[firm.credit_code] = SalesPlant(spike=factors)
        months = tuple(f"{month:%Y-%m}" for month in self.window[len(self.window) - len(factors) :])
        self.cases.append(PlantedCase("SALES_SPIKE", (firm.credit_code,), months=months))

    def ring(self, members: list[Firm]) -> None:
        rng = self.rng(members[0], "ring")
        head = members[0].credit_code
        for ordinal, member in enumerate(members[1:]):
            self.registry[member.credit_code] = RegistryPlant(
                head, "shareholder" if ordinal % 2 == 0 else "manager"
            )
        yearly = min(member.monthly_revenue_yuan for member in members) * 12 * rng.uniform(0.25, 0.5)
        per_month, markup = rng.randint(1, 2), rng.uniform(0.0, 0.03)
        relations = []
        for step, seller in enumerate(members):
            buyer = members[(step + 1) % len(members)]
            order_yuan = round(yearly * (1 + markup) ** step / (12 * per_month), 2)
            relations.append(
                self.trade(seller, buyer, PlantedTrade("ring", self.window, 12 * per_month, order_yuan))
            )
        codes = tuple(member.credit_code for member in members)
        self.cases.append(PlantedCase("CIRCULAR_TRADE", codes, tuple(relations)))
        self.cases.append(PlantedCase("RELATED_PARTY", codes))

    def ring_members(self, first: Firm, size: int) -> list[Firm]:
        """``first`` and ``size - 1`` sellers, no two of which trade with each other yet."""
        members = [first]
        self.taken.add(first.index)

        def fits(firm: Firm) -> bool:
            return self.related_seller(firm) and not any(
                firm.index in self.partners[m.index] for m in members
            )

        for _ in range(size - 1):
            members += self.pick(1, fits)
        return members

    def related(self, seller: Firm, shares: Shared) -> None:
        rng = self.rng(seller, "related")
        buyer = self.partner(seller, rng, lambda firm: firm.legal_form == "limited_liability_company")
        self.registry[buyer.credit_code] = RegistryPlant(seller.credit_code, shares)
        order_yuan = round(seller.monthly_revenue_yuan * rng.uniform(0.03, 0.08), 2)
        self.trade(seller, buyer, PlantedTrade("related", self.window, 12, order_yuan))
        self.cases.append(PlantedCase("RELATED_PARTY", (seller.credit_code, buyer.credit_code)))

    def duplicate(self, firm: Firm, count: int) -> None:
        relation = max(self.credit_sales(firm), key=lambda r: (r.monthly_orders, -r.index))
        self.duplicates[relation.index] = count
        self.cases.append(PlantedCase("DUPLICATE_RECEIVABLE", (firm.credit_code,), (relation.index,)))

    def credit_sales(self, firm: Firm) -> list[Relation]:
        return [r for r in self.sold[firm.index] if r.on_credit and r.monthly_orders >= 0.6 and not r.months]

    def seasonal(self, firm: Firm, peaks: tuple[int, ...], factor: float) -> None:
        season = tuple(factor if month in peaks else 1.0 for month in range(1, 13))
        self.sales[firm.credit_code] = SalesPlant(season=season)
        self.lookalikes["seasonal"].append(firm.credit_code)

    def off_platform(self, firm: Firm, ceiling: float) -> None:
        self.sales[firm.credit_code] = SalesPlant(platform_ceiling=ceiling)
        self.lookalikes["off_platform"].append(firm.credit_code)

    # the plan -----------------------------------------------------------------------------------------------
    def plan_fixtures(self) -> None:
        for index, fixture in sorted(self.fixtures.items()):
            firm = self.firms[index]
            if fixture.plant == "ring":
                self.ring(self.ring_members(firm, 3))
            elif fixture.plant == "ghost_orders":
                self.ghost(firm, buyers=1, share=1.0)
            elif fixture.plant == "inflated_sales":
                self.inflated(firm, buyers=2, monthly_share=3.0, ratio=3.0)
            elif fixture.plant == "sales_spike":
                self.spike(firm, (3.5, 4.0))
            elif fixture.plant == "energy_divergence":
                self.divergence(firm, sales_growth=0.40, kwh_growth=-0.35)
            elif fixture.plant == "duplicate_receivables":
                (relation,) = (r for r in self.sold[index] if r.on_credit)
                self.duplicates[relation.index] = 2
                self.cases.append(PlantedCase("DUPLICATE_RECEIVABLE", (firm.credit_code,), (relation.index,)))
            elif fixture.plant == "related_counterparty":
                self.related(firm, "representative")
            elif fixture.plant == "seasonal":
                self.seasonal(firm, (8, 9, 10), 3.0)
            elif fixture.plant == "off_platform":
                self.off_platform(firm, 0.05)
            elif fixture.plant == "divergence_not_applicable":
                self.divergence(firm, sales_growth=0.35, kwh_growth=-0.30)

    def plan(self) -> Plan:
        self.plan_fixtures()
        for firm in self.pick(self.count("CIRCULAR_TRADE"), self.related_seller):
            self.ring(self.ring_members(firm, self.rng(firm, "ring-size").randint(3, 5)))
        for firm in self.pick(self.count("RELATED_PARTY"), self.sells):
            self.related(firm, self.rng(firm, "related-shares").choice(_SHARED))
        for firm in self.pick(self.count("SALES_NOT_INVOICED"), self.sells):
            rng = self.rng(firm, "inflated-size")
            self.inflated(
                firm,
                buyers=rng.randint(1, 3),
                monthly_share=rng.uniform(2.0, 3.5),
                ratio=round(rng.uniform(2.6, 4.0), 3),
            )
        for firm in self.pick(self.count("ORDERS_WITHOUT_SHIPMENTS"), self.sells):
            rng = self.rng(firm, "ghost-size")
            self.ghost(firm, buyers=rng.randint(1, 2), share=round(rng.uniform(0.6, 1.2), 3))
        for firm in self.pick(
            self.count("OUTPUT_ENERGY_DIVERGENCE"), lambda firm: firm.industry.code.startswith("C")
        ):
            rng = self.rng(firm, "divergence")
            self.divergence(firm, sales_growth=rng.uniform(0.34, 0.44), kwh_growth=rng.uniform(-0.40, -0.28))
        for firm in self.pick(self.count("SALES_SPIKE"), lambda firm: firm.yearly_growth >= 0.0):
            rng = self.rng(firm, "spike")
            self.spike(firm, tuple(round(rng.uniform(3.2, 4.5), 3) for _ in range(rng.randint(1, 3))))
        self.plan_duplicates()
        self.plan_lookalikes()
        return Plan(
            tuple(self.cases),
            tuple(self.planted),
            self.sales,
            self.kwh_growth,
            self.registry,
            self.duplicates,
            {kind: tuple(codes) for kind, codes in self.lookalikes.items()},
        )

    def plan_duplicates(self) -> None:
        """Most on firms planted with nothing else; one in six on a firm planted with a kind of one firm."""
        count = self.count("DUPLICATE_RECEIVABLE")
        fixtures = {self.firms[index].credit_code for index in self.fixtures}
        alone = {
            code
            for case in self.cases
            if case.kind in _ONE_FIRM_KINDS
            for code in case.credit_codes
            if code not in fixtures
        }
        planted = [firm for firm in self.ranked if firm.credit_code in alone and self.credit_sales(firm)]
        again = planted[: count // 6]
        fresh = self.pick(count - len(again), lambda firm: bool(self.credit_sales(firm)))
        for firm in again + fresh:
            self.duplicate(firm, self.rng(firm, "duplicate").randint(1, 3))

    def plan_lookalikes(self) -> None:
        for firm in self.pick(self.count("seasonal"), lambda firm: True):
            rng = self.rng(firm, "seasonal")
            self.seasonal(firm, rng.choice(_SEASONAL_PEAKS), rng.uniform(2.5, 3.5))
        for firm in self.pick(self.count("off_platform"), self.sells_often):
            self.off_platform(firm, self.rng(firm, "off-platform").uniform(0.02, 0.08))
        for firm in self.pick(self.count("divergence_not_applicable"), _not_manufacturer):
            rng = self.rng(firm, "divergence")
            self.divergence(firm, sales_growth=rng.uniform(0.34, 0.44), kwh_growth=rng.uniform(-0.40, -0.28))
