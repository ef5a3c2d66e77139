"""Personal data of upstream records (ID numbers, phones and names of people), as the hub keeps it.

The hub serves these values masked and will compare them (related-party checks: the same person behind two
enterprises), so a record holds only the masked value and a keyed hash of the normalised value, never the
clear text: what is cached and snapshotted cannot leak it. A plain hash would not do: resident ID numbers
and mobile numbers are so few that every one of them can be hashed and looked up; an HMAC under a key kept
outside the database cannot be reversed without that key.

This module is pure (no files, no settings) so the mapping functions of connectors can use it; the hub
loads the key (:mod:`hub.personal_data`) and hands a :class:`PersonalDataHasher` to the connectors that
declare :class:`HandlesPersonalData`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import unicodedata
from typing import Annotated, Protocol, Self, runtime_checkable

from pydantic import Field

KEY_BYTES = 32
HASH_PREFIX = "hmac-sha256:"

# A masked value keeps some characters and stars the rest; one without a star would be clear text.
MaskedText = Annotated[str, Field(pattern=r"\*")]
KeyedHash = Annotated[str, Field(pattern=r"^hmac-sha256:[0-9a-f]{64}$")]

_NOT_DIGITS = re.compile(r"\D")
_WHITESPACE = re.compile(r"\s")


def mask_id_number(id_number: str) -> str:
    """Keep the 6-digit division and the last 4 characters: ``330102********1234``."""
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_phone(phone: str) -> str:
    """Keep the carrier prefix and the last 4 digits: ``138****8000``."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """Keep the first character (a Chinese name's surname) and star the rest: ``王**`` for 王小明."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)


def normalise_name(name: str) -> str:
    """NFKC (full-width letters and digits as ASCII) without surrounding spaces: the registry's and the grid
    company's spelling of one name hash equal."""
    return unicodedata.normalize("NFKC", name).strip()


def normalise_id_number(id_number: str) -> str:
    """Without spaces, upper-case: the check character ``X`` is written either way."""
    return _WHITESPACE.sub("", id_number).upper()


def normalise_phone(phone: str) -> str:
    """Digits only, without the country code of a mainland mobile number (``+86 138-0013-8000`` is
    ``13800138000``): a mobile number is 11 digits starting with 1, so 86 before one is unambiguous."""
    digits = _NOT_DIGITS.sub("", phone)
    if len(digits) == 13 and digits.startswith("861"):
        return digits[2:]
    return digits


def parse_key(text: str) -> bytes:
    """The key of a key file: hex (``openssl rand -hex 32``) or base64 (``openssl rand -base64 32``)."""
    text = text.strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        try:
            key = base64.b64decode(text, validate=True)
        except binascii.Error:
            raise ValueError("expected the key in hex or base64") from None
    if len(key) < KEY_BYTES:
        raise ValueError(f"expected a key of at least {KEY_BYTES} bytes, got {len(key)}")
    return key


class PersonalDataHasher:
    """Keyed hashes (HMAC-SHA256) of normalised personal data, ``hmac-sha256:<64 hex>``.

    Equal values hash equal under one key, so every replica and every migration must use the same key
    file, and replacing the key makes every stored hash unmatchable. Each kind of value is hashed under its
    own label, so an ID number and a phone number with the same digits do not hash equal.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError(f"a personal-data key has at least {KEY_BYTES} bytes")
        self._key = key

    def __repr__(self) -> str:
        return "PersonalDataHasher(key=***)"

    def _hash(self, kind: bytes, normalised: str) -> str:
        digest = hmac.new(self._key, kind + b"\x00" + normalised.encode(), hashlib.sha256).hexdigest()
        return HASH_PREFIX + digest

    def id_number(self, id_number: str) -> str:
        return self._hash(b"id_number", normalise_id_number(id_number))

    def phone(self, phone: str) -> str:
        return self._hash(b"phone", normalise_phone(phone))

    def name(self, text: str) -> str:
        """A person's or an enterprise's name (an electricity account's holder against the registered
        name)."""
        return self._hash(b"name", normalise_name(text))

    def credit_code(self, code: str) -> str:
        """An enterprise's credit code, where it stands for a party like a person's ID number does (an
        enterprise shareholder)."""
        return self._hash(b"credit_code", code.strip().upper())


@runtime_checkable
class HandlesPersonalData(Protocol):
    """Extension point: a connector whose records hold personal data implements ``with_personal_data``,
    returning a copy of itself that hashes with ``hasher``; :func:`connectors.upstream.build_source_clients`
    binds every such connector to the hub's hasher before it fetches anything."""

    def with_personal_data(self, hasher: PersonalDataHasher) -> Self: ...
