"""Cells of the monitoring view: facts grouped by region, industry and core enterprise, then suppressed.

Rows. Without ``CORE_ENTERPRISE`` each firm is one row holding all its figures, so every additive measure
of the county cells sums to its city's and the cities' to the province's. With it, a row is a (firm,
core) pair: receivables and financings go to the pair of their debtor (debtors that are not core
enterprises to the pair with no core: never a non-core firm's code), firm-level figures (the firm, its
consents, its overdue loans) to each of its pairs, so across cores only the receivable and financing
figures add up.

Suppression (``suppressed: true``, every measure null). Primary: a cell of fewer than ``min_firms``
firms; for a bank also a cell whose financings or overdue loans come from exactly one other tenant
(the total minus the bank's own would be that tenant's figure). Secondary: for each grouped dimension
the cells are grouped by their parent (county → its city, city → its province, province, industry and
core → everything); a parent with exactly one suppressed child gets its smallest other child suppressed
too, repeated until nothing changes, so no suppressed cell is the difference between a parent total (an
answer of a coarser grouping) and its visible siblings. Not covered: differences across filters (a
county filtered to all but one industry), which a reader with many queries could still combine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from hub.monitoring.facts import Facts, Firm, firm_of


class Dimension(StrEnum):
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"
    INDUSTRY = "INDUSTRY"
    CORE_ENTERPRISE = "CORE_ENTERPRISE"


REGION_LEVELS = (Dimension.PROVINCE, Dimension.CITY, Dimension.COUNTY)
CORE_OVERFINANCED = "CORE_OVERFINANCED"
MAX_PASSES = 50


@dataclass(frozen=True, slots=True, order=True)
class CellKey:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    industry: str | None = None
    core_enterprise: str | None = None


@dataclass(frozen=True, slots=True)
class CellFilter:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    industry: str | None = None
    core_enterprise: str | None = None

    def admits(self, key: CellKey) -> bool:
        return all(
            wanted is None or wanted == getattr(key, name)
            for name, wanted in (
                ("province", self.province),
                ("city", self.city),
                ("county", self.county),
                ("industry", self.industry),
                ("core_enterprise", self.core_enterprise),
            )
        )


@dataclass
class Figures:
    """Additive figures of a cell (money in fen)."""

    financed_firms: set[str] = field(default_factory=set)
    financed_fen: int = 0
    by_product_fen: Counter[str] = field(default_factory=Counter)
    overdue_fen: int = 0
    firms_with_consent: set[str] = field(default_factory=set)


@dataclass
class Cell:
    key: CellKey
    firms: set[str] = field(default_factory=set)
    confirmed_fen: int = 0
    total: Figures = field(default_factory=Figures)
    own: Figures = field(default_factory=Figures)
    lenders: set[int] = field(default_factory=set)
    own_lends: bool = False
    suppressed: bool = False
    flags: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.confirmed_fen <= 0:
            return None
        return round(self.total.financed_fen / self.confirmed_fen, 4)

    @property
    def other_lenders(self) -> int:
        return len(self.lenders) - (1 if self.own_lends else 0)


def _key_of(firm: Firm, core: str | None, group_by: Sequence[Dimension]) -> CellKey:
    finest = max((REGION_LEVELS.index(d) for d in group_by if d in REGION_LEVELS), default=-1)
    return CellKey(
        province=firm.province if finest >= 0 else None,
        city=firm.city if finest >= 1 else None,
        county=firm.county if finest >= 2 else None,
        industry=firm.industry if Dimension.INDUSTRY in group_by else None,
        core_enterprise=core if Dimension.CORE_ENTERPRISE in group_by else None,
    )


def _full_key(firm: Firm, core: str | None) -> CellKey:
    return CellKey(firm.province, firm.city, firm.county, firm.industry, core)


def aggregate(facts: Facts, group_by: Sequence[Dimension], cell_filter: CellFilter) -> dict[CellKey, Cell]:
    """The unsuppressed cells of ``group_by`` over the firms ``cell_filter`` admits."""
    firms = dict(facts.firms)
    for code in {a.credit_code for a in facts.financings} | {a.credit_code for a in facts.overdue}:
        if code not in firms:  # financed, not (yet) in the summaries: its region from its code
            found = firm_of(code, None, False, {})
            if found is not None:
                firms[code] = found
    by_core = Dimension.CORE_ENTERPRISE in group_by or cell_filter.core_enterprise is not None

    def core_of(debtor: str | None) -> str | None:
        found = firms.get(debtor) if debtor is not None else None
        return debtor if found is not None and found.is_core else None

    pairs: dict[str, set[str | None]] = {code: set() for code in firms}
    if by_core:
        for confirmed in facts.confirmed:
            if confirmed.creditor_code in pairs:
                pairs[confirmed.creditor_code].add(core_of(confirmed.debtor_code))
        for financing in facts.financings:
            pairs[financing.credit_code].add(core_of(financing.debtor_code))
    cells: dict[CellKey, Cell] = {}
    rows: dict[tuple[str, str | None], Cell] = {}
    for code, firm in firms.items():
        for core in pairs[code] or {None}:
            if not cell_filter.admits(_full_key(firm, core)):
                continue
            key = _key_of(firm, core, group_by)
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = Cell(key)
            cell.firms.add(code)
            rows[(code, core)] = cell

    def rows_of(code: str, debtor: str | None) -> list[Cell]:
        found = rows.get((code, core_of(debtor) if by_core else None))
        return [found] if found is not None else []

    for confirmed in facts.confirmed:
        for cell in rows_of(confirmed.creditor_code, confirmed.debtor_code):
            cell.confirmed_fen += confirmed.amount_fen
    for financing in facts.financings:
        for cell in rows_of(financing.credit_code, financing.debtor_code):
            for figures in (cell.total, cell.own) if financing.own else (cell.total,):
                figures.financed_firms.add(financing.credit_code)
                figures.financed_fen += financing.amount_fen
                figures.by_product_fen[financing.product_kind] += financing.amount_fen
            cell.lenders.add(financing.tenant)
            cell.own_lends |= financing.own
    firm_rows: dict[str, list[Cell]] = {}
    for (code, _), cell in rows.items():
        firm_rows.setdefault(code, []).append(cell)
    for overdue in facts.overdue:
        for cell in firm_rows.get(overdue.credit_code, ()):
            for figures in (cell.total, cell.own) if overdue.own else (cell.total,):
                figures.overdue_fen += overdue.amount_fen
            cell.lenders.add(overdue.tenant)
            cell.own_lends |= overdue.own
    for consent in facts.consents:
        for cell in firm_rows.get(consent.credit_code, ()):
            cell.total.firms_with_consent.add(consent.credit_code)
            if consent.own:
                cell.own.firms_with_consent.add(consent.credit_code)
    return cells


def _parent(key: CellKey, dimension: Dimension) -> CellKey:
    if dimension == Dimension.COUNTY:
        return replace(key, county=None)
    if dimension == Dimension.CITY:
        return replace(key, city=None, county=None)
    if dimension == Dimension.PROVINCE:
        return replace(key, province=None, city=None, county=None)
    if dimension == Dimension.INDUSTRY:
        return replace(key, industry=None)
    return replace(key, core_enterprise=None)


def _finest_region(group_by: Iterable[Dimension]) -> list[Dimension]:
    regions = [d for d in REGION_LEVELS if d in group_by]
    return regions[-1:]


def suppress(
    cells: dict[CellKey, Cell], group_by: Sequence[Dimension], *, min_firms: int, bank: bool
) -> None:
    """Mark primary and secondary suppressions (module docstring)."""
    for cell in cells.values():
        cell.suppressed = len(cell.firms) < min_firms or (bank and cell.other_lenders == 1)
    dimensions = [*_finest_region(group_by), *(d for d in group_by if d not in REGION_LEVELS)]
    for _ in range(MAX_PASSES):
        changed = False
        for dimension in dimensions:
            siblings: dict[CellKey, list[Cell]] = {}
            for cell in cells.values():
                siblings.setdefault(_parent(cell.key, dimension), []).append(cell)
            for group in siblings.values():
                hidden = [cell for cell in group if cell.suppressed]
                shown = [cell for cell in group if not cell.suppressed]
                if len(hidden) == 1 and shown:
                    min(shown, key=lambda cell: (len(cell.firms), cell.key)).suppressed = True
                    changed = True
        if not changed:
            return


def flag(cells: Iterable[Cell], threshold: float) -> None:
    for cell in cells:
        ratio = cell.ratio
        if cell.key.core_enterprise is not None and ratio is not None and ratio > threshold:
            cell.flags.append(CORE_OVERFINANCED)
