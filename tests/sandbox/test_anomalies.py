"""The planted cases (sandbox.anomalies) over real HTTP: the ground truth ``GET /_sandbox/anomalies`` lists,
each case visible in the served data as its check defines it, and no honest firm (look-alikes included)
tripping any check, at the default seed and at two others (500 firms).

Every quantity is computed from the providers' answers (tests/sandbox/verification_checks.py, the checks
with their default thresholds); only the honest look-alikes, which the ground truth does not list, are read
from the universe's plan.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from sandbox.control import SandboxControl
from sandbox.fixtures import FIXTURES
from sandbox.ground_truth import ground_truth
from sandbox.runner import DEFAULT_SEED, DEFAULT_SIZE, SandboxThread
from sandbox.universe import build_universe
from tests.sandbox import verification_checks as checks
from tests.sandbox.served_firms import served_firms
from tests.sandbox.verification_checks import FirmData

Json = dict[str, Any]
KINDS = (
    "SALES_NOT_INVOICED",
    "ORDERS_WITHOUT_SHIPMENTS",
    "OUTPUT_ENERGY_DIVERGENCE",
    "SALES_SPIKE",
    "CIRCULAR_TRADE",
    "RELATED_PARTY",
    "DUPLICATE_RECEIVABLE",
)
UNIVERSES = [(DEFAULT_SEED, DEFAULT_SIZE), (7, 500), (11, 500)]
PLANTED_FIXTURES = {
    "ring-member": "CIRCULAR_TRADE",
    "ghost-orders": "ORDERS_WITHOUT_SHIPMENTS",
    "inflated-sales": "SALES_NOT_INVOICED",
    "sales-spike": "SALES_SPIKE",
    "energy-divergence": "OUTPUT_ENERGY_DIVERGENCE",
    "duplicate-receivables": "DUPLICATE_RECEIVABLE",
    "related-counterparty": "RELATED_PARTY",
}
LOOKALIKE_FIXTURES = ("seasonal-seller", "off-platform-seller", "wholesale-divergence")


def known(value: Decimal | None) -> Decimal:
    assert value is not None
    return value


@dataclass
class Served:
    """One universe as served: its ground truth, every firm's data, its fixtures and (from the plan) its
    honest look-alikes; and which firms each check flags."""

    seed: int
    size: int
    truth: list[Json]
    firms: dict[str, FirmData]
    fixtures: dict[str, str]
    lookalikes: dict[str, tuple[str, ...]]
    flagged: dict[str, set[str]] = field(default_factory=dict)
    cycles: list[tuple[str, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        registrations = {code: firm.registration for code, firm in self.firms.items()}
        self.cycles = checks.even_cycles(
            checks.trade_edges(o for firm in self.firms.values() for o in firm.orders)
        )
        flagged: dict[str, set[str]] = defaultdict(set)
        for code, firm in self.firms.items():
            ratio = checks.platform_to_invoiced(firm)
            if ratio is not None and ratio > checks.SALES_NOT_INVOICED_RATIO:
                flagged["SALES_NOT_INVOICED"].add(code)
            if checks.orders_without_shipments(firm):
                flagged["ORDERS_WITHOUT_SHIPMENTS"].add(code)
            if checks.output_energy_divergence(firm):
                flagged["OUTPUT_ENERGY_DIVERGENCE"].add(code)
            if any(margin > 0 for margin in checks.spike_margins(firm)):  # under any reading
                flagged["SALES_SPIKE"].add(code)
            if checks.related_counterparties(firm, registrations):
                flagged["RELATED_PARTY"].add(code)
            if checks.duplicate_receivables(firm):
                flagged["DUPLICATE_RECEIVABLE"].add(code)
        flagged["CIRCULAR_TRADE"] = {code for cycle in self.cycles for code in cycle}
        self.flagged = dict(flagged)

    def cases(self, kind: str) -> list[Json]:
        return [case for case in self.truth if case["kind"] == kind]

    def planted(self, kind: str) -> set[str]:
        return {code for case in self.cases(kind) for code in case["creditCodes"]}

    def honest(self, kind: str) -> list[FirmData]:
        planted = self.planted(kind)
        return [firm for code, firm in self.firms.items() if code not in planted]

    def fixture(self, name: str) -> FirmData:
        return self.firms[self.fixtures[name]]

    def case_of(self, name: str, kind: str) -> Json:
        (case,) = (case for case in self.cases(kind) if self.fixtures[name] in case["creditCodes"])
        return case


@pytest.fixture(scope="module", params=UNIVERSES, ids=lambda universe: f"seed{universe[0]}-{universe[1]}")
def served(request: pytest.FixtureRequest, sandbox: SandboxControl) -> Iterator[Served]:
    seed, size = request.param
    runner = None if (seed, size) == (DEFAULT_SEED, DEFAULT_SIZE) else SandboxThread(seed=seed, size=size)
    control = sandbox if runner is None else SandboxControl(runner.start())
    control.set_faults("trade", rate_limit_per_s=0)  # a whole universe at once
    try:
        firms = served_firms(control.urls, control.credit_codes(limit=10_000))
        plan = build_universe(seed, size).plan
        lookalikes = {str(kind): codes for kind, codes in plan.lookalikes.items()}
        yield Served(seed, size, control.anomalies(), firms, control.fixture_codes(), lookalikes)
    finally:
        control.reset_faults()
        if runner is not None:
            control.close()
            runner.stop()


# the ground truth ----------------------------------------------------------------------------------------
def test_every_provider_serves_the_same_ground_truth(sandbox: SandboxControl) -> None:
    truth = sandbox.anomalies()
    for provider in sandbox.urls:
        assert sandbox.anomalies(provider) == truth, provider
    codes = set(sandbox.credit_codes(limit=10_000))
    assert truth and all(set(case) == {"kind", "creditCodes", "ids"} for case in truth)
    assert {case["kind"] for case in truth} == set(KINDS)
    for case in truth:
        assert case["creditCodes"] and set(case["creditCodes"]) <= codes, case
        assert bool(case["ids"]) == (
            case["kind"]
            in ("ORDERS_WITHOUT_SHIPMENTS", "CIRCULAR_TRADE", "SALES_SPIKE", "DUPLICATE_RECEIVABLE")
        )


def test_rates_of_the_default_universe(sandbox: SandboxControl) -> None:
    """A few dozen cases of each kind in 2,000 firms, 3-5 rings; most firms planted with one kind."""
    truth = sandbox.anomalies()
    per_kind = {kind: [case for case in truth if case["kind"] == kind] for kind in KINDS}
    for kind in (
        "SALES_NOT_INVOICED",
        "ORDERS_WITHOUT_SHIPMENTS",
        "OUTPUT_ENERGY_DIVERGENCE",
        "SALES_SPIKE",
        "DUPLICATE_RECEIVABLE",
    ):
        assert 20 <= len(per_kind[kind]) <= 40, kind
        assert all(len(case["creditCodes"]) == 1 for case in per_kind[kind])
    rings = per_kind["CIRCULAR_TRADE"]
    assert 3 <= len(rings) <= 5 and all(3 <= len(ring["creditCodes"]) <= 5 for ring in rings)
    pairs = [case for case in per_kind["RELATED_PARTY"] if len(case["creditCodes"]) == 2]
    assert 15 <= len(pairs) <= 30
    assert {tuple(ring["creditCodes"]) for ring in rings} <= {
        tuple(case["creditCodes"]) for case in per_kind["RELATED_PARTY"]
    }
    kinds_of: dict[str, set[str]] = defaultdict(set)
    for case in truth:
        for code in case["creditCodes"]:
            kinds_of[code].add(case["kind"])
    alone = [kinds for kinds in kinds_of.values() if len(kinds - {"RELATED_PARTY"}) <= 1]
    assert len(alone) >= 0.9 * len(kinds_of) and len(alone) < len(kinds_of)  # some firms have two kinds


def test_fixture_firms_anchor_their_cases_and_no_other(sandbox: SandboxControl) -> None:
    truth, fixtures = sandbox.anomalies(), sandbox.fixture_codes()
    listed = {code for case in truth for code in case["creditCodes"]}
    for fixture in FIXTURES:
        kinds = {case["kind"] for case in truth if fixtures[fixture.name] in case["creditCodes"]}
        expected = {PLANTED_FIXTURES[fixture.name]} if fixture.name in PLANTED_FIXTURES else set()
        if fixture.name == "ring-member":
            expected.add("RELATED_PARTY")
        assert kinds == expected, fixture.name
    assert not {fixtures[name] for name in LOOKALIKE_FIXTURES} & listed


def test_same_seed_same_ground_truth() -> None:
    first = json.dumps(list(ground_truth(build_universe.__wrapped__(7, 500))), ensure_ascii=False)
    again = json.dumps(list(ground_truth(build_universe.__wrapped__(7, 500))), ensure_ascii=False)
    assert first == again
    assert first != json.dumps(list(ground_truth(build_universe.__wrapped__(8, 500))), ensure_ascii=False)


# every universe ---------------------------------------------------------------------------------------------
def test_the_served_truth_is_the_seeds(served: Served) -> None:
    fresh = ground_truth(build_universe.__wrapped__(served.seed, served.size))
    assert served.truth == json.loads(json.dumps(list(fresh)))


def test_every_planted_case_is_flagged_by_its_check(served: Served) -> None:
    for kind in KINDS:
        assert served.planted(kind) <= served.flagged.get(kind, set()), kind
    for case in served.cases("SALES_NOT_INVOICED"):
        (code,) = case["creditCodes"]
        assert known(checks.platform_to_invoiced(served.firms[code])) >= Decimal("2.5")
    for case in served.cases("ORDERS_WITHOUT_SHIPMENTS"):
        (code,) = case["creditCodes"]
        unmatched, _ = checks.unmatched_orders(served.firms[code])
        assert sorted(unmatched) == case["ids"]
    for case in served.cases("OUTPUT_ENERGY_DIVERGENCE"):
        (code,) = case["creditCodes"]
        sales, kwh = map(known, checks.growths(served.firms[code]))
        assert (
            checks.is_manufacturer(served.firms[code]) and sales >= Decimal("0.3") and kwh <= Decimal("-0.25")
        )
    for case in served.cases("SALES_SPIKE"):
        (code,) = case["creditCodes"]
        firm = served.firms[code]
        assert min(checks.spike_margins(firm)) > 0  # under every reading of the baseline and σ
        ratios = dict(zip(checks.LAST_12, checks.spike_ratios(firm) or [], strict=True))
        assert case["ids"] == checks.LAST_12[12 - len(case["ids"]) :] and all(
            ratios[m] >= 3 for m in case["ids"]
        )
    rings = {frozenset(cycle) for cycle in served.cycles}
    for case in served.cases("CIRCULAR_TRADE"):
        members = case["creditCodes"]
        assert frozenset(members) in rings
        steps = {(seller, members[(at + 1) % len(members)]) for at, seller in enumerate(members)}
        orders = {
            order["order_no"]
            for code in members
            for order in served.firms[code].sold
            if (order["seller_code"], order["buyer_code"]) in steps
        }
        assert sorted(orders) == case["ids"]
    registrations = {code: firm.registration for code, firm in served.firms.items()}
    for case in served.cases("RELATED_PARTY"):
        for code in case["creditCodes"]:
            related = checks.related_counterparties(served.firms[code], registrations)
            assert set(related) & set(case["creditCodes"]), code
    for case in served.cases("DUPLICATE_RECEIVABLE"):
        (code,) = case["creditCodes"]
        groups = checks.duplicate_receivables(served.firms[code])
        assert sorted(number for group in groups for number in group) == case["ids"]


def test_honest_firms_trip_no_check(served: Served) -> None:
    for kind in KINDS:
        assert not served.flagged.get(kind, set()) - served.planted(kind), kind
    for firm in served.honest("SALES_NOT_INVOICED"):
        ratio = checks.platform_to_invoiced(firm)
        assert ratio is None or ratio <= Decimal("1.2"), firm.code
    for firm in served.honest("ORDERS_WITHOUT_SHIPMENTS"):
        unmatched, shipped = checks.unmatched_orders(firm)
        assert len(unmatched) <= 0.05 * shipped, firm.code
    assert all(set(cycle) <= served.planted("CIRCULAR_TRADE") for cycle in served.cycles)


def test_lookalikes_look_like_cases_but_trip_nothing(served: Served) -> None:
    listed = {code for case in served.truth for code in case["creditCodes"]}
    assert set(served.lookalikes) == {"seasonal", "off_platform", "divergence_not_applicable"}
    for codes in served.lookalikes.values():
        assert codes and not set(codes) & listed
    for code in served.lookalikes["seasonal"]:
        invoiced = served.firms[code].invoiced
        months = sorted(checks.LAST_24, key=lambda month: invoiced[month])
        assert invoiced[months[-1]] >= 2 * invoiced[months[0]]  # peaks, but every year
    for code in served.lookalikes["off_platform"]:
        ratio = checks.platform_to_invoiced(served.firms[code])
        assert ratio is not None and 0 < ratio <= Decimal("0.08")
    for code in served.lookalikes["divergence_not_applicable"]:
        sales, kwh = map(known, checks.growths(served.firms[code]))
        assert (
            not checks.is_manufacturer(served.firms[code])
            and sales > Decimal("0.3")
            and kwh < Decimal("-0.25")
        )


# the fixture firms, at every seed ------------------------------------------------------------------------
def test_ring_member(served: Served) -> None:
    ring = served.case_of("ring-member", "CIRCULAR_TRADE")
    assert (
        len(ring["creditCodes"]) == 3
        and served.case_of("ring-member", "RELATED_PARTY")["creditCodes"] == ring["creditCodes"]
    )
    firm = served.fixture("ring-member")
    person = firm.registration["legalRepresentative"]["idNumber"]
    others = [served.firms[code].registration for code in ring["creditCodes"] if code != firm.code]
    holders = [{h.get("idNumber") for h in other["shareholders"]} for other in others]
    directors = [
        {m["idNumber"] for m in other["seniorManagers"] if m["role"] == "director"} for other in others
    ]
    assert person in holders[0] and person in directors[1]


def test_ghost_orders(served: Served) -> None:
    firm = served.fixture("ghost-orders")
    unmatched, shipped = checks.unmatched_orders(firm)
    assert len(unmatched) >= shipped - len(unmatched) > 0
    ghosts = {order["buyer_code"] for order in firm.sold if order["order_no"] in unmatched}
    shippers = {
        bill["consignee"]["creditCode"]
        for bill in firm.waybills
        if bill["shipper"]["creditCode"] == firm.code
    }
    assert len(ghosts) == 1 and len(shippers) == 2 and not ghosts & shippers


def test_inflated_sales(served: Served) -> None:
    ratio = checks.platform_to_invoiced(served.fixture("inflated-sales"))
    assert ratio is not None and abs(ratio - 3) < Decimal("0.001")


def test_sales_spike(served: Served) -> None:
    ratios = checks.spike_ratios(served.fixture("sales-spike"))
    assert ratios is not None and [round(r, 2) for r in ratios[-2:]] == [3.5, 4.0]
    assert served.case_of("sales-spike", "SALES_SPIKE")["ids"] == ["2026-09", "2026-10"]


def test_energy_divergence(served: Served) -> None:
    firm = served.fixture("energy-divergence")
    sales, kwh = checks.growths(firm)
    assert firm.registration["industryCode"] == "C33"
    assert sales is not None and kwh is not None and abs(sales - Decimal("0.40")) < Decimal("0.02")
    assert abs(kwh - Decimal("-0.35")) < Decimal("0.02")


def test_duplicate_receivables(served: Served) -> None:
    firm = served.fixture("duplicate-receivables")
    groups = checks.duplicate_receivables(firm)
    assert len(groups) == 2 and all(len(group) == 2 for group in groups)
    copies = {receivable["receivable_no"]: receivable for receivable in firm.receivables}
    assert all(not copies[max(group)]["confirmed"] for group in groups)  # the second number: not confirmed


def test_related_counterparty(served: Served) -> None:
    firm = served.fixture("related-counterparty")
    (partner,) = set(served.case_of("related-counterparty", "RELATED_PARTY")["creditCodes"]) - {firm.code}
    assert partner in {order["buyer_code"] for order in firm.sold}
    ours, theirs = (served.firms[code].registration["legalRepresentative"] for code in (firm.code, partner))
    assert ours == theirs  # one person: name, ID number and phone


def test_seasonal_seller(served: Served) -> None:
    firm = served.fixture("seasonal-seller")
    for year in ("2025", "2026"):  # harvest months at three times the others, on average
        peak = [firm.invoiced[f"{year}-{month:02d}"] for month in (8, 9, 10)]
        rest = [firm.invoiced[f"{year}-{month:02d}"] for month in range(1, 8)]
        assert sum(peak) / 3 > Decimal("2.5") * sum(rest) / 7
    assert max(checks.spike_margins(firm)) < 0


def test_off_platform_seller(served: Served) -> None:
    ratio = checks.platform_to_invoiced(served.fixture("off-platform-seller"))
    assert ratio is not None and 0 < ratio <= Decimal("0.05")


def test_wholesale_divergence(served: Served) -> None:
    firm = served.fixture("wholesale-divergence")
    sales, kwh = checks.growths(firm)
    assert firm.registration["industryCode"] == "F51"
    assert sales is not None and kwh is not None and sales > Decimal("0.3") and kwh < Decimal("-0.25")
    assert not checks.output_energy_divergence(firm)
