"""A source, declared once: the one object every layer derives its part of the source from.

A source package declares, in its connector module::

    source = Source(
        connector=CustomsConnector(),
        description="Customs export declarations and FX receipts (single window)",
        consent="customs",
        sandbox=SandboxDefaults(port_offset=5, credentials={"client_id": "hub-sandbox", ...}),
        schema="schema.customs",
    )

and registers it under the ``hub.sources`` entry-point group (:mod:`connectors.catalog`). From the list of
loaded sources come: the read scopes (``<name>:read``), the consent vocabulary, which sources the sources
file may configure and the sandbox's default config (ports and credentials), the connectors of the read
path and ``hub sync``, and, through the module named by ``schema`` (its :class:`schema.sources.SourceField`),
the source's ``Enterprise`` field with its arguments and description, its profile, its query cost, what
it prefetches and what it contributes to the lending indicators. Nothing else names the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeAlias, TypeVar

from connectors.base import Connector
from connectors.records import Record

SourceName: TypeAlias = str
"""A source's name: open (any loaded source), checked against the catalog where it enters the hub."""

R = TypeVar("R", bound=Record)

SANDBOX_BASE_PORT = 9101
"""The sandbox's first port; a source's default sandbox port is this plus its ``port_offset``."""


@dataclass(frozen=True)
class SandboxDefaults:
    """Where the source's sandbox provider listens by default and the credentials it accepts.

    Parameters:
    - ``port_offset``: from :data:`SANDBOX_BASE_PORT` (the sandbox provider declares the same one).
    - ``credentials``: what the connector's auth style needs to talk to the sandbox provider.
    """

    port_offset: int
    credentials: Mapping[str, str] = field(default_factory=dict)

    @property
    def port(self) -> int:
        return SANDBOX_BASE_PORT + self.port_offset


@dataclass(frozen=True)
class Source(Generic[R]):
    """One upstream source.

    Parameters:
    - ``connector``: fetches and maps the source's record (its ``name`` is the source's name).
    - ``description``: one line, for the docs' sources table and ``hub sources``.
    - ``consent``: the name enterprises' consents use for this source (``hub consent grant --sources``).
    - ``consent_required``: whether its data needs a live consent besides the scope (not for a public
      register such as the registry: the scope alone).
    - ``sandbox``: the sandbox provider's default port and credentials (development defaults only).
    - ``schema``: the module of the source's GraphQL field (it defines ``FIELD``, a
      :class:`schema.sources.SourceField`); ``None`` when the schema serves the source without one of
      its own (the registry: the enterprise itself).
    - ``indicators``: for a source without a field of its own, the module of its contribution to the
      lending indicators (it defines ``INDICATORS``, a :class:`schema.sources.IndicatorSource`); a source
      with a field declares its contribution there.
    """

    connector: Connector[R]
    description: str
    sandbox: SandboxDefaults
    consent: str
    consent_required: bool = True
    schema: str | None = None
    indicators: str | None = None

    @property
    def name(self) -> SourceName:
        return self.connector.name

    @property
    def read_scope(self) -> str:
        """The scope reading this source needs, e.g. ``electricity:read``."""
        return f"{self.name}:read"

    @property
    def record_type(self) -> type[R]:
        return self.connector.record_type
