"""The financing registry: no receivable financed twice, across every tenant.

A registration asks the trade platform for the receivable's standing now (exists, confirmed, not settled or
overdue, held by the applicant, tenor at most 12 months), then, with the lineage locked, sums every tenant's
live financings of it and of the lineage it was split from (its root): a receivable can carry at most what
its holder retains of it (its amount less its children's) less its own live financings, and a lineage at
most the root's amount in all. Over that → ``ALREADY_FINANCED`` (nothing left) or
``AMOUNT_EXCEEDS_AVAILABLE``, never saying whose the other financings are. A registration number belongs to
one receivable (``REGISTRATION_REUSED`` on another); without one the financing is registered with a
warning.

The lock: a row per lineage in ``financing_lock`` (and one per registration number), inserted if missing
and updated first in the transaction, so registrations of one lineage queue behind each other: PostgreSQL
holds the row lock to commit; on SQLite the transaction begins IMMEDIATE (the write lock) for the same
effect, also across processes. Of two tenants racing for the same receivable exactly one succeeds.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.chain import AuditEntry, AuditEvent, digest
from audit.log import AuditLog
from auth.principal import Principal
from connectors.trade_receivables import ReceivableStanding, receivable_standing
from foundation.errors import (
    AlreadyFinanced,
    AmountExceedsAvailable,
    BadRequest,
    HubError,
    NoConsent,
    NotFinanceable,
    NotFound,
    RegistrationReused,
)
from foundation.storage.models import Financing, FinancingLock
from hub.financing.money import fen_of, yuan_of
from hub.sources.permitted import ConsentReading

LIVE, RELEASED = "LIVE", "RELEASED"
MAX_TENOR_DAYS = 366  # 12 months: longer is not financeable (PBoC 2025 rules on e-vouchers)
FLAG_TENOR_DAYS = 183  # 6 months in principle: longer is flagged
MAX_LINEAGE_DEPTH = 8


@dataclass(frozen=True, slots=True)
class FinancingRequest:
    credit_code: str  # the applicant: the receivable's holder
    receivable_no: str
    amount_yuan: Decimal
    registration_no: str | None
    product: str


@dataclass(frozen=True, slots=True)
class Registered:
    id: str
    receivable_no: str
    credit_code: str
    amount_yuan: Decimal
    registration_no: str | None
    product: str
    status: str
    created_at: datetime
    released_at: datetime | None
    available_yuan: Decimal  # what the receivable can still carry after it (any tenant's)
    warnings: tuple[str, ...] = ()


def _registered(
    row: Any, *, status: str, released_at: datetime | None, available_yuan: Decimal
) -> Registered:
    """A stored financing row as :class:`Registered`."""
    return Registered(
        row.id,
        row.receivable_no,
        row.credit_code,
        yuan_of(row.amount_fen),
        row.registration_no,
        row.product,
        status,
        row.created_at,
        released_at,
        available_yuan,
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    id: str
    tenant_id: str
    client_id: str
    request: FinancingRequest
    root_no: str
    root_amount_fen: int
    retained_fen: int
    debtor_code: str
    locks: tuple[str, ...]
    at: datetime


class FinancingRegistry:
    def __init__(
        self,
        engine: AsyncEngine,
        audit: AuditLog,
        ask: Callable[[str], Any],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """``ask``: a receivable number → (awaitable) its :class:`ReceivableStanding` at the platform."""
        self._engine, self._audit, self._ask, self.clock = engine, audit, ask, clock

    async def register(
        self, principal: Principal, consents: ConsentReading, request: FinancingRequest
    ) -> Registered:
        """Register the financing or raise (refusals audited too; nothing written on a refusal)."""
        try:
            registered = await self._register(principal, consents, request)
        except HubError as error:
            await self._audit_refusal(principal, request, error)
            raise
        await self._audit.append(
            [
                self._entry(
                    AuditEvent.FINANCING_REGISTERED,
                    principal,
                    request,
                    f"registered {registered.id} {registered.amount_yuan} {request.receivable_no}"
                    + (f" warn {','.join(registered.warnings)}" if registered.warnings else ""),
                )
            ]
        )
        return registered

    async def _register(
        self, principal: Principal, consents: ConsentReading, request: FinancingRequest
    ) -> Registered:
        live = await consents.live_consents(principal.tenant_id, [request.credit_code])
        if "trade" not in live.get(request.credit_code, frozenset()):
            raise NoConsent(
                f"no live trade consent of {request.credit_code} for your tenant: the registry reads the "
                "receivable at the trade platform on its behalf",
                creditCode=request.credit_code,
            )
        standing: ReceivableStanding = await self._ask(request.receivable_no)
        warnings = _financeable(standing, request)
        root = standing
        for _ in range(MAX_LINEAGE_DEPTH):
            if root.parent_no is None:
                break
            root = await self._ask(root.parent_no)
        if request.registration_no is None:
            warnings.append("REGISTRATION_MISSING")
        locks = ([f"reg:{request.registration_no}"] if request.registration_no else []) + [
            f"root:{root.receivable_no}"
        ]
        plan = _Plan(
            id=secrets.token_hex(16),
            tenant_id=principal.tenant_id,
            client_id=principal.client_id,
            request=request,
            root_no=root.receivable_no,
            root_amount_fen=fen_of(root.amount_yuan),
            retained_fen=fen_of(standing.retained_yuan),
            debtor_code=standing.debtor_code,
            locks=tuple(locks),
            at=self.clock(),
        )
        async with self._engine.connect() as connection:
            available_fen = await connection.run_sync(_write, plan)
        return Registered(
            plan.id,
            request.receivable_no,
            request.credit_code,
            request.amount_yuan,
            request.registration_no,
            request.product,
            LIVE,
            plan.at,
            None,
            yuan_of(available_fen),
            tuple(warnings),
        )

    async def release(self, principal: Principal, financing_id: str) -> Registered:
        """Release a live financing of the caller's tenant (repaid); another tenant's is NOT_FOUND."""
        at = self.clock()
        async with self._engine.begin() as connection:
            row = (
                await connection.execute(
                    select(Financing).where(
                        Financing.id == financing_id, Financing.tenant_id == principal.tenant_id
                    )
                )
            ).one_or_none()
            if row is None:
                raise NotFound(f"your tenant has no financing {financing_id}", id=financing_id)
            if row.status != LIVE:
                raise BadRequest(f"financing {financing_id} is already released", id=financing_id)
            await connection.execute(
                update(Financing)
                .where(Financing.id == financing_id, Financing.status == LIVE)
                .values(status=RELEASED, released_at=at)
            )
        await self._audit.append(
            [
                AuditEntry(
                    AuditEvent.FINANCING_RELEASED,
                    principal.tenant_id,
                    principal.client_id,
                    row.credit_code,
                    ("trade",),
                    digest(f"release:{financing_id}"),
                    f"released {financing_id} {yuan_of(row.amount_fen)} {row.receivable_no}",
                )
            ]
        )
        return _registered(row, status=RELEASED, released_at=at, available_yuan=Decimal(0))

    async def financings(
        self, principal: Principal, credit_codes: Sequence[str] | None = None
    ) -> list[Registered]:
        """The caller's tenant's financings (its own only), newest first (``available_yuan`` not read: 0)."""
        query = select(Financing).where(Financing.tenant_id == principal.tenant_id)
        if credit_codes:
            query = query.where(Financing.credit_code.in_(list(credit_codes)))
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query.order_by(Financing.created_at.desc()))).all()
        return [
            _registered(row, status=row.status, released_at=row.released_at, available_yuan=yuan_of(0))
            for row in rows
        ]

    async def financed_fen(self, receivable_nos: Sequence[str]) -> dict[str, tuple[int, int]]:
        """Receivable number → (its live financings, its lineage root's live financings) in fen, every
        tenant's together (for ``availableYuan``; amounts only, never whose)."""
        if not receivable_nos:
            return {}
        async with self._engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(Financing.receivable_no, Financing.root_no, Financing.amount_fen).where(
                        Financing.status == LIVE,
                        (Financing.receivable_no.in_(list(receivable_nos)))
                        | (Financing.root_no.in_(list(receivable_nos))),
                    )
                )
            ).all()
        own: dict[str, int] = {}
        tree: dict[str, int] = {}
        for receivable_no, root_no, amount in rows:
            own[receivable_no] = own.get(receivable_no, 0) + amount
            tree[root_no] = tree.get(root_no, 0) + amount
        return {no: (own.get(no, 0), tree.get(no, 0)) for no in receivable_nos}

    def _entry(
        self, event: AuditEvent, principal: Principal, request: FinancingRequest, outcome: str
    ) -> AuditEntry:
        return AuditEntry(
            event,
            principal.tenant_id,
            principal.client_id,
            request.credit_code,
            ("trade",),
            digest(
                f"{request.receivable_no}:{request.amount_yuan}:{request.registration_no}:{request.product}"
            ),
            outcome[:300],
        )

    async def _audit_refusal(self, principal: Principal, request: FinancingRequest, error: HubError) -> None:
        await self._audit.append(
            [
                self._entry(
                    AuditEvent.FINANCING_REFUSED,
                    principal,
                    request,
                    f"refused {error.code} {request.receivable_no} {request.amount_yuan}",
                )
            ]
        )


