"""Client secrets are stored as scrypt hashes and checked in constant time."""

from __future__ import annotations

from auth.client_secret import (
    DUMMY_SECRET_HASH,
    generate_client_secret,
    hash_client_secret,
    verify_client_secret,
)


def test_hash_verifies_only_the_right_secret() -> None:
    secret = generate_client_secret()
    stored = hash_client_secret(secret)
    assert secret not in stored and stored.startswith("scrypt$")
    assert verify_client_secret(secret, stored)
    assert not verify_client_secret(secret + "x", stored)
    assert hash_client_secret(secret) != stored  # salted


def test_malformed_hashes_never_verify() -> None:
    assert not verify_client_secret("s", "")
    assert not verify_client_secret("s", "bcrypt$1$2$3$4$5")
    assert not verify_client_secret("s", "scrypt$x$8$1$AAAA$AAAA")


def test_the_dummy_hash_costs_what_a_real_one_does_and_verifies_nothing_guessable() -> None:
    # An unknown client id is verified against it: the same scrypt parameters, so the same work.
    assert DUMMY_SECRET_HASH.split("$")[:4] == hash_client_secret("s").split("$")[:4]
    for guess in ("", "secret", generate_client_secret()):
        assert not verify_client_secret(guess, DUMMY_SECRET_HASH)
