"""What a sandbox provider accepts (:class:`Credentials`).

Each provider's default credentials live in its own module of :mod:`sandbox.providers`, next to its
declaration; :data:`sandbox.providers.DEFAULT_CREDENTIALS` gathers them (PROTOCOL.md, "Default
credentials"). Only for the sandbox itself, tests and the hub's default development sources config: a real
deployment gets its credentials from the providers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a provider accepts: an API key (``secret`` empty), or a client id or app key and what it is
    checked against (its secret, or for a client that signs with a key pair, its public key)."""

    key: str
    secret: str = ""
