import random

import pytest

from foundation.credit_code import InvalidCreditCode, check_character, generate, is_valid, region_of, validate

# Real codes published by their enterprises (check digits as issued).
REAL_CODES = ["9144030071526726XG", "914403001922038216", "91330100799655058B"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    assert validate(code) == code
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91330100799655058", "expected 18 characters"),
        ("91330100799655058C", "check digit"),
        ("9133010079965505IB", "not allowed: I"),
        ("91AB0100799655058B", "division code"),
    ],
)
def test_invalid_codes_say_why(code: str, reason: str) -> None:
    with pytest.raises(InvalidCreditCode, match=reason):
        validate(code)
    assert not is_valid(code)


def test_lower_case_and_spaces_are_normalised() -> None:
    assert validate(" 91330100799655058b ") == "91330100799655058B"


def test_generated_codes_are_valid_and_deterministic() -> None:
    first = [generate("330782", random.Random(7)) for _ in range(3)]
    again = [generate("330782", random.Random(7)) for _ in range(3)]
    assert first == again
    assert all(is_valid(code) and code[2:8] == "330782" for code in first)


def test_region_from_division_digits() -> None:
    code = generate("330782", random.Random(1))
    region = region_of(code)
    assert (region.province, region.city, region.county) == ("浙江省", "金华市", "义乌市")
    shenzhen = region_of("9144030071526726XG")
    assert (shenzhen.province, shenzhen.city, shenzhen.county) == ("广东省", None, None)
