"""The one check of a credit code the hub is given (argument, consent, sync list, read path)."""

from __future__ import annotations

from foundation.credit_code import InvalidCreditCode, validate
from foundation.errors import BadCreditCode


def checked_credit_code(code: str) -> str:
    """The code normalised, or ``BAD_CREDIT_CODE`` naming it and what is wrong (GB 32100)."""
    try:
        return validate(code)
    except InvalidCreditCode as error:
        raise BadCreditCode(code, error.reason) from None
