"""Signing secrets sealed under the key file: recoverable with it, refused under another, never in clear."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from foundation.errors import BadRequest
from foundation.settings import Settings
from hub.webhooks.sealing import SecretSeal, load_secret_seal, new_secret


def test_seal_round_trip_and_wrong_key() -> None:
    seal = SecretSeal(secrets.token_bytes(32))
    secret = new_secret()
    sealed = seal.seal(secret)
    assert secret not in sealed and secret.removeprefix("whsec_") not in sealed
    assert seal.unseal(sealed) == secret
    assert seal.seal(secret) != sealed  # a fresh nonce each time
    with pytest.raises(ValueError, match="was the key file replaced"):
        SecretSeal(secrets.token_bytes(32)).unseal(sealed)


def test_prod_without_the_key_file_runs_with_webhooks_off(tmp_path: Path) -> None:
    seal = load_secret_seal(Settings.model_construct(env="prod", webhook_secret_key_file=None))
    with pytest.raises(BadRequest, match="webhooks need HUB_WEBHOOK_SECRET_KEY_FILE"):
        seal.seal(new_secret())
    with pytest.raises(ValueError, match="HUB_WEBHOOK_SECRET_KEY_FILE"):
        seal.unseal("anything")
    short = tmp_path / "short.key"
    short.write_text("abcd")
    with pytest.raises(ValueError, match="at least 32 bytes"):
        load_secret_seal(Settings.model_construct(env="prod", webhook_secret_key_file=short))
