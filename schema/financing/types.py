"""Types of the financing registry: a financing, its input, and loans reported back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import strawberry

from hub.financing.loans import Loan as LoanRow
from hub.financing.registry import Registered


@strawberry.enum(description="A financing is LIVE until its bank releases it (repaid).")
class FinancingStatus(Enum):
    LIVE = "LIVE"
    RELEASED = "RELEASED"


@strawberry.enum(description="A reported loan's state.")
class LoanStatus(Enum):
    ACTIVE = "ACTIVE"
    REPAID = "REPAID"
    OVERDUE = "OVERDUE"
    WRITTEN_OFF = "WRITTEN_OFF"


@strawberry.type(description="A financing your tenant registered against a receivable.")
class Financing:
    id: strawberry.ID
    receivable_no: str
    credit_code: strawberry.ID = strawberry.field(description="The receivable's holder that applied.")
    amount_yuan: Decimal
    registration_no: str | None = strawberry.field(description="The pledge/transfer registration number.")
    product: str
    status: FinancingStatus
    created_at: datetime
    released_at: datetime | None
    available_yuan: Decimal = strawberry.field(
        description="What the receivable can still carry after this (every tenant's live financings "
        "counted, whose never said); 0 once released."
    )
    warnings: list[str] = strawberry.field(
        description="What was registered with a warning: REGISTRATION_MISSING, RCV_TENOR_GT_6M."
    )

    @classmethod
    def of(cls, found: Registered) -> Financing:
        return cls(
            id=strawberry.ID(found.id),
            receivable_no=found.receivable_no,
            credit_code=strawberry.ID(found.credit_code),
            amount_yuan=found.amount_yuan,
            registration_no=found.registration_no,
            product=found.product,
            status=FinancingStatus(found.status),
            created_at=found.created_at,
            released_at=found.released_at,
            available_yuan=found.available_yuan,
            warnings=list(found.warnings),
        )


@strawberry.input(description="A financing of a receivable held by the applying firm.")
class FinancingInput:
    credit_code: strawberry.ID = strawberry.field(description="The applying firm: the receivable's holder.")
    receivable_no: str
    amount_yuan: str = strawberry.field(description='Yuan, at most two decimal places, e.g. "50000.00".')
    registration_no: str | None = strawberry.field(
        default=None, description="The pledge/transfer registration number; without it a warning."
    )
    product: str = strawberry.field(description="Your lending product the financing is under.")


@strawberry.input(description="A loan your bank made, new or updated (one per firm, product and day).")
class LoanInput:
    credit_code: strawberry.ID
    product: str
    amount_yuan: str
    disbursed_on: date
    status: LoanStatus


@strawberry.type(description="A loan as your bank reported it.")
class Loan:
    id: strawberry.ID
    credit_code: strawberry.ID
    product: str
    amount_yuan: Decimal
    disbursed_on: date
    status: LoanStatus
    reported_at: datetime
    created: bool = strawberry.field(description="False: an earlier report of the same loan was updated.")

    @classmethod
    def of(cls, row: LoanRow) -> Loan:
        return cls(
            id=strawberry.ID(row.id),
            credit_code=strawberry.ID(row.credit_code),
            product=row.product,
            amount_yuan=row.amount_yuan,
            disbursed_on=row.disbursed_on,
            status=LoanStatus(row.status),
            reported_at=row.reported_at,
            created=row.created,
        )
