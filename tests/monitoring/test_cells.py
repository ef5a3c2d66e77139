"""Cells and their suppression, on facts made by hand (no database)."""

from __future__ import annotations

import random
from decimal import Decimal

from foundation.credit_code import generate
from hub.monitoring.cells import CellFilter, CellKey, Dimension, aggregate, flag, suppress
from hub.monitoring.facts import Amount, Confirmed, Consented, Facts, Firm, firm_of

ADDITIVE = ("confirmed_fen", "financed_fen", "overdue_fen", "firms", "consents", "financed_firms")


def _universe(counts: dict[str, int], seed: int = 1) -> Facts:
    rng = random.Random(seed)
    firms: dict[str, Firm] = {}
    for division, count in counts.items():
        for n in range(count):
            code = generate(division, rng)
            found = firm_of(code, f"industry-{n % 3}", False, {"2026-01": Decimal(1)})
            assert found is not None
            firms[code] = found
    codes = sorted(firms)
    core = codes[0]
    firms[core] = firm_of(core, "industry-0", True, {})  # type: ignore[assignment]
    financings = [
        Amount(code, core, "receivable-loan", i % 4, i % 4 == 0, 1000 + i) for i, code in enumerate(codes)
    ]
    overdue = [Amount(code, None, "tax-loan", 1, False, 77) for code in codes[::3]]
    confirmed = [Confirmed(code, core, 5000) for code in codes[1:]]
    consents = [Consented(code, True) for code in codes[::2]]
    return Facts(firms, financings, overdue, confirmed, consents)


def _measures(cells: list) -> dict[str, int]:  # type: ignore[type-arg]
    return {
        "confirmed_fen": sum(c.confirmed_fen for c in cells),
        "financed_fen": sum(c.total.financed_fen for c in cells),
        "overdue_fen": sum(c.total.overdue_fen for c in cells),
        "firms": sum(len(c.firms) for c in cells),
        "consents": sum(len(c.total.firms_with_consent) for c in cells),
        "financed_firms": sum(len(c.total.financed_firms) for c in cells),
    }


def test_counties_sum_to_their_city_and_cities_to_the_province() -> None:
    facts = _universe({"330102": 9, "330105": 4, "330203": 12, "330206": 6, "330302": 2})
    counties = aggregate(facts, [Dimension.COUNTY], CellFilter())
    cities = aggregate(facts, [Dimension.CITY], CellFilter())
    [province] = aggregate(facts, [Dimension.PROVINCE], CellFilter()).values()
    for city in cities.values():
        inside = [c for c in counties.values() if c.key.city == city.key.city]
        assert _measures(inside) == _measures([city])
    assert _measures(list(cities.values())) == _measures([province])
    assert province.total.financed_fen == sum(a.amount_fen for a in facts.financings)


def test_small_cells_are_suppressed_and_a_lone_suppressed_sibling_gets_a_complement() -> None:
    facts = _universe({"330102": 9, "330105": 4, "330106": 8, "330203": 12, "330206": 6})
    cells = aggregate(facts, [Dimension.COUNTY], CellFilter())
    suppress(cells, [Dimension.COUNTY], min_firms=5, bank=False)
    by_county = {key.county: cell for key, cell in cells.items()}
    assert by_county["拱墅区"].suppressed  # 4 firms
    assert by_county["西湖区"].suppressed  # the smallest sibling in 杭州市: its complement
    assert not by_county["上城区"].suppressed
    assert not by_county["海曙区"].suppressed and not by_county["北仑区"].suppressed
    for city in {key.city for key in cells}:
        hidden = [c for c in cells.values() if c.key.city == city and c.suppressed]
        assert len(hidden) != 1


def test_a_lone_suppressed_city_is_complemented_within_the_province() -> None:
    facts = _universe({"330102": 9, "330203": 12, "330302": 3})
    cells = aggregate(facts, [Dimension.CITY], CellFilter())
    suppress(cells, [Dimension.CITY], min_firms=5, bank=False)
    assert sum(cell.suppressed for cell in cells.values()) == 2


def test_a_bank_does_not_see_a_cell_fed_by_exactly_one_other_tenant() -> None:
    facts = _universe({"330102": 9})
    only_two = Facts(
        facts.firms,
        [a for a in facts.financings if a.tenant in (0, 1)],
        [],
        facts.confirmed,
        facts.consents,
    )
    cells = aggregate(only_two, [Dimension.CITY], CellFilter())
    suppress(cells, [Dimension.CITY], min_firms=5, bank=True)
    assert all(cell.suppressed for cell in cells.values())
    cells = aggregate(facts, [Dimension.CITY], CellFilter())  # tenants 0..3: three others
    suppress(cells, [Dimension.CITY], min_firms=5, bank=True)
    assert not any(cell.suppressed for cell in cells.values())


def test_core_cells_carry_the_ratio_and_the_flag() -> None:
    facts = _universe({"330102": 9})
    cells = aggregate(facts, [Dimension.CORE_ENTERPRISE], CellFilter())
    flag(cells.values(), 0.01)
    core = next(code for code, firm in facts.firms.items() if firm.is_core)
    cell = cells[CellKey(core_enterprise=core)]
    assert cell.confirmed_fen == 8 * 5000
    assert cell.ratio == round(cell.total.financed_fen / cell.confirmed_fen, 4)
    assert cell.flags == ["CORE_OVERFINANCED"]
    flag_free = aggregate(facts, [Dimension.CORE_ENTERPRISE], CellFilter())
    flag(flag_free.values(), 100)
    assert all(not c.flags for c in flag_free.values())
