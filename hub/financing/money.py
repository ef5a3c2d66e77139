"""Amounts of the registry: yuan with at most two places on the way in, whole fen in storage."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from foundation.errors import BadRequest

MAX_YUAN = Decimal("1000000000000")  # a trillion: beyond any receivable


def checked_yuan(text: str, field: str = "amountYuan") -> Decimal:
    """A positive amount of yuan with at most two places, or BAD_REQUEST naming ``field``."""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise BadRequest(f"{field} is not a number: {text!r}", field=field) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_YUAN:
        raise BadRequest(f"{field} must be above 0 and at most {MAX_YUAN}", field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise BadRequest(f"{field} has more than two decimal places", field=field)
    return amount.quantize(Decimal("0.01"))


def fen_of(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def yuan_of(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))