def _financeable(standing: ReceivableStanding, request: FinancingRequest) -> list[str]:
    """Refuse what the platform's standing rules out; the warnings of what it only flags."""
    number = request.receivable_no

    def refuse(reason: str, message: str) -> NotFinanceable:
        return NotFinanceable(f"receivable {number} {message}", reason=reason, receivableNo=number)

    if standing.status in ("uploaded", "rejected"):
        raise refuse("NOT_CONFIRMED", f"is {standing.status}, not confirmed by its debtor")
    if standing.status == "settled":
        raise refuse("SETTLED", "is settled")
    if standing.status == "overdue":
        raise refuse("OVERDUE", "is overdue")
    if standing.holder_code != request.credit_code:
        raise refuse("NOT_HOLDER", f"is not held by {request.credit_code}")
    flags = tenor_flags(standing.tenor_days)
    if "RCV_TENOR_GT_12M" in flags:
        raise refuse("RCV_TENOR_GT_12M", f"has a tenor of {standing.tenor_days} days (over 12 months)")
    return flags


def available_fen(retained_fen: int, root_amount_fen: int, own_fen: int, lineage_fen: int) -> int:
    """What a receivable can still carry: its holder's retained part less its live financings, and its
    lineage's amount less all of the lineage's live financings, whichever is less (never below 0)."""
    return max(0, min(retained_fen - own_fen, root_amount_fen - lineage_fen))


