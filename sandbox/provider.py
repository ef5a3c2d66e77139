"""How a provider declares itself (:class:`SandboxProvider`) and how the declarations are found.

A module of :mod:`sandbox.providers` ends with its declaration, named ``provider``; the package finds it, and
nothing else lists providers::

    provider = SandboxProvider(
        name="tax",
        port_offset=3,
        create_app=create_app,
        credentials=Credentials(APP_KEY, APP_SECRET),
        description="tax bureau: HMAC-signed requests, XML",
    )
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.applications import Starlette

from sandbox.common import ProviderConfig
from sandbox.credentials import Credentials
from sandbox.universe import Universe

AppFactory = Callable[[Universe, ProviderConfig], Starlette]
"""Builds a provider's app over a universe with the config it runs with."""
CredentialsText = Callable[[Credentials], str]
"""How ``hub sandbox`` prints what a provider accepts."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def key_and_secret_text(credentials: Credentials) -> str:
    """``API key K`` for a bare key, ``key K  secret S`` for a key and its secret."""
    if credentials.secret:
        return f"key {credentials.key}  secret {credentials.secret}"
    return f"API key {credentials.key}"


@dataclass(frozen=True, slots=True)
class SandboxProvider:
    """One simulated upstream, as its module declares it.

    Parameters:
        name: the provider's name on the command line, in URLs maps and in the hub's sources config.
        port_offset: its default port is the sandbox's base port (9101) plus this; the offsets of all
            providers run 0, 1, 2 … without gaps, so they occupy one block of consecutive ports.
        create_app: builds its starlette app.
        credentials: what it accepts unless the caller passes others.
        description: one line for ``hub sandbox --help`` and the docs.
        credentials_text: how ``hub sandbox`` prints ``credentials`` (default: key and secret).
    """

    name: str
    port_offset: int
    create_app: AppFactory
    credentials: Credentials
    description: str
    credentials_text: CredentialsText = key_and_secret_text

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"a provider name is lower-case letters, digits and _, got {self.name!r}")
        if self.port_offset < 0:
            raise ValueError(f"provider {self.name}: port_offset must be >= 0, got {self.port_offset}")


class ProviderDiscoveryError(ValueError):
    """The modules of a providers package do not declare a consistent set of providers."""


def discover(package: str) -> tuple[SandboxProvider, ...]:
    """The providers declared by the modules of ``package``, ordered by port offset.

    Every module of the package whose name does not start with ``_`` must declare ``provider``. Two
    providers with one name or one port offset, or a gap in the offsets, raise
    :class:`ProviderDiscoveryError` naming the modules involved (every problem at once).
    """
    found: list[tuple[str, SandboxProvider]] = []
    problems: list[str] = []
    names = sorted(module.name for module in pkgutil.iter_modules(importlib.import_module(package).__path__))
    for name in names:
        if name.startswith("_"):
            continue
        module_name = f"{package}.{name}"
        declared = getattr(importlib.import_module(module_name), "provider", None)
        if isinstance(declared, SandboxProvider):
            found.append((module_name, declared))
        else:
            problems.append(f"{module_name} declares no provider = SandboxProvider(...)")
    problems += _clashes(found)
    if problems:
        raise ProviderDiscoveryError("; ".join(problems))
    return tuple(declared for _, declared in sorted(found, key=lambda item: item[1].port_offset))


def _clashes(found: Sequence[tuple[str, SandboxProvider]]) -> list[str]:
    problems: list[str] = []
    for index, (module, declared) in enumerate(found):
        for other_module, other in found[:index]:
            if other.name == declared.name:
                problems.append(f"{other_module} and {module} both declare provider {declared.name!r}")
            if other.port_offset == declared.port_offset:
                problems.append(
                    f"{other_module} ({other.name}) and {module} ({declared.name}) "
                    f"both take port offset {declared.port_offset}"
                )
    offsets = sorted({declared.port_offset for _, declared in found})
    if offsets != list(range(len(offsets))):
        missing = sorted(set(range(max(offsets, default=0))) - set(offsets))
        problems.append(f"port offsets must run 0, 1, 2 … without gaps; taken {offsets}, missing {missing}")
    return problems
