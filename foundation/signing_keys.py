"""JWT signing keys: a JSON Web Key Set file shared by every replica, rotatable without downtime.

The file holds private EC P-256 keys (ES256), oldest first; the newest key signs. A key's ``kid`` starts
with its creation time, so a key's retirement time is its successor's creation time: a retired key keeps
verifying (and stays published at ``/.well-known/jwks.json``) until every token it signed has expired.
In dev without ``HUB_SIGNING_KEY_FILE`` the key set lives in ``./var/signing-keys.json`` (created on first
use, so tokens survive a restart); prod refuses to start without the file.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, KeySet

from foundation.private_files import write_private_file
from foundation.settings import Settings

ALGORITHM = "ES256"
DEV_KEY_FILE = Path("var/signing-keys.json")
_KID_TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"
# Clock skew allowed between the replica that signed a token and the one verifying it.
CLOCK_LEEWAY_S = 30
# How often a running hub looks at the key file for a rotation made by `hub keys rotate`.
RELOAD_INTERVAL_S = 5.0


def _new_key(now: datetime) -> ECKey:
    key = ECKey.generate_key("P-256", private=True)
    kid = f"{now.strftime(_KID_TIME_FORMAT)}-{key.thumbprint()[:12]}"
    return ECKey.import_key(key.as_dict(private=True, alg=ALGORITHM, use="sig", kid=kid))


def _created_at(key: ECKey) -> datetime:
    stamp = str(key.kid).split("-", 1)[0]
    return datetime.strptime(stamp, _KID_TIME_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class SigningKeys:
    """The key set as of one read of the file: ``keys`` oldest first, the last one signs."""

    keys: tuple[ECKey, ...]

    @property
    def current(self) -> ECKey:
        return self.keys[-1]

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(str(key.kid) for key in self.keys)

    def signing_set(self) -> KeySet:
        """A one-key set, so joserfc writes the signing key's ``kid`` into the token header."""
        return KeySet([self.current])

    @cached_property
    def verification_set(self) -> KeySet:
        return KeySet([ECKey.import_key(key.as_dict(private=False)) for key in self.keys])

    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in reversed(self.keys)]}

    def alive(self, *, token_ttl_s: int, now: datetime) -> SigningKeys:
        """The keys whose tokens may still be unexpired: the current one and those retired recently."""
        horizon = timedelta(seconds=token_ttl_s + CLOCK_LEEWAY_S)
        successors = [*[_created_at(key) for key in self.keys[1:]], None]
        kept = tuple(
            key
            for key, retired_at in zip(self.keys, successors, strict=True)
            if retired_at is None or now - retired_at <= horizon
        )
        return SigningKeys(kept)


def read_key_file(path: Path) -> SigningKeys:
    document = json.loads(path.read_text())
    keys = tuple(ECKey.import_key(entry) for entry in document.get("keys", []))
    if not keys or not all(key.is_private and key.kid for key in keys):
        raise ValueError(f"{path}: expected a JWKS of private EC keys with kids")
    return SigningKeys(tuple(sorted(keys, key=_created_at)))


def _write_key_file(path: Path, keys: SigningKeys, *, exclusive: bool) -> None:
    """Atomic replace (readers never see half a file); private keys readable by the owner only.
    ``exclusive``: two processes starting at once, the first one's keys win and the other keeps them."""
    document = json.dumps({"keys": [key.as_dict(private=True) for key in keys.keys]}, indent=2)
    write_private_file(path, document, exclusive=exclusive)


def key_file_path(settings: Settings) -> Path:
    """The key file to use, created in dev when missing; prod must name an existing file."""
    if settings.signing_key_file is not None:
        return settings.signing_key_file
    if settings.env == "prod":
        raise ValueError("HUB_SIGNING_KEY_FILE is required when HUB_ENV=prod (create one: hub keys rotate)")
    if not DEV_KEY_FILE.exists():
        _write_key_file(DEV_KEY_FILE, SigningKeys((_new_key(datetime.now(UTC)),)), exclusive=True)
    return DEV_KEY_FILE


def rotate_key_file(path: Path, *, token_ttl_s: int, now: datetime | None = None) -> SigningKeys:
    """Add a new signing key (creating the file if needed) and drop keys whose tokens have all expired."""
    now = now or datetime.now(UTC)
    existing = read_key_file(path).keys if path.exists() else ()
    rotated = SigningKeys((*existing, _new_key(now))).alive(token_ttl_s=token_ttl_s, now=now)
    _write_key_file(path, rotated, exclusive=False)
    return rotated


class KeyFile:
    """The signing keys of a running hub, re-read when the file changes (a rotation by another process)."""

    def __init__(self, path: Path, *, token_ttl_s: int) -> None:
        self.path = path
        self._token_ttl_s = token_ttl_s
        self._mtime_ns = -1
        self._checked_at = float("-inf")
        self._all = self._alive = self._load()

    def _load(self) -> SigningKeys:
        self._mtime_ns = self.path.stat().st_mtime_ns
        return read_key_file(self.path)

    def keys(self) -> SigningKeys:
        """The keys alive now; the file and the retirement horizon are looked at every few seconds."""
        monotonic = time.monotonic()
        if monotonic - self._checked_at >= RELOAD_INTERVAL_S:
            self._checked_at = monotonic
            if self.path.stat().st_mtime_ns != self._mtime_ns:
                self._all = self._load()
            alive = self._all.alive(token_ttl_s=self._token_ttl_s, now=datetime.now(UTC))
            # The same object while the set is unchanged: its verification set (and the tokens verified
            # with it, auth.service) stay valid instead of being rebuilt every few seconds.
            if alive.kids != self._alive.kids:
                self._alive = alive
        return self._alive

    def every_key(self) -> SigningKeys:
        """Every key in the file, retired ones included (they still verify old audit checkpoints)."""
        self.keys()
        return self._all

    def reload(self) -> None:
        """Read the file now (after a rotation in this process, rather than within a few seconds)."""
        self._checked_at = float("-inf")
