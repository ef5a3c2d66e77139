"""Consent: an enterprise's permission for one tenant (bank) to read one source, between two dates.

A consent is live on a day when ``valid_from <= day <= valid_until`` and it was not withdrawn. Days are
China Standard Time dates (the enterprises' and the consent documents' calendar). Every grant and withdrawal
moves the access version forward in its transaction (:mod:`auth.access_state`), so cached consent
decisions go stale at once in this process and within ``HUB_ACCESS_REFRESH_MS`` on other replicas.
Every grant and withdrawal is written to the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import AuditEvent
from audit.log import AuditEntry, AuditLog, digest
from auth.access_state import bump_access_version
from connectors.catalog import load_catalog
from foundation.credit_code.checked import checked_credit_code
from foundation.errors import BadRequest
from foundation.settings import Settings
from foundation.storage import as_utc
from foundation.storage.models import Consent, Tenant

CONSENT_TIMEZONE = ZoneInfo("Asia/Shanghai")
MAX_EVIDENCE_LENGTH = 500


def consent_today() -> date:
    return datetime.now(CONSENT_TIMEZONE).date()


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One consent row as the hub reports it."""

    id: int
    tenant_id: str
    credit_code: str
    source: str
    valid_from: date
    valid_until: date
    evidence_ref: str
    granted_at: datetime
    withdrawn_at: datetime | None

    def is_live(self, today: date) -> bool:
        return self.withdrawn_at is None and self.valid_from <= today <= self.valid_until


def consent_record(row: Consent) -> ConsentRecord:
    """A consent row as the rest of the hub sees it."""
    return ConsentRecord(
        id=row.id,
        tenant_id=row.tenant_id,
        credit_code=row.credit_code,
        source=row.source,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        evidence_ref=row.evidence_ref,
        granted_at=as_utc(row.granted_at),
        withdrawn_at=as_utc(row.withdrawn_at) if row.withdrawn_at else None,
    )


def checked_sources(sources: Sequence[str]) -> tuple[str, ...]:
    known = load_catalog().consent_names()
    unknown = sorted(set(sources) - set(known))
    if unknown:
        raise BadRequest(f"unknown sources: {', '.join(unknown)}; known: {', '.join(known)}")
    if not sources:
        raise BadRequest("name at least one source")
    return tuple(sorted(set(sources)))


@dataclass(frozen=True)
class ConsentTerms:
    """What a consent recorded through the API or the CLI may say: valid from today (CST) at the
    earliest, for at most ``max_days``, with an evidence reference matching ``evidence_pattern`` (the id of
    a signed document, not free text). Operators' own tools (``hub demo``, tests) record through
    :class:`ConsentBook` directly."""

    max_days: int
    evidence_pattern: re.Pattern[str]

    @classmethod
    def of(cls, settings: Settings) -> ConsentTerms:
        return cls(settings.consent_max_days, re.compile(settings.consent_evidence_pattern))

    def check(self, *, valid_from: date, valid_until: date, evidence_ref: str, today: date) -> None:
        """Nothing, or ``BAD_REQUEST`` naming the argument at fault."""
        if valid_from < today:
            raise BadRequest(
                f"validFrom {valid_from} is in the past (today is {today})", argument="validFrom"
            )
        if valid_until < valid_from:
            raise BadRequest(
                f"validUntil {valid_until} is before validFrom {valid_from}", argument="validUntil"
            )
        if (valid_until - today).days > self.max_days:
            raise BadRequest(
                f"validUntil {valid_until} is more than {self.max_days} days ahead", argument="validUntil"
            )
        if self.evidence_pattern.fullmatch(evidence_ref.strip()) is None:
            raise BadRequest(
                f"evidenceRef must be a document reference matching {self.evidence_pattern.pattern}",
                argument="evidenceRef",
            )


