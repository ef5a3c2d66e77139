"""Signed checkpoints of the audit log's head: they make a truncated tail detectable.

The chain alone proves that no row was altered, removed or reordered *before* its last row, but not that
rows after it were not deleted. A checkpoint is a JWS (ES256, the hub's current JWT signing key, header
``typ: audit-checkpoint+jws`` so it can never pass for an access token) stating "row ``seq`` had
``row_hash``". Verification then fails when the log no longer reaches a checkpoint's ``seq`` or its row
there differs. Checkpoints live in the ``audit_checkpoint`` table and, exported one per line, in files
outside the database (someone able to delete audit rows can delete checkpoint rows too): the anchor file
the hub appends to itself (:mod:`audit.anchor`) and those of ``--export``.
"""

from __future__ import annotations

import enum
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from joserfc import jws
from joserfc.errors import JoseError

from foundation.errors import BadRequest
from foundation.signing_keys import ALGORITHM, KeyFile, SigningKeys

CHECKPOINT_TYPE = "audit-checkpoint+jws"


class SignatureCheck(enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    UNKNOWN_KEY = "unknown key"  # signed by a key no longer (or never) in the key file


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement: at ``at``, the audit log's row ``seq`` had ``row_hash``.

    ``origin`` says where it was read from (``checkpoint 7`` in the table, ``FILE line 3``), for messages.
    """

    seq: int
    row_hash: str
    at: datetime
    kid: str
    jws: str
    origin: str = "new checkpoint"

    def describe(self) -> str:
        return f"{self.origin} (seq {self.seq}, signed {self.at:%Y-%m-%dT%H:%M:%SZ} by key {self.kid})"


def sign_checkpoint(keys: SigningKeys, *, seq: int, row_hash: str, at: datetime | None = None) -> Checkpoint:
    at = (at or datetime.now(UTC)).astimezone(UTC)
    key = keys.current
    payload = json.dumps({"seq": seq, "row_hash": row_hash, "at": at.isoformat()}, separators=(",", ":"))
    header = {"alg": ALGORITHM, "typ": CHECKPOINT_TYPE, "kid": str(key.kid)}
    return Checkpoint(seq, row_hash, at, str(key.kid), jws.serialize_compact(header, payload, key))


def parse_checkpoint(value: str, origin: str) -> Checkpoint:
    """A checkpoint's claims, unverified (see :func:`check_signature`); :class:`BadRequest` if malformed."""
    try:
        signed = jws.extract_compact(value.strip().encode())
        header, claims = signed.headers(), json.loads(signed.payload)
        if header.get("typ") != CHECKPOINT_TYPE:
            raise ValueError(f"typ is not {CHECKPOINT_TYPE}")
        return Checkpoint(
            seq=int(claims["seq"]),
            row_hash=str(claims["row_hash"]),
            at=datetime.fromisoformat(claims["at"]),
            kid=str(header["kid"]),
            jws=value.strip(),
            origin=origin,
        )
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise BadRequest(f"{origin} is not an audit checkpoint: {error}") from None


def check_signature(checkpoint: Checkpoint, keys: SigningKeys | None) -> SignatureCheck:
    key = next((key for key in keys.keys if key.kid == checkpoint.kid), None) if keys else None
    if key is None:
        return SignatureCheck.UNKNOWN_KEY
    try:
        jws.deserialize_compact(checkpoint.jws, key, algorithms=[ALGORITHM])
    except JoseError:
        return SignatureCheck.INVALID
    return SignatureCheck.VALID


class CheckpointSigner:
    """Signs with the hub's current JWT signing key; verifies with every key still in the key file."""

    def __init__(self, key_file: KeyFile) -> None:
        self._key_file = key_file

    def sign(self, *, seq: int, row_hash: str) -> Checkpoint:
        return sign_checkpoint(self._key_file.keys(), seq=seq, row_hash=row_hash)

    def check(self, checkpoint: Checkpoint) -> SignatureCheck:
        return check_signature(checkpoint, self._key_file.every_key())


def export_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Append the checkpoint to ``path``: one JWS a line, on disk (fsync'd) when this returns.

    The file (and its folder) is created if missing, readable by its owner only (0600). Opened append-only,
    so concurrent writers (the hub, a CLI next to it) never overwrite each other's lines. Blocks: call it
    through :func:`asyncio.to_thread` from a coroutine. Raises :class:`OSError`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    line = (checkpoint.jws + "\n").encode("ascii")
    handle = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(handle).st_size
        if size and os.pread(handle, 1, size - 1) != b"\n":
            # A line torn by a crash mid-write: end it, so this checkpoint stays a line of its own.
            line = b"\n" + line
        # One write of a line well under a page: appends of other processes land before or after it.
        while line:
            line = line[os.write(handle, line) :]
        os.fsync(handle)
    finally:
        os.close(handle)
    if created:
        _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make a new file's name durable too: without it a crash can lose the file though its data was synced."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def read_checkpoint_file(path: Path) -> list[Checkpoint]:
    """Every checkpoint of an exported file; :class:`BadRequest` naming the first malformed line."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BadRequest(f"cannot read checkpoint file {path}: {error}") from None
    return [
        parse_checkpoint(line, f"{path} line {number}")
        for number, line in enumerate(lines, start=1)
        if line.strip()
    ]
