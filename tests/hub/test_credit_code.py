import random

import pytest

from foundation.credit_code import (
    InvalidCreditCode,
    agrees_with_legal_form,
    check_character,
    expected_kinds,
    generate,
    is_valid,
    kind_of,
    region_of,
    validate,
)

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


def test_the_same_draws_give_the_same_code_in_another_kind() -> None:
    enterprise = generate("330782", random.Random(3))
    individual = generate("330782", random.Random(3), kind="2")
    assert is_valid(individual) and individual[:2] == "92" and enterprise[:2] == "91"
    assert individual[2:17] == enterprise[2:17]


@pytest.mark.parametrize(
    ("legal_form", "kinds"),
    [
        ("limited_liability_company", {"1"}),
        ("joint_stock_company", {"1"}),
        ("sole_proprietorship", {"1"}),
        ("partnership", {"1"}),
        ("individual_business", {"2"}),
        ("farmers_cooperative", {"3"}),
        ("foundation", None),
    ],
)
def test_expected_kinds_by_legal_form(legal_form: str, kinds: set[str] | None) -> None:
    assert expected_kinds(legal_form) == (None if kinds is None else frozenset(kinds))


def test_a_code_agrees_with_its_legal_form_by_authority_and_kind() -> None:
    rng = random.Random(5)
    enterprise, individual, cooperative = (generate("330106", rng, kind=kind) for kind in "123")
    assert kind_of(enterprise) == "1" and kind_of(individual) == "2" and kind_of(cooperative) == "3"
    assert agrees_with_legal_form(enterprise, "limited_liability_company") is True
    assert agrees_with_legal_form(individual, "individual_business") is True
    assert agrees_with_legal_form(cooperative, "farmers_cooperative") is True
    assert agrees_with_legal_form(individual, "limited_liability_company") is False
    assert agrees_with_legal_form(enterprise, "farmers_cooperative") is False
    civil_affairs = generate("330106", rng, authority="5", kind="1")  # a social organisation's code
    assert agrees_with_legal_form(civil_affairs, "limited_liability_company") is False
    assert agrees_with_legal_form(enterprise, "foundation") is None