class ConsentBook:
    """Grants, withdraws and looks up consents of all tenants."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], audit: AuditLog) -> None:
        self._sessions = sessions
        self._audit = audit

    async def grant(
        self,
        *,
        tenant_id: str,
        client_id: str | None,
        credit_code: str,
        sources: Sequence[str],
        valid_from: date,
        valid_until: date,
        evidence_ref: str,
        terms: ConsentTerms | None = None,
    ) -> list[ConsentRecord]:
        """Record a consent per source; raises :class:`BadCreditCode` or :class:`BadRequest` on bad input,
        also when ``terms`` (those of the API and the CLI) are given and not met."""
        return await self.grant_many(
            tenant_id=tenant_id,
            client_id=client_id,
            credit_codes=[credit_code],
            sources=sources,
            valid_from=valid_from,
            valid_until=valid_until,
            evidence_ref=evidence_ref,
            terms=terms,
        )

    async def grant_many(
        self,
        *,
        tenant_id: str,
        client_id: str | None,
        credit_codes: Sequence[str],
        sources: Sequence[str],
        valid_from: date,
        valid_until: date,
        evidence_ref: str,
        terms: ConsentTerms | None = None,
    ) -> list[ConsentRecord]:
        """The same consent from several enterprises (one evidence, e.g. a programme's signed forms), in
        one transaction and one audit append."""
        credit_codes = [checked_credit_code(code) for code in credit_codes]
        sources = checked_sources(sources)
        if terms is not None:
            terms.check(
                valid_from=valid_from,
                valid_until=valid_until,
                evidence_ref=evidence_ref,
                today=consent_today(),
            )
        if valid_until < valid_from:
            raise BadRequest(f"validUntil {valid_until} is before validFrom {valid_from}")
        evidence_ref = evidence_ref.strip()
        if not evidence_ref or len(evidence_ref) > MAX_EVIDENCE_LENGTH:
            raise BadRequest(f"evidenceRef must be 1-{MAX_EVIDENCE_LENGTH} characters")
        granted_at = datetime.now(UTC)
        async with self._sessions.begin() as session:
            if await session.get(Tenant, tenant_id) is None:
                raise BadRequest(f"unknown tenant {tenant_id!r}")
            rows = [
                Consent(
                    tenant_id=tenant_id,
                    credit_code=credit_code,
                    source=source,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    evidence_ref=evidence_ref,
                    granted_at=granted_at,
                    withdrawn_at=None,
                )
                for credit_code in credit_codes
                for source in sources
            ]
            session.add_all(rows)
            await bump_access_version(session)
            await session.flush()
            records = [consent_record(row) for row in rows]
        await self._audit.append(
            [
                AuditEntry(
                    event=AuditEvent.CONSENT_GRANTED,
                    tenant_id=tenant_id,
                    client_id=client_id,
                    credit_code=credit_code,
                    sources=sources,
                    operation_hash=digest(evidence_ref),
                    outcome=f"valid {valid_from.isoformat()}..{valid_until.isoformat()}",
                )
                for credit_code in credit_codes
            ]
        )
        return records

    async def withdraw(
        self, *, tenant_id: str, client_id: str | None, credit_code: str, sources: Sequence[str]
    ) -> list[ConsentRecord]:
        """Withdraw every not yet withdrawn consent of the enterprise for these sources; returns them."""
        credit_code = checked_credit_code(credit_code)
        sources = checked_sources(sources)
        withdrawn_at = datetime.now(UTC)
        async with self._sessions.begin() as session:
            ids = list(
                (
                    await session.scalars(
                        update(Consent)
                        .where(
                            Consent.tenant_id == tenant_id,
                            Consent.credit_code == credit_code,
                            Consent.source.in_(sources),
                            Consent.withdrawn_at.is_(None),
                        )
                        .values(withdrawn_at=withdrawn_at)
                        .returning(Consent.id)
                    )
                ).all()
            )
            rows = (await session.scalars(select(Consent).where(Consent.id.in_(ids)))).all() if ids else []
            if ids:
                await bump_access_version(session)
            records = sorted(
                (consent_record(row) for row in rows), key=lambda record: (record.source, record.id)
            )
        await self._audit.append(
            [
                AuditEntry(
                    event=AuditEvent.CONSENT_WITHDRAWN,
                    tenant_id=tenant_id,
                    client_id=client_id,
                    credit_code=credit_code,
                    sources=sources,
                    operation_hash=digest(",".join(str(record.id) for record in records)),
                    outcome=f"withdrew {len(records)}",
                )
            ]
        )
        return records

    async def live(
        self, tenant_id: str, credit_codes: Sequence[str], today: date | None = None
    ) -> dict[str, frozenset[str]]:
        """Credit code → sources with a live consent (every asked code present), in one query."""
        today = today or consent_today()
        found: dict[str, set[str]] = {code: set() for code in credit_codes}
        if not found:
            return {}
        async with self._sessions() as session:
            rows = await session.execute(
                _live_pairs(tenant_id, today).where(Consent.credit_code.in_(list(found)))
            )
            for credit_code, source in rows:
                found[credit_code].add(source)
        return _frozen(found)

    async def live_of_tenant(
        self, tenant_id: str, today: date, *, limit: int
    ) -> dict[str, frozenset[str]] | None:
        """Credit code → sources of every live consent of the tenant (a firm without one absent), in one
        query; None when the tenant has more than ``limit`` live consents."""
        async with self._sessions() as session:
            rows = (await session.execute(_live_pairs(tenant_id, today).limit(limit + 1))).all()
        if len(rows) > limit:
            return None
        found: dict[str, set[str]] = {}
        for credit_code, source in rows:
            found.setdefault(credit_code, set()).add(source)
        shared: dict[frozenset[str], frozenset[str]] = {}  # firms share a few source sets: one object each
        return {code: shared.setdefault(held, held) for code, held in _frozen(found).items()}

    async def of_enterprise(self, tenant_id: str, credit_code: str) -> list[ConsentRecord]:
        """The tenant's consents of one enterprise (live, expired and withdrawn), newest first."""
        credit_code = checked_credit_code(credit_code)
        query = select(Consent).where(Consent.tenant_id == tenant_id, Consent.credit_code == credit_code)
        async with self._sessions() as session:
            rows = (await session.scalars(query.order_by(Consent.granted_at.desc(), Consent.id.desc()))).all()
        return [consent_record(row) for row in rows]


def _live_pairs(tenant_id: str, today: date) -> Select[str, str]:
    """(credit code, source) of the tenant's consents live on ``today``."""
    return select(Consent.credit_code, Consent.source).where(
        Consent.tenant_id == tenant_id,
        Consent.valid_from <= today,
        Consent.valid_until >= today,
        Consent.withdrawn_at.is_(None),
    )


def _frozen(found: Mapping[str, set[str]]) -> dict[str, frozenset[str]]:
    return {code: frozenset(sources) for code, sources in found.items()}
