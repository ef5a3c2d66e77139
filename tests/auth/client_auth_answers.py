"""What an attacker of client authentication sees: the failure answer, and the scrypt work done."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

FAILED = {"error": "invalid_client", "error_description": "client authentication failed"}


def count_scrypt(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """Every scrypt derivation from now on, as its cost parameters (n, r, p)."""
    calls: list[tuple[int, int, int]] = []
    scrypt = hashlib.scrypt

    def counted(password: bytes, *, salt: bytes, n: int, r: int, p: int, **options: Any) -> bytes:
        calls.append((n, r, p))
        return scrypt(password, salt=salt, n=n, r=r, p=p, **options)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    return calls