def tenor_flags(tenor_days: int) -> list[str]:
    """``RCV_TENOR_GT_6M`` over 6 months (flagged), ``RCV_TENOR_GT_12M`` over 12 (not financeable)."""
    limits = (("RCV_TENOR_GT_6M", FLAG_TENOR_DAYS), ("RCV_TENOR_GT_12M", MAX_TENOR_DAYS))
    return [flag for flag, limit in limits if tenor_days > limit]


def _lock(connection: Connection, key: str) -> None:
    """Take the lock row ``key`` (inserted if new) until the transaction ends."""
    upsert = postgres_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(upsert(FinancingLock).values(root_no=key, version=0).on_conflict_do_nothing())
    connection.execute(
        update(FinancingLock).where(FinancingLock.root_no == key).values(version=FinancingLock.version + 1)
    )


def _live_fen(connection: Connection, *where: Any) -> int:
    total = connection.execute(
        select(func.coalesce(func.sum(Financing.amount_fen), 0)).where(Financing.status == LIVE, *where)
    ).scalar_one()
    return int(total)


def _write(connection: Connection, plan: _Plan) -> int:
    """The check and the insert under the lineage's lock, in one transaction; the amount left after it."""
    request = plan.request
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    for key in plan.locks:
        _lock(connection, key)
    if request.registration_no is not None:
        elsewhere = connection.execute(
            select(Financing.id)
            .where(
                Financing.registration_no == request.registration_no,
                Financing.receivable_no != request.receivable_no,
            )
            .limit(1)
        ).first()
        if elsewhere is not None:
            raise RegistrationReused(
                f"registration number {request.registration_no} is already used on another receivable",
                registrationNo=request.registration_no,
            )
    own = _live_fen(connection, Financing.receivable_no == request.receivable_no)
    lineage = _live_fen(connection, Financing.root_no == plan.root_no)
    available = available_fen(plan.retained_fen, plan.root_amount_fen, own, lineage)
    amount = fen_of(request.amount_yuan)
    number = request.receivable_no
    if available <= 0:
        raise AlreadyFinanced(f"receivable {number} is already financed in full", receivableNo=number)
    if amount > available:
        raise AmountExceedsAvailable(
            f"receivable {number} can carry {yuan_of(available)} yuan more, not {request.amount_yuan}",
            receivableNo=number,
            availableYuan=str(yuan_of(available)),
        )
    connection.execute(
        insert(Financing).values(
            id=plan.id,
            tenant_id=plan.tenant_id,
            client_id=plan.client_id,
            receivable_no=number,
            root_no=plan.root_no,
            credit_code=request.credit_code,
            debtor_code=plan.debtor_code,
            amount_fen=amount,
            registration_no=request.registration_no,
            product=request.product,
            status=LIVE,
            created_at=plan.at,
            released_at=None,
        )
    )
    connection.commit()
    return available - amount


def standing_asker(sources: Any) -> Callable[[str], Any]:
    """``ask`` for the registry over the read path's trade client (hub.sources.reader.SourceReader)."""

    async def ask(receivable_no: str) -> ReceivableStanding:
        standing: ReceivableStanding = await sources.ask(
            "trade", lambda upstream: receivable_standing(upstream, receivable_no)
        )
        return standing

    return ask
