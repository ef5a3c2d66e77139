"""The per-firm summaries the monitoring view aggregates, kept up with the snapshots.

Reading 2,000 firms' payloads on every monitoring query would cost seconds; the summaries hold what the
view needs of each firm (division, industry, core or not, monthly kWh: ``firm_summary``) and of each
receivable (creditor, debtor, amount, confirmed, settled: ``trade_receivable_fact``), derived from the
latest registry, electricity and trade snapshots. ``monitoring_watermark`` names the highest snapshot id
taken in: :func:`refresh_summaries` (run before each monitoring answer) rereads only the firms with newer
snapshots, so an unchanged universe costs two small queries. Idempotent: replicas refreshing at once write
the same rows.

Caveat: the trigger is a new snapshot row. A firm whose content goes A → B → A again (no new row, only
``checked_at`` moves) keeps B's summary until its next new content.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from foundation.credit_code import InvalidCreditCode, validate
from foundation.logging import get_logger
from foundation.storage.models import FirmSummary, MonitoringWatermark, Snapshot, TradeReceivableFact

SOURCES = ("registry", "electricity", "trade")
CHUNK = 200
log = get_logger(__name__)


def _fen(amount_yuan: Any) -> int:
    return int((Decimal(str(amount_yuan)) * 100).to_integral_value())


def kwh_by_month(payload: dict[str, Any]) -> dict[str, str]:
    """An electricity payload's kWh summed over its accounts, by ``YYYY-MM``."""
    months: dict[str, Decimal] = {}
    for month in payload.get("months", ()):
        key = str(month["month"])[:7]
        months[key] = months.get(key, Decimal(0)) + Decimal(str(month["kwh"]))
    return {key: str(value) for key, value in sorted(months.items())}


def receivable_facts(payload: dict[str, Any], snapshot_id: int) -> list[dict[str, Any]]:
    """A trade payload's receivables as ``trade_receivable_fact`` rows."""
    return [
        {
            "receivable_no": receivable["receivable_no"],
            "creditor_code": receivable["creditor_code"],
            "debtor_code": receivable["debtor_code"],
            "amount_fen": _fen(receivable["amount_yuan"]),
            "confirmed": bool(receivable["confirmed"]),
            "settled": bool(receivable["settled"]),
            "snapshot_id": snapshot_id,
        }
        for receivable in payload.get("receivables", ())
    ]


def _division(credit_code: str) -> str | None:
    try:
        return validate(credit_code)[2:8]
    except InvalidCreditCode:
        return None


async def _latest_ids(session: AsyncSession, codes: Sequence[str]) -> dict[tuple[str, str], int]:
    """(source, credit code) → the id of its latest snapshot (by ``checked_at``, as the read path)."""
    query = select(
        Snapshot.id, Snapshot.source, Snapshot.credit_code, Snapshot.checked_at, Snapshot.fetched_at
    ).where(Snapshot.credit_code.in_(codes), Snapshot.source.in_(SOURCES))
    latest: dict[tuple[str, str], tuple[Any, Any, int]] = {}
    for row in await session.execute(query):
        order = (row.checked_at, row.fetched_at, row.id)
        key = (row.source, row.credit_code)
        if key not in latest or order > latest[key]:
            latest[key] = order
    return {key: order[2] for key, order in latest.items()}


async def _refresh_chunk(sessions: async_sessionmaker[AsyncSession], codes: Sequence[str]) -> int:
    async with sessions() as session:
        latest = await _latest_ids(session, codes)
        payloads: dict[int, dict[str, Any]] = {}
        ids = list(latest.values())
        for start in range(0, len(ids), CHUNK):
            query = select(Snapshot.id, Snapshot.payload).where(Snapshot.id.in_(ids[start : start + CHUNK]))
            payloads.update({row.id: row.payload for row in await session.execute(query)})
    now = datetime.now(UTC)
    summaries = []
    facts: dict[str, dict[str, Any]] = {}
    for code in codes:
        registry_id = latest.get(("registry", code))
        division = _division(code)
        if registry_id is not None and division is not None:
            registry = payloads[registry_id]
            electricity_id = latest.get(("electricity", code))
            summaries.append(
                {
                    "credit_code": code,
                    "division_code": division,
                    "industry": registry.get("industry"),
                    "is_core": bool(registry.get("is_core")),
                    "kwh_by_month": kwh_by_month(payloads[electricity_id]) if electricity_id else {},
                    "updated_at": now,
                }
            )
        trade_id = latest.get(("trade", code))
        if trade_id is not None:
            for fact in receivable_facts(payloads[trade_id], trade_id):
                known = facts.get(fact["receivable_no"])
                if known is None or known["snapshot_id"] < fact["snapshot_id"]:
                    facts[fact["receivable_no"]] = fact
    async with sessions.begin() as session:
        if facts:
            numbers = list(facts)
            for start in range(0, len(numbers), CHUNK):
                part = numbers[start : start + CHUNK]
                query = select(TradeReceivableFact.receivable_no, TradeReceivableFact.snapshot_id).where(
                    TradeReceivableFact.receivable_no.in_(part)
                )
                for number, seen in await session.execute(query):
                    if seen > facts[number]["snapshot_id"]:
                        del facts[number]  # a newer snapshot (the counterparty's) already said more
                await session.execute(
                    delete(TradeReceivableFact).where(
                        TradeReceivableFact.receivable_no.in_([n for n in part if n in facts])
                    )
                )
            if facts:
                await session.execute(insert(TradeReceivableFact), list(facts.values()))
        await session.execute(delete(FirmSummary).where(FirmSummary.credit_code.in_(codes)))
        if summaries:
            await session.execute(insert(FirmSummary), summaries)
    return len(summaries)


def _chunks(codes: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(codes)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


async def watermark(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """(snapshot id taken in, highest snapshot id of the monitored sources now)."""
    async with sessions() as session:
        head = await session.scalar(select(func.max(Snapshot.id)).where(Snapshot.source.in_(SOURCES)))
        mark = await session.get(MonitoringWatermark, 1)
    return (mark.snapshot_id if mark is not None else 0), (head or 0)


async def refresh_summaries(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Take in every snapshot newer than the watermark; the number of firm summaries rewritten."""
    seen, head = await watermark(sessions)
    if head <= seen:
        return 0
    query = (
        select(Snapshot.credit_code)
        .where(Snapshot.id > seen, Snapshot.id <= head, Snapshot.source.in_(SOURCES))
        .distinct()
    )
    async with sessions() as session:
        changed = list((await session.scalars(query)).all())
    rewritten = 0
    for codes in _chunks(changed):
        for attempt in range(3):
            try:
                rewritten += await _refresh_chunk(sessions, codes)
                break
            except IntegrityError:  # another replica wrote the same rows first: read again
                if attempt == 2:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))
    async with sessions.begin() as session:
        mark = await session.get(MonitoringWatermark, 1, with_for_update=True)
        if mark is None:
            session.add(MonitoringWatermark(id=1, snapshot_id=head))
        else:
            await session.execute(
                update(MonitoringWatermark)
                .where(MonitoringWatermark.id == 1, MonitoringWatermark.snapshot_id < head)
                .values(snapshot_id=head)
            )
    log.info("monitoring_summaries_refreshed", firms=rewritten, snapshot_id=head)
    return rewritten
