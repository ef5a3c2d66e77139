"""Loans a bank reports back: one per (tenant, firm, product, disbursement day), updated in place, audited.
What the monitoring view counts as overdue; a tenant reads and changes only its own."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import AuditEntry, AuditEvent, digest
from audit.log import AuditLog
from auth.principal import Principal
from foundation.errors import BadRequest
from foundation.storage.models import LoanReport
from hub.financing.money import fen_of, yuan_of

LOAN_STATUSES: Final = ("ACTIVE", "REPAID", "OVERDUE", "WRITTEN_OFF")


@dataclass(frozen=True, slots=True)
class LoanInput:
    credit_code: str
    product: str
    amount_yuan: Decimal
    disbursed_on: date
    status: str


@dataclass(frozen=True, slots=True)
class Loan:
    id: str
    credit_code: str
    product: str
    amount_yuan: Decimal
    disbursed_on: date
    status: str
    reported_at: datetime
    created: bool  # False: an earlier report of the same loan was updated


class LoanBook:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditLog,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions, self._audit, self.clock = sessions, audit, clock

    async def report(self, principal: Principal, loan: LoanInput) -> Loan:
        if loan.status not in LOAN_STATUSES:
            raise BadRequest(f"status must be one of {', '.join(LOAN_STATUSES)}", field="status")
        if loan.disbursed_on > self.clock().date():
            raise BadRequest("disbursedOn is in the future", field="disbursedOn")
        at = self.clock()
        async with self._sessions.begin() as session:
            row = (
                await session.execute(
                    select(LoanReport).where(
                        LoanReport.tenant_id == principal.tenant_id,
                        LoanReport.credit_code == loan.credit_code,
                        LoanReport.product == loan.product,
                        LoanReport.disbursed_on == loan.disbursed_on,
                    )
                )
            ).scalar_one_or_none()
            created = row is None
            if row is None:
                row = LoanReport(
                    id=secrets.token_hex(16),
                    tenant_id=principal.tenant_id,
                    credit_code=loan.credit_code,
                    product=loan.product,
                    disbursed_on=loan.disbursed_on,
                    created_at=at,
                )
                session.add(row)
            row.amount_fen, row.status = fen_of(loan.amount_yuan), loan.status
            row.updated_at, row.reported_by = at, principal.client_id
            loan_id = row.id
        await self._audit.append(
            [
                AuditEntry(
                    AuditEvent.LOAN_REPORTED,
                    principal.tenant_id,
                    principal.client_id,
                    loan.credit_code,
                    (),
                    digest(f"{loan_id}:{loan.amount_yuan}:{loan.status}"),
                    f"{'reported' if created else 'updated'} {loan_id} {loan.product} {loan.status}"[:300],
                )
            ]
        )
        return Loan(
            loan_id,
            loan.credit_code,
            loan.product,
            yuan_of(fen_of(loan.amount_yuan)),
            loan.disbursed_on,
            loan.status,
            at,
            created,
        )
