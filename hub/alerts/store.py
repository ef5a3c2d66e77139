"""The alerts' tables: watchlists, rules (and built-ins' overrides), alerts, indicator flag states."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from foundation.storage.models import Alert, AlertRule, IndicatorFlagState, WatchedFirm
from hub.alerts.rules import Firing, fingerprint
from hub.events import Event


@dataclass(frozen=True, slots=True)
class StoredAlert:
    id: str
    tenant_id: str
    credit_code: str
    rule: str
    severity: str
    period: str
    details: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, row: Alert) -> StoredAlert:
        return cls(
            row.id,
            row.tenant_id,
            row.credit_code,
            row.rule,
            row.severity,
            row.period,
            row.details,
            row.created_at,
        )


def _upsert(session: AsyncSession) -> Any:
    return postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


class AlertBook:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # watchlists --------------------------------------------------------------------------------------
    async def watch(self, tenant_id: str, credit_codes: Sequence[str], at: datetime) -> None:
        async with self._sessions.begin() as session:
            rows = [{"tenant_id": tenant_id, "credit_code": code, "added_at": at} for code in credit_codes]
            if rows:
                await session.execute(_upsert(session)(WatchedFirm).values(rows).on_conflict_do_nothing())

    async def unwatch(self, tenant_id: str, credit_codes: Sequence[str]) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(WatchedFirm).where(
                    WatchedFirm.tenant_id == tenant_id, WatchedFirm.credit_code.in_(list(credit_codes))
                )
            )

    async def watchlist(self, tenant_id: str) -> list[WatchedFirm]:
        async with self._sessions() as session:
            found = await session.scalars(
                select(WatchedFirm)
                .where(WatchedFirm.tenant_id == tenant_id)
                .order_by(WatchedFirm.credit_code)
            )
            return list(found)

    async def watched(self, tenant_id: str, credit_code: str) -> WatchedFirm | None:
        async with self._sessions() as session:
            return await session.get(WatchedFirm, (tenant_id, credit_code))

    async def watching_changed(self, events: Sequence[Event]) -> list[tuple[str, str]]:
        """(tenant, firm) of every tenant watching a firm whose record these events say changed."""
        changed = sorted({event.credit_code for event in events if event.type == "profile.changed"})
        return await self.watchers(changed) if changed else []

    async def watchers(self, credit_codes: Sequence[str]) -> list[tuple[str, str]]:
        """(tenant, firm) of every tenant watching one of ``credit_codes``."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(WatchedFirm.tenant_id, WatchedFirm.credit_code).where(
                    WatchedFirm.credit_code.in_(list(credit_codes))
                )
            )
            return [(tenant, code) for tenant, code in rows]

    async def set_baseline(self, tenant_id: str, credit_code: str, baseline: dict[str, Any]) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(WatchedFirm)
                .where(WatchedFirm.tenant_id == tenant_id, WatchedFirm.credit_code == credit_code)
                .values(baseline=baseline)
            )

    # rules -------------------------------------------------------------------------------------------
    async def rules(self, tenant_id: str) -> list[AlertRule]:
        async with self._sessions() as session:
            found = await session.scalars(
                select(AlertRule).where(AlertRule.tenant_id == tenant_id).order_by(AlertRule.name)
            )
            return list(found)

    async def set_rule(
        self, tenant_id: str, name: str, document: dict[str, Any] | None, enabled: bool, at: datetime
    ) -> AlertRule:
        async with self._sessions.begin() as session:
            row = await session.get(AlertRule, (tenant_id, name))
            if row is None:
                row = AlertRule(
                    tenant_id=tenant_id, name=name, document=document, enabled=enabled, updated_at=at
                )
                session.add(row)
            else:
                row.document, row.enabled, row.updated_at = document, enabled, at
            return row

    # alerts ------------------------------------------------------------------------------------------
    async def add(
        self, tenant_id: str, credit_code: str, firings: Sequence[Firing], at: datetime
    ) -> list[StoredAlert]:
        """Store the firings not stored before (by fingerprint); returns the new ones."""
        added = []
        async with self._sessions.begin() as session:
            for firing in firings:
                row: dict[str, Any] = {
                    "id": f"alr_{uuid.uuid4().hex}",
                    "tenant_id": tenant_id,
                    "credit_code": credit_code,
                    "rule": firing.rule,
                    "severity": firing.severity,
                    "period": firing.period,
                    "fingerprint": fingerprint(tenant_id, firing.rule, credit_code, firing.period),
                    "details": {**firing.details, "sources": list(firing.sources)},
                    "created_at": at,
                }
                done = await session.execute(_upsert(session)(Alert).values(row).on_conflict_do_nothing())
                if done.rowcount:  # type: ignore[attr-defined]
                    added.append(StoredAlert(**{k: v for k, v in row.items() if k != "fingerprint"}))
        return added

    async def recent(self, tenant_id: str, credit_code: str, since: datetime) -> list[StoredAlert]:
        async with self._sessions() as session:
            found = await session.scalars(
                select(Alert).where(
                    Alert.tenant_id == tenant_id, Alert.credit_code == credit_code, Alert.created_at >= since
                )
            )
            return [StoredAlert.of(row) for row in found]

    async def page(
        self, tenant_id: str, since: datetime | None, after: tuple[datetime, str] | None, limit: int
    ) -> tuple[list[StoredAlert], int]:
        """Newest first (then by id), from after the keyset ``after``; and how many there are in all."""
        where = [Alert.tenant_id == tenant_id]
        if since is not None:
            where.append(Alert.created_at >= since)
        async with self._sessions() as session:
            total = await session.scalar(select(func.count()).select_from(Alert).where(*where)) or 0
            if after is not None:
                at, alert_id = after
                where.append(or_(Alert.created_at < at, and_(Alert.created_at == at, Alert.id < alert_id)))
            found = await session.scalars(
                select(Alert).where(*where).order_by(Alert.created_at.desc(), Alert.id.desc()).limit(limit)
            )
            return [StoredAlert.of(row) for row in found], total

    # indicator flags ---------------------------------------------------------------------------------
    async def flags(self, credit_code: str) -> set[str]:
        async with self._sessions() as session:
            found = await session.scalars(
                select(IndicatorFlagState.flag).where(IndicatorFlagState.credit_code == credit_code)
            )
            return set(found)

    async def change_flags(
        self, credit_code: str, raised: Sequence[str], cleared: Sequence[str], at: datetime
    ) -> tuple[list[str], list[str]]:
        """Record flags raised and cleared; returns those this call changed (another evaluation of the
        same firm may have been first: each change is told once)."""
        was_raised, was_cleared = [], []
        async with self._sessions.begin() as session:
            for flag in raised:
                done = await session.execute(
                    _upsert(session)(IndicatorFlagState)
                    .values(credit_code=credit_code, flag=flag, raised_at=at)
                    .on_conflict_do_nothing()
                )
                if done.rowcount:  # type: ignore[attr-defined]
                    was_raised.append(flag)
            for flag in cleared:
                done = await session.execute(
                    delete(IndicatorFlagState).where(
                        IndicatorFlagState.credit_code == credit_code, IndicatorFlagState.flag == flag
                    )
                )
                if done.rowcount:  # type: ignore[attr-defined]
                    was_cleared.append(flag)
        return was_raised, was_cleared
