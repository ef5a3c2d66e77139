"""The consent events: ``consent.granted`` and ``consent.withdrawn`` from the records a change committed,
and ``consent.expiring`` for consents that end within 7 days, told once per consent.

Expiring ones are found daily (:mod:`hub.webhooks.jobs`). The event of a (tenant, firm, last day) group
names its consents' ids in its id, so a re-run, or a run after a missed day, tells no subscription twice
(the deliveries' unique (subscription, event) constraint); a consent still live 7 days before its end is
told on the first run that sees it in the window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.consent import CONSENT_TIMEZONE, ConsentRecord, consent_today
from foundation.storage.models import Consent
from hub.events import Event

DAYS_AHEAD: Final = 7


def changed_consent_events(kind: str, records: Sequence[ConsentRecord]) -> list[Event]:
    """``consent.granted`` or ``consent.withdrawn`` (``kind``) per (tenant, firm, last day) of the records
    one grant or withdrawal committed (none for none)."""
    granted = kind == "consent.granted"
    groups: dict[tuple[str, str, str], list[str]] = {}
    for record in records:
        last_day = record.valid_until.isoformat() if granted else ""
        groups.setdefault((record.tenant_id, record.credit_code, last_day), []).append(record.source)
    events = []
    for (tenant_id, credit_code, last_day), sources in sorted(groups.items()):
        data: dict[str, object] = {"sources": sorted(set(sources))}
        if granted:
            data["validUntil"] = last_day
        events.append(Event(type=kind, credit_code=credit_code, tenant_id=tenant_id, data=data))
    return events


async def expiring_consent_events(
    sessions: async_sessionmaker[AsyncSession], today: date | None = None
) -> list[Event]:
    """One ``consent.expiring`` event per (tenant, firm, last day) of live consents ending within 7 days."""
    today = today or consent_today()
    query = select(
        Consent.id, Consent.tenant_id, Consent.credit_code, Consent.source, Consent.valid_until
    ).where(
        Consent.withdrawn_at.is_(None),
        Consent.valid_from <= today,
        Consent.valid_until >= today,
        Consent.valid_until <= today + timedelta(days=DAYS_AHEAD),
    )
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    groups: dict[tuple[str, str, date], list[tuple[int, str]]] = {}
    for row in rows:
        groups.setdefault((row.tenant_id, row.credit_code, row.valid_until), []).append((row.id, row.source))
    events = []
    for (tenant_id, credit_code, valid_until), consents in sorted(groups.items()):
        ids = ",".join(str(consent_id) for consent_id, _ in sorted(consents))
        events.append(
            Event(
                type="consent.expiring",
                credit_code=credit_code,
                tenant_id=tenant_id,
                data={
                    "sources": sorted({source for _, source in consents}),
                    "validUntil": valid_until.isoformat(),
                },
                id=f"evt_exp_{hashlib.sha256(f'{tenant_id}|{ids}'.encode()).hexdigest()[:32]}",
                occurred_at=datetime.combine(today, time(), CONSENT_TIMEZONE).astimezone(UTC),
            )
        )
    return events
