"""A small monitoring universe with known figures: two cities of two counties each, two core enterprises
(上城区's first firm, the one every supplier sells to; 海曙区's first, whose county sells to nobody),
written straight into the tables the monitoring view reads (snapshots, financings, loan reports)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.clients import ensure_tenant
from foundation.credit_code import generate
from foundation.storage.models import Financing, LoanReport, Snapshot

# county division → number of firms: 杭州市 (上城区 6, 拱墅区 5), 宁波市 (海曙区 7, 北仑区 3)
COUNTIES = {"330102": 6, "330105": 5, "330203": 7, "330206": 3}
INDUSTRIES = ("纺织业", "通用设备制造业")
MONTHS = ("2026-01", "2026-02", "2026-03")


@dataclass
class Universe:
    firms: dict[str, list[str]] = field(default_factory=dict)  # county division → codes
    core: str = ""
    other_core: str = ""

    @property
    def codes(self) -> list[str]:
        return [code for codes in self.firms.values() for code in codes]

    @property
    def suppliers(self) -> list[str]:
        """Every firm outside 海曙区 but the core: each holds receivables against the core."""
        return [code for code in self.codes if code != self.core and code not in self.firms["330203"]]


def build() -> Universe:
    rng = random.Random(15)
    universe = Universe()
    for division, count in COUNTIES.items():
        universe.firms[division] = [generate(division, rng) for _ in range(count)]
    universe.core = universe.firms["330102"][0]
    universe.other_core = universe.firms["330203"][0]
    return universe


def _snapshot(source: str, code: str, payload: dict[str, Any], number: int) -> Snapshot:
    now = datetime.now(UTC)
    return Snapshot(
        source=source,
        credit_code=code,
        fetched_at=now,
        checked_at=now,
        content_hash=f"{number:064d}",
        payload=payload,
    )


async def write_snapshots(sessions: async_sessionmaker[AsyncSession], universe: Universe) -> None:
    """Registry (industry, core), electricity (100, 110, 120 kWh a month) and trade: every supplier holds
    one confirmed, unsettled receivable of 10,000 yuan against the core, and one unconfirmed."""
    rows = []
    for number, code in enumerate(universe.codes):
        industry = INDUSTRIES[number % 2]
        rows.append(
            _snapshot(
                "registry",
                code,
                {"industry": industry, "is_core": code in (universe.core, universe.other_core)},
                number,
            )
        )
        months = [{"month": f"{month}-01", "kwh": str(100 + 10 * i)} for i, month in enumerate(MONTHS)]
        rows.append(_snapshot("electricity", code, {"months": months}, number))
        if code in universe.suppliers:
            receivables = [
                {
                    "receivable_no": f"R-{number}-{n}",
                    "creditor_code": code,
                    "debtor_code": universe.core,
                    "amount_yuan": "10000.00",
                    "confirmed": confirmed,
                    "settled": False,
                }
                for n, confirmed in enumerate((True, False))
            ]
            rows.append(_snapshot("trade", code, {"receivables": receivables}, number))
    async with sessions.begin() as session:
        session.add_all(rows)


async def finance(
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    code: str,
    debtor: str,
    amount_yuan: int,
    *,
    product: str = "receivable-loan",
    status: str = "LIVE",
) -> None:
    async with sessions.begin() as session:
        await ensure_tenant(session, tenant)
        number = f"{tenant}-{code}-{amount_yuan}-{status}"[-32:]
        session.add(
            Financing(
                id=number,
                tenant_id=tenant,
                client_id="cl-test",
                receivable_no=f"RCV-{number}",
                root_no=f"RCV-{number}",
                credit_code=code,
                debtor_code=debtor,
                amount_fen=amount_yuan * 100,
                registration_no=None,
                product=product,
                status=status,
                created_at=datetime.now(UTC),
                released_at=None,
            )
        )


async def report_overdue(
    sessions: async_sessionmaker[AsyncSession], tenant: str, code: str, amount_yuan: int
) -> None:
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        await ensure_tenant(session, tenant)
        session.add(
            LoanReport(
                id=f"L-{tenant}-{code}"[-32:],
                tenant_id=tenant,
                credit_code=code,
                product="receivable-loan",
                amount_fen=amount_yuan * 100,
                disbursed_on=date(2026, 1, 5),
                status="OVERDUE",
                created_at=now,
                updated_at=now,
                reported_by="cl-test",
            )
        )
