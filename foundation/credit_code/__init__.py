"""Unified social credit codes (GB 32100-2015): validation, generation and the region they encode.

Shared by the hub and the sandbox (the only hub module the sandbox may import).

A code is 18 characters from a 31-character alphabet (no I, O, Z, S, V):
``[authority][kind][division: 6][organisation code: 9][check]``. Codes the market regulator issues have
authority ``9`` and a kind that follows the legal form: ``1`` an enterprise, ``2`` an individual business,
``3`` a farmers' professional cooperative (:func:`expected_kinds`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from foundation.credit_code.divisions import CITIES, COUNTIES, PROVINCES

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
LENGTH = 18
MARKET_REGULATION = "9"
"""The registration authority digit of the market regulator (工商), which registers every legal form below."""
_KINDS_BY_LEGAL_FORM: dict[str, frozenset[str]] = {
    "limited_liability_company": frozenset("1"),
    "joint_stock_company": frozenset("1"),
    "sole_proprietorship": frozenset("1"),
    "partnership": frozenset("1"),
    "individual_business": frozenset("2"),
    "farmers_cooperative": frozenset("3"),
}


class InvalidCreditCode(ValueError):
    """The text is not a well-formed unified social credit code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code!r} is not a valid unified social credit code: {reason}")
        self.code = code
        self.reason = reason


def check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code."""
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def _organisation_check(body8: str) -> str:
    total = sum(int(char, 36) * weight for char, weight in zip(body8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate(code: str) -> str:
    """Return the code normalised (upper case, trimmed) or raise :class:`InvalidCreditCode`."""
    normalised = code.strip().upper()
    if len(normalised) != LENGTH:
        raise InvalidCreditCode(code, f"expected {LENGTH} characters, got {len(normalised)}")
    bad = sorted({char for char in normalised if char not in _VALUE})
    if bad:
        raise InvalidCreditCode(code, f"characters not allowed: {''.join(bad)}")
    if not normalised[2:8].isdigit():
        raise InvalidCreditCode(code, "division code (characters 3-8) must be digits")
    if check_character(normalised[:17]) != normalised[17]:
        raise InvalidCreditCode(code, "check digit does not match (GB 32100)")
    return normalised


def is_valid(code: str) -> bool:
    try:
        validate(code)
    except InvalidCreditCode:
        return False
    return True


def generate(division: str, rng: random.Random, authority: str = "9", kind: str = "1") -> str:
    """A valid code registered in ``division`` (6 digits) by ``authority`` as ``kind`` (enterprise by
    default; see :func:`expected_kinds`), drawn from ``rng`` (the same draws whatever the kind)."""
    body8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    first17 = f"{authority}{kind}{division}{body8}{_organisation_check(body8)}"
    return first17 + check_character(first17)


def kind_of(code: str) -> str:
    """The kind character of a code (its second): under the market regulator 1, 2 or 3."""
    return validate(code)[1]


def expected_kinds(legal_form: str) -> frozenset[str] | None:
    """The kind characters a code issued by the market regulator has for ``legal_form`` (``1`` for the
    enterprise forms, ``2`` for ``individual_business``, ``3`` for ``farmers_cooperative``); None for a
    legal form this table does not know."""
    return _KINDS_BY_LEGAL_FORM.get(legal_form)


def agrees_with_legal_form(code: str, legal_form: str) -> bool | None:
    """Whether the code's authority and kind are those of ``legal_form`` (``91…`` for a limited company,
    ``92…`` for an individual business, ``93…`` for a farmers' cooperative); None when the legal form is not
    one :func:`expected_kinds` knows."""
    kinds = expected_kinds(legal_form)
    if kinds is None:
        return None
    normalised = validate(code)
    return normalised[0] == MARKET_REGULATION and normalised[1] in kinds


@dataclass(frozen=True, slots=True)
class Region:
    """Where a code says the enterprise was registered (names are None when the division is unknown)."""

    division_code: str
    province: str | None
    city: str | None
    county: str | None


def region_of(code: str) -> Region:
    division = validate(code)[2:8]
    return Region(
        division_code=division,
        province=PROVINCES.get(division[:2]),
        city=CITIES.get(division[:4]),
        county=COUNTIES.get(division),
    )


ZHEJIANG_COUNTIES: tuple[str, ...] = tuple(sorted(COUNTIES))
