"""The webhooks' signing secrets, sealed: each subscription's ``whsec_…`` secret is shown once, at creation,
and stored encrypted (JWE compact, ``dir`` + AES-256-GCM, joserfc) under the key in
``HUB_WEBHOOK_SECRET_KEY_FILE``: the hub must recover it to sign every delivery, so it cannot be hashed.

The key file holds at least 32 random bytes in hex or base64 (``umask 077; openssl rand -base64 32 >
webhook-secret.key``); every replica and ``hub worker`` reads the same file. In dev without the setting it
lives in ``./var/webhook-secret.key`` (created owner-only on first use); in prod without it webhooks are off
(``createWebhook`` refused, naming the setting) and the rest of the hub runs.
Each sealed secret names the key it was sealed under (``kid``, a digest of the key), so a wrong key file is
reported as such, not as a broken signature at the receiver.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from pathlib import Path
from typing import Final

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from connectors.personal_data import KEY_BYTES, parse_key
from foundation.errors import BadRequest
from foundation.private_files import write_private_file
from foundation.settings import Settings

DEV_KEY_FILE: Final = Path("var/webhook-secret.key")
SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES: Final = 32  # Standard Webhooks: 24 to 64 bytes
_KEY_LABEL: Final = b"hub-webhook-secrets-v1"


def new_secret() -> str:
    """A fresh signing secret, ``whsec_`` and base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


class SecretSeal:
    """Seals and unseals signing secrets under one key (any length >= 32 bytes; AES-256 takes a digest)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError(f"expected a key of at least {KEY_BYTES} bytes, got {len(key)}")
        derived = hashlib.sha256(_KEY_LABEL + key).digest()
        self._key = OctKey.import_key(derived)
        self.kid = hashlib.sha256(b"kid:" + derived).hexdigest()[:16]

    def seal(self, secret: str) -> str:
        header = {"alg": "dir", "enc": "A256GCM", "kid": self.kid}
        return jwe.encrypt_compact(header, secret.encode(), self._key)

    def unseal(self, sealed: str) -> str:
        """The secret; ``ValueError`` when it was sealed under another key or was altered."""
        try:
            plaintext = jwe.decrypt_compact(sealed, self._key).plaintext
        except (JoseError, ValueError) as error:
            raise ValueError(
                "a webhook secret does not open under HUB_WEBHOOK_SECRET_KEY_FILE's key "
                f"({type(error).__name__}): was the key file replaced?"
            ) from None
        if plaintext is None:
            raise ValueError("a sealed webhook secret is empty")
        return plaintext.decode()


NO_KEY: Final = (
    "webhooks need HUB_WEBHOOK_SECRET_KEY_FILE when HUB_ENV=prod "
    "(create one: umask 077; openssl rand -base64 32 > webhook-secret.key)"
)


class UnconfiguredSeal(SecretSeal):
    """Prod without a key file: the hub runs, webhooks are off (creating one is refused, naming the
    setting), so a deployment that does not use them needs no new file."""

    def __init__(self) -> None:
        self.kid = ""

    def seal(self, secret: str) -> str:
        raise BadRequest(NO_KEY, setting="HUB_WEBHOOK_SECRET_KEY_FILE")

    def unseal(self, sealed: str) -> str:
        raise ValueError(NO_KEY)


def key_file_path(settings: Settings) -> Path | None:
    """The key file to use, created in dev when missing; None in prod without one (webhooks off)."""
    if settings.webhook_secret_key_file is not None:
        return settings.webhook_secret_key_file
    if settings.env == "prod":
        return None
    if not DEV_KEY_FILE.exists():
        key = base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()
        write_private_file(DEV_KEY_FILE, key + "\n", exclusive=True)
    return DEV_KEY_FILE


def load_secret_seal(settings: Settings) -> SecretSeal:
    """The seal under the settings' key (blocking file access: call it at start, not per request)."""
    path = key_file_path(settings)
    if path is None:
        return UnconfiguredSeal()
    try:
        return SecretSeal(parse_key(path.read_text(encoding="utf-8")))
    except ValueError as error:
        raise ValueError(f"webhook secret key file {path} (HUB_WEBHOOK_SECRET_KEY_FILE): {error}") from None
