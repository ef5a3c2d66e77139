"""Request signatures of the tax and trade providers (PROTOCOL.md), shared by servers and test clients."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import quote


def percent_encode(text: str) -> str:
    """RFC 3986: everything but unreserved characters is percent-encoded (UTF-8)."""
    return quote(text, safe="-_.~")


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Query parameters sorted by name (then value) as ``k=v`` joined by ``&``, percent-encoded."""
    encoded = sorted((percent_encode(key), percent_encode(value)) for key, value in pairs)
    return "&".join(f"{key}={value}" for key, value in encoded)


def hmac_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def tax_signature(
    secret: str, method: str, path: str, query: Iterable[tuple[str, str]], timestamp: str, nonce: str
) -> str:
    """``X-Signature`` of a tax request."""
    return hmac_hex(secret, "\n".join((method.upper(), path, canonical_query(query), timestamp, nonce)))


def trade_sign(secret: str, params: Iterable[tuple[str, str]]) -> str:
    """``sign`` of a trade request: over every query parameter but ``sign`` (``app_key`` and ``ts`` too)."""
    return hmac_hex(secret, canonical_query((key, value) for key, value in params if key != "sign"))
