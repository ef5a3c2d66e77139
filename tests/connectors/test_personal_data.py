"""Masks, normalisation and keyed hashes of personal data; the registry connector keeps no clear values."""

from __future__ import annotations

import base64

import httpx
import pytest
from pydantic import ValidationError

from connectors.catalog import load_catalog
from connectors.personal_data import (
    PersonalDataHasher,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_id_number,
    normalise_name,
    normalise_phone,
    parse_key,
)
from connectors.records import LegalRepresentative, RegistryRecord
from connectors.registry_source import RegistryConnector
from sandbox.control import SandboxControl
from tests.connectors.conftest import CODE, HASHER, ClientFactory

KEY = bytes(range(32))


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("330102198001011234", "330102********1234"),
        ("33010219800101123X", "330102********123X"),
        ("123", "***"),
    ],
)
def test_id_numbers_are_masked(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(("value", "masked"), [("13800138000", "138****8000"), ("12345", "*****")])
def test_phones_are_masked(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "normalised"),
    [("33010219800101123x", "33010219800101123X"), (" 330102 19800101 1234 ", "330102198001011234")],
)
def test_id_numbers_are_normalised(value: str, normalised: str) -> None:
    assert normalise_id_number(value) == normalised


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("13800138000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0571-8888 8888", "057188888888"),
    ],
)
def test_phones_are_normalised(value: str, normalised: str) -> None:
    assert normalise_phone(value) == normalised


@pytest.mark.parametrize(
    ("value", "masked"), [("王小明", "王**"), ("李娜", "李*"), (" 欧阳建国 ", "欧***"), ("王", "*")]
)
def test_names_are_masked(value: str, masked: str) -> None:
    assert mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        (" 杭州华兴纺织有限公司 ", "杭州华兴纺织有限公司"),
        ("ＡＢＣ贸易（杭州）有限公司", "ABC贸易(杭州)有限公司"),
    ],
)
def test_names_are_normalised(value: str, normalised: str) -> None:
    assert normalise_name(value) == normalised


def test_names_and_credit_codes_hash_under_their_own_labels() -> None:
    hasher = PersonalDataHasher(KEY)
    assert hasher.name(" 王小明") == hasher.name("王小明")
    assert hasher.name("ＡＢＣ贸易有限公司") == hasher.name("ABC贸易有限公司")
    assert hasher.name("王小明") != hasher.name("王小名")
    assert hasher.credit_code("91330106r4r08rmj3l") == hasher.credit_code("91330106R4R08RMJ3L")
    digits = "330102198001011234"
    assert len({hasher.name(digits), hasher.id_number(digits), hasher.phone(digits)}) == 3
    assert hasher.credit_code(digits) != hasher.id_number(digits)


def test_hashes_match_equal_values_under_one_key_only() -> None:
    hasher = PersonalDataHasher(KEY)
    digest = hasher.id_number("33010219800101123X")
    assert digest.startswith("hmac-sha256:") and len(digest) == len("hmac-sha256:") + 64
    assert hasher.id_number("33010219800101123x") == digest
    assert hasher.phone("+86 138-0013-8000") == hasher.phone("13800138000")
    assert hasher.id_number("330102198001011234") != digest
    assert PersonalDataHasher(bytes(reversed(KEY))).id_number("33010219800101123X") != digest


def test_an_id_number_and_a_phone_with_the_same_digits_hash_apart() -> None:
    hasher = PersonalDataHasher(KEY)
    assert hasher.id_number("13800138000") != hasher.phone("13800138000")


def test_a_short_key_is_refused_and_the_key_never_shows() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        PersonalDataHasher(b"too short")
    assert KEY.hex() not in repr(PersonalDataHasher(KEY))


@pytest.mark.parametrize(
    "text", [KEY.hex(), base64.b64encode(KEY).decode(), f"  {base64.b64encode(KEY).decode()}\n"]
)
def test_key_files_hold_hex_or_base64(text: str) -> None:
    assert parse_key(text) == KEY


@pytest.mark.parametrize(
    ("text", "message"),
    [("not a key!", "hex or base64"), (base64.b64encode(b"sixteen bytes!!!").decode(), "at least 32 bytes")],
)
def test_unusable_key_files_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_key(text)


def test_a_representative_cannot_hold_clear_values() -> None:
    with pytest.raises(ValidationError):
        LegalRepresentative(
            name="王伟",
            id_number_masked="330102198001011234",
            phone_masked="138****8000",
            id_number_hash=HASHER.id_number("330102198001011234"),
            phone_hash=HASHER.phone("13800138000"),
        )
    with pytest.raises(ValidationError):
        LegalRepresentative.model_validate(
            {"name": "王伟", "id_number": "330102198001011234", "phone": "13800138000"}
        )


async def test_the_registered_connector_refuses_to_fetch_without_a_hasher() -> None:
    with pytest.raises(RuntimeError, match="personal-data hasher"):
        await RegistryConnector().fetch(None, CODE)  # type: ignore[arg-type]


async def test_registry_records_keep_masks_and_hashes_of_the_providers_values(
    source_client: ClientFactory, sandbox: SandboxControl
) -> None:
    record = await source_client("registry").fetch(CODE)
    assert isinstance(record, RegistryRecord)
    served = httpx.get(
        f"{sandbox.urls['registry']}/v1/enterprises/{CODE}",
        headers={"X-API-Key": load_catalog()["registry"].sandbox.credentials["api_key"]},
    ).json()["legalRepresentative"]
    person = record.legal_representative
    assert person.id_number_masked == mask_id_number(served["idNumber"])
    assert person.phone_masked == mask_phone(served["phone"])
    assert person.id_number_hash == HASHER.id_number(served["idNumber"])
    assert person.phone_hash == HASHER.phone(served["phone"])
    stored = record.model_dump_json()
    assert served["idNumber"] not in stored and served["phone"] not in stored
