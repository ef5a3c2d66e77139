"""The simulated upstream providers: every module of this package declares one (:mod:`sandbox.provider`).

Nothing lists them by hand: :data:`SANDBOX_PROVIDERS` holds what :func:`sandbox.provider.discover` finds
here, ordered by port offset, and the other names derive from it. A new provider is a new module.
"""

from __future__ import annotations

from sandbox.credentials import Credentials
from sandbox.provider import AppFactory, SandboxProvider, discover

SANDBOX_PROVIDERS: dict[str, SandboxProvider] = {provider.name: provider for provider in discover(__name__)}
"""Provider name → its declaration, in the order of their port offsets."""

PROVIDERS: dict[str, AppFactory] = {name: provider.create_app for name, provider in SANDBOX_PROVIDERS.items()}
"""Provider name → app factory, in the order of their default ports."""

DEFAULT_CREDENTIALS: dict[str, Credentials] = {
    name: provider.credentials for name, provider in SANDBOX_PROVIDERS.items()
}
"""Provider name → the credentials it accepts by default (PROTOCOL.md, "Default credentials")."""
