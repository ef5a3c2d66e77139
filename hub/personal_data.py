"""The personal-data key: the HMAC key of :class:`connectors.personal_data.PersonalDataHasher`.

``HUB_PERSONAL_DATA_KEY_FILE`` names a file holding at least 32 random bytes in hex or base64 (``umask 077;
openssl rand -base64 32 > personal-data.key``). Every replica, ``hub sync`` worker and migration must read
the same key: hashes made under another key never match. In dev without the setting the key lives in
``./var/personal-data.key`` (created owner-only on first use, so hashes survive a restart); prod refuses to
start without the file.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

from connectors.personal_data import KEY_BYTES, PersonalDataHasher, parse_key
from foundation.private_files import write_private_file
from foundation.settings import Settings

DEV_KEY_FILE = Path("var/personal-data.key")


def key_file_path(settings: Settings) -> Path:
    """The key file to use, created in dev when missing; prod must name an existing file."""
    if settings.personal_data_key_file is not None:
        return settings.personal_data_key_file
    if settings.env == "prod":
        raise ValueError(
            "HUB_PERSONAL_DATA_KEY_FILE is required when HUB_ENV=prod "
            "(create one: umask 077; openssl rand -base64 32 > personal-data.key)"
        )
    if not DEV_KEY_FILE.exists():
        key = base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()
        write_private_file(DEV_KEY_FILE, key + "\n", exclusive=True)
    return DEV_KEY_FILE


def load_personal_data_hasher(settings: Settings) -> PersonalDataHasher:
    """The hasher under the settings' key (blocking file access: call it at start, not per request)."""
    path = key_file_path(settings)
    try:
        return PersonalDataHasher(parse_key(path.read_text(encoding="utf-8")))
    except ValueError as error:
        raise ValueError(f"personal-data key file {path} (HUB_PERSONAL_DATA_KEY_FILE): {error}") from None
