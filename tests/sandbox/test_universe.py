"""The synthetic universe: valid codes in Zhejiang, core enterprises with chains, good and bad firms."""

from __future__ import annotations

import time
from collections import Counter

from foundation.credit_code import is_valid, region_of
from sandbox.electricity_data import consumption
from sandbox.flows import receivables_of
from sandbox.tax_data import tax_facts
from sandbox.universe import build_universe, history_months


def test_codes_are_valid_unique_and_in_zhejiang() -> None:
    universe = build_universe(20261125, 2000)
    codes = [firm.credit_code for firm in universe.firms]
    assert len(codes) == len(set(codes)) == 2000
    assert all(is_valid(code) for code in codes)
    regions = [region_of(code) for code in codes[:200]]
    assert {region.province for region in regions} == {"浙江省"}
    assert all(region.city and region.county for region in regions)
    assert len({firm.name for firm in universe.firms}) == 2000


def test_core_enterprises_have_suppliers_and_distributors() -> None:
    universe = build_universe(20261125, 2000)
    cores = [firm for firm in universe.firms if firm.is_core]
    assert 20 <= len(cores) <= 60
    for core in cores:
        relations = universe.relations_of[core.credit_code]
        suppliers = {relation.seller.credit_code for relation in relations if relation.buyer is core}
        distributors = {relation.buyer.credit_code for relation in relations if relation.seller is core}
        assert 10 <= len(suppliers) <= 40
        assert 10 <= len(distributors) <= 40


def test_good_and_bad_firms_both_exist() -> None:
    health = Counter(firm.health for firm in build_universe(20261125, 2000).firms)
    assert health["good"] > health["fair"] > health["bad"] > 100


def test_same_seed_same_universe_other_seed_another() -> None:
    first, again = build_universe(7, 300), build_universe.__wrapped__(7, 300)
    assert [(firm.credit_code, firm.name) for firm in first.firms] == [
        (firm.credit_code, firm.name) for firm in again.firms
    ]
    assert [(r.seller.index, r.buyer.index) for r in first.relations] == [
        (r.seller.index, r.buyer.index) for r in again.relations
    ]
    assert first.firms[0].credit_code != build_universe(8, 300).firms[0].credit_code


def test_ten_thousand_firms_build_fast() -> None:
    started = time.perf_counter()
    universe = build_universe.__wrapped__(99, 10_000)
    assert time.perf_counter() - started < 3
    assert len(universe.by_code) == 10_000


def test_history_is_24_months_ending_2026_10() -> None:
    months = history_months()
    assert len(months) == 24
    assert (months[0].isoformat(), months[-1].isoformat()) == ("2024-11-01", "2026-10-01")


def test_bad_firms_carry_signal_in_every_source() -> None:
    universe = build_universe(20261125, 2000)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    def arrears_months(code: str) -> int:
        return sum(item["arrears"] != "0.00" for item in consumption(universe, code, 0))

    def kwh_change(code: str) -> float:
        items = consumption(universe, code, 0)
        first, last = (sum(float(str(item["kwh"])) for item in part) for part in (items[:12], items[12:]))
        return last / first - 1

    def unconfirmed_share(code: str) -> float:
        receivables = [item for item in receivables_of(universe, code) if item["creditor_code"] == code]
        return sum(not item["confirmed"] for item in receivables) / max(1, len(receivables))

    groups = {
        health: [f.credit_code for f in universe.firms if f.health == health][:60]
        for health in ("good", "bad")
    }
    good, bad = groups["good"], groups["bad"]
    assert mean([arrears_months(code) for code in bad]) > 3 > mean([arrears_months(code) for code in good])
    assert mean([kwh_change(code) for code in bad]) < 0 < mean([kwh_change(code) for code in good])
    assert {tax_facts(universe, code).grade for code in bad} <= {"C", "D"}
    assert {tax_facts(universe, code).grade for code in good} <= {"A", "B", "M"}
    assert mean([unconfirmed_share(code) for code in bad]) > mean([unconfirmed_share(code) for code in good])
