"""Unified social credit codes (GB 32100-2015): validation, generation and the region they encode.

Shared by the hub and the sandbox (the only hub module the sandbox may import).

A code is 18 characters from a 31-character alphabet (no I, O, Z, S, V):
``[authority][kind][division: 6][organisation code: 9][check]``.
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
    """A valid code for an enterprise registered in ``division`` (6 digits), drawn from ``rng``."""
    body8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    first17 = f"{authority}{kind}{division}{body8}{_organisation_check(body8)}"
    return first17 + check_character(first17)


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
