"""Root fields of the financing registry (scope financing:write)."""

from __future__ import annotations

import re

import strawberry

from foundation.credit_code.checked import checked_credit_code
from foundation.errors import BadRequest
from hub.financing.loans import LoanInput as LoanRequest
from hub.financing.money import checked_yuan
from hub.financing.registry import FinancingRequest, Registered
from schema.context import Info
from schema.financing.types import Financing, FinancingInput, Loan, LoanInput
from schema.permissions import HasScope, requires

WRITE = "financing:write"
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")


def _identifier(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if not IDENTIFIER.match(value):
        raise BadRequest(
            f"{field} must be 1-64 letters, digits or . _ : / - (starting with a letter or digit)",
            field=field,
        )
    return value


@strawberry.type
class FinancingQuery:
    @strawberry.field(
        description="Your tenant's financings, newest first (optionally of some firms). Scope "
        "financing:write.",
        extensions=[requires(HasScope(WRITE))],
    )
    async def financings(
        self, info: Info, credit_codes: list[strawberry.ID] | None = None
    ) -> list[Financing]:
        context = info.context
        codes = [checked_credit_code(str(code)) for code in credit_codes or []]
        found = await context.services.financing.financings(context.principal, codes or None)
        return [Financing.of(registered) for registered in found]


@strawberry.type
class FinancingMutation:
    @strawberry.mutation(
        description="Register a financing of a receivable: checked at the trade platform now (exists, "
        "confirmed, not settled or overdue, held by the applicant, tenor ≤ 12 months) and against every "
        "tenant's live financings of it and of the lineage it was split from: ALREADY_FINANCED, "
        "AMOUNT_EXCEEDS_AVAILABLE, REGISTRATION_REUSED, NOT_FINANCEABLE (extensions.reason), never "
        "saying whose the other financings are. Needs the firm's live trade consent. Audited. Scope "
        "financing:write.",
        extensions=[requires(HasScope(WRITE))],
    )
    async def register_financing(self, info: Info, input: FinancingInput) -> Financing:
        context = info.context
        request = FinancingRequest(
            credit_code=checked_credit_code(str(input.credit_code)),
            receivable_no=str(_identifier(input.receivable_no, "receivableNo")),
            amount_yuan=checked_yuan(input.amount_yuan),
            registration_no=_identifier(input.registration_no, "registrationNo"),
            product=str(_identifier(input.product, "product")),
        )
        registered: Registered = await context.services.financing.register(
            context.principal, context.services.auth, request
        )
        return Financing.of(registered)

    @strawberry.mutation(
        description="Release a live financing of your tenant (repaid): its amount is available again. "
        "Audited. Scope financing:write.",
        extensions=[requires(HasScope(WRITE))],
    )
    async def release_financing(self, info: Info, id: strawberry.ID) -> Financing:
        context = info.context
        return Financing.of(await context.services.financing.release(context.principal, str(id)))

    @strawberry.mutation(
        description="Report a loan's outcome (new, or an update of the same firm, product and disbursement "
        "day): what the monitoring view counts. Audited. Scope financing:write.",
        extensions=[requires(HasScope(WRITE))],
    )
    async def report_loan(self, info: Info, input: LoanInput) -> Loan:
        context = info.context
        loan = LoanRequest(
            credit_code=checked_credit_code(str(input.credit_code)),
            product=str(_identifier(input.product, "product")),
            amount_yuan=checked_yuan(input.amount_yuan),
            disbursed_on=input.disbursed_on,
            status=input.status.value,
        )
        return Loan.of(await context.services.loans.report(context.principal, loan))
