"""The monitoring service: one answer per ``monitoring`` or ``coreExposure`` question.

Regulators (``Principal.aggregates_only``) see every tenant's financings; a bank sees the same totals,
anonymised (no tenant named, nothing split by tenant, a cell or exposure fed by exactly one other tenant
withheld), beside its own figures. Built once per process (:func:`monitoring_service`).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.principal import Principal
from foundation.credit_code.checked import checked_credit_code
from foundation.errors import BadRequest
from foundation.settings import Settings
from hub.monitoring.cells import (
    CORE_OVERFINANCED,
    Cell,
    CellFilter,
    CellKey,
    Dimension,
    Figures,
    aggregate,
    flag,
    suppress,
)
from hub.monitoring.electricity import IndexPoint, check_period, electricity_index
from hub.monitoring.facts import Confirmed, Facts, Firm, load_facts
from hub.monitoring.summary import refresh_summaries, watermark

MIN_CELL_FIRMS = 5
"""Cells of fewer firms are suppressed (and industries left out of the electricity index)."""
CENT = Decimal("0.01")


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


@dataclass(frozen=True, slots=True)
class ProductAmount:
    product: str
    amount_yuan: Decimal


@dataclass(frozen=True, slots=True)
class CellFigures:
    """Figures of one tenant (the viewer's own) in a cell."""

    firms_with_consent: int
    financed_firms: int
    financed_yuan: Decimal
    financed_by_product: list[ProductAmount]
    overdue_yuan: Decimal


@dataclass(frozen=True, slots=True)
class MonitoringCell:
    key: CellKey
    suppressed: bool
    firms: int | None
    firms_with_consent: int | None
    financed_firms: int | None
    financed_yuan: Decimal | None
    financed_by_product: list[ProductAmount] | None
    overdue_yuan: Decimal | None
    confirmed_receivables_yuan: Decimal | None
    financed_to_confirmed: float | None
    flags: list[str]
    own: CellFigures | None


@dataclass(frozen=True, slots=True)
class MonitoringAnswer:
    cells: list[MonitoringCell]
    electricity_index: list[IndexPoint]
    threshold: float
    minimum_firms: int


@dataclass(frozen=True, slots=True)
class CoreExposure:
    credit_code: str
    confirmed_yuan: Decimal
    financed_yuan: Decimal | None  # withheld from a bank when exactly one other tenant lends
    own_financed_yuan: Decimal | None  # a bank's own; None for a regulator
    lenders: int
    financed_to_confirmed: float | None
    flags: list[str]


def _products(figures: Figures) -> list[ProductAmount]:
    return [ProductAmount(kind, yuan(fen)) for kind, fen in sorted(figures.by_product_fen.items())]


def _own(figures: Figures) -> CellFigures:
    return CellFigures(
        firms_with_consent=len(figures.firms_with_consent),
        financed_firms=len(figures.financed_firms),
        financed_yuan=yuan(figures.financed_fen),
        financed_by_product=_products(figures),
        overdue_yuan=yuan(figures.overdue_fen),
    )


def _answer_cell(cell: Cell, bank: bool) -> MonitoringCell:
    own = _own(cell.own) if bank else None
    if cell.suppressed:
        return MonitoringCell(cell.key, True, None, None, None, None, None, None, None, None, [], own)
    return MonitoringCell(
        key=cell.key,
        suppressed=False,
        firms=len(cell.firms),
        firms_with_consent=len(cell.total.firms_with_consent),
        financed_firms=len(cell.total.financed_firms),
        financed_yuan=yuan(cell.total.financed_fen),
        financed_by_product=_products(cell.total),
        overdue_yuan=yuan(cell.total.overdue_fen),
        confirmed_receivables_yuan=yuan(cell.confirmed_fen),
        financed_to_confirmed=cell.ratio,
        flags=list(cell.flags),
        own=own,
    )


class MonitoringService:
    """Parameters: ``sessions`` of the hub's database; ``settings`` for ``core_overfinanced_ratio``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessions = sessions
        self.threshold = settings.core_overfinanced_ratio
        self._refreshing = asyncio.Lock()
        self._stable: tuple[tuple[int, int], tuple[dict[str, Firm], list[Confirmed]]] | None = None

    async def _facts(self, viewer: str | None) -> Facts:
        async with self._refreshing:
            await refresh_summaries(self.sessions)
            mark = await watermark(self.sessions)
            stable = self._stable[1] if self._stable is not None and self._stable[0] == mark else None
            facts, kept = await load_facts(self.sessions, viewer, stable)
            self._stable = (mark, kept)
        return facts

    async def monitoring(
        self,
        principal: Principal,
        group_by: Sequence[Dimension],
        cell_filter: CellFilter,
        period: str | None,
    ) -> MonitoringAnswer:
        if not group_by:
            raise BadRequest("groupBy needs at least one dimension", argument="groupBy")
        check_period(period)
        bank = not principal.aggregates_only
        facts = await self._facts(principal.tenant_id if bank else None)
        cells = aggregate(facts, list(dict.fromkeys(group_by)), cell_filter)
        flag(cells.values(), self.threshold)
        firms = {code for cell in cells.values() for code in cell.firms}
        index = electricity_index(
            (facts.firms[code] for code in sorted(firms) if code in facts.firms),
            period,
            min_firms=MIN_CELL_FIRMS,
        )
        suppress(cells, group_by, min_firms=MIN_CELL_FIRMS, bank=bank)
        return MonitoringAnswer(
            cells=[_answer_cell(cells[key], bank) for key in sorted(cells, key=_sort_key)],
            electricity_index=index,
            threshold=self.threshold,
            minimum_firms=MIN_CELL_FIRMS,
        )

    async def core_exposure(self, principal: Principal, credit_code: str) -> CoreExposure:
        code = checked_credit_code(credit_code)
        bank = not principal.aggregates_only
        facts = await self._facts(principal.tenant_id if bank else None)
        firm = facts.firms.get(code)
        if firm is None or not firm.is_core:
            raise BadRequest(f"{code} is not a core enterprise the hub knows", argument="creditCode")
        confirmed = sum(c.amount_fen for c in facts.confirmed if c.debtor_code == code)
        live = [f for f in facts.financings if f.debtor_code == code]
        financed = sum(f.amount_fen for f in live)
        lenders = {f.tenant for f in live}
        own_fen = sum(f.amount_fen for f in live if f.own)
        others = len(lenders) - (1 if any(f.own for f in live) else 0)
        ratio = round(financed / confirmed, 4) if confirmed > 0 else None
        withheld = bank and others == 1
        return CoreExposure(
            credit_code=code,
            confirmed_yuan=yuan(confirmed),
            financed_yuan=None if withheld else yuan(financed),
            own_financed_yuan=yuan(own_fen) if bank else None,
            lenders=len(lenders),
            financed_to_confirmed=None if withheld else ratio,
            flags=[CORE_OVERFINANCED] if ratio is not None and ratio > self.threshold else [],
        )


def _sort_key(key: CellKey) -> tuple[str, ...]:
    return tuple(
        value or "" for value in (key.province, key.city, key.county, key.industry, key.core_enterprise)
    )


_SERVICES: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], MonitoringService] = (
    weakref.WeakKeyDictionary()
)


def monitoring_service(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> MonitoringService:
    """The process's service over ``sessions`` (made on first use: one refresh lock and cache per hub)."""
    service = _SERVICES.get(sessions)
    if service is None:
        service = _SERVICES[sessions] = MonitoringService(sessions, settings)
    return service
