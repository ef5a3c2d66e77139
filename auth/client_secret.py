"""Client secrets: high entropy, stored only as a slow scrypt hash, compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt cost: ~16 MiB and a few tens of milliseconds per check, so a stolen table is expensive to attack.
_N, _R, _P = 2**14, 8, 1
_SCHEME = "scrypt"


DUMMY_SECRET_HASH = "scrypt$16384$8$1$fRdWyDR5-_VUmeqPRh2nUg$wPbGwtma_OYQXUlIhQD6aidCXbeSYsVWd3feQUrofvA"  # noqa: S105 (a hash)
"""What a secret presented for an unknown client id is verified against: the same work as for a registered
one (a test keeps its parameters equal to those of new hashes). It is the hash of a random secret nobody
kept, so nothing verifies."""


def generate_client_secret() -> str:
    return secrets.token_urlsafe(32)


def _derive(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_client_secret(secret: str) -> str:
    """``scrypt$n$r$p$salt$hash``: the parameters travel with the hash so they can be raised later."""
    salt = secrets.token_bytes(16)
    return f"{_SCHEME}${_N}${_R}${_P}${_b64(salt)}${_b64(_derive(secret, salt, _N, _R, _P))}"


def verify_client_secret(secret: str, stored_hash: str) -> bool:
    """CPU-bound (scrypt): call it off the event loop."""
    try:
        scheme, n, r, p, salt, expected = stored_hash.split("$")
        if scheme != _SCHEME:
            return False
        derived = _derive(secret, _unb64(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(derived, _unb64(expected))
