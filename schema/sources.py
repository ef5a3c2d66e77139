"""Each source's part of the GraphQL surface, declared by the source (its declaration's ``schema`` module).

A source's schema module defines ``FIELD``, a :class:`SourceField`: the resolver of its ``Enterprise`` field
(an async function of the enterprise and ``info``, whose other parameters are the field's arguments and
whose return annotation is its GraphQL type), its description, its query cost, the sources it reads (what
an enterprise query prefetches when the field is selected) and its contribution to the lending indicators.
``Enterprise`` gets one field per source, named after it and guarded by its scope and consent
(:class:`schema.permissions.CanReadSource`); the cost limit, the prefetch and the indicators read
:func:`source_fields` too (and a source without a field contributes to the indicators through the module
its declaration names). Nothing else in the schema names a source.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Generic, TypeVar

from connectors.catalog import load_catalog
from connectors.records import Record
from hub.profiles.indicators import Contribution

SOURCE_FIELD_COST = 10
"""What a field that reads an upstream costs in the query cost limit, unless its source says otherwise."""

R = TypeVar("R", bound=Record)
P = TypeVar("P")


@dataclass(frozen=True)
class IndicatorSource(Generic[R, P]):
    """How a source feeds the lending indicators: its profile over ``window`` (``profile(record, window)``)
    and what that profile contributes; ``flags`` names the risk flags it may raise, with their meaning."""

    record_type: type[R]
    profile: Callable[[R, int], P]
    window: int
    contribute: Callable[[P], Contribution]
    flags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceField:
    """A source's field on ``Enterprise``.

    Parameters:
    - ``resolver``: ``async def <source>(root, info, <arguments>) -> <Profile> | None``.
    - ``description``: shown in GraphiQL (say what it needs: its scope and the enterprise's consent).
    - ``cost``: in the query cost limit (the field's selection is added to it).
    - ``prefetch``: the sources the field reads, started as soon as the enterprise is asked for.
    - ``indicators``: its contribution to ``Enterprise.indicators``, if any.
    - ``sample``: the field with a few of its figures, for the sample query ``hub demo`` prints.
    """

    resolver: Callable[..., Awaitable[Any]]
    description: str
    prefetch: tuple[str, ...]
    cost: int = SOURCE_FIELD_COST
    indicators: IndicatorSource[Any, Any] | None = None
    sample: str = ""


@cache
def source_fields() -> dict[str, SourceField]:
    """Each loaded source's field by source name (the field's name), in catalog order."""
    fields: dict[str, SourceField] = {}
    for source in load_catalog():
        if source.schema is None:
            continue
        declared = getattr(importlib.import_module(source.schema), "FIELD", None)
        if not isinstance(declared, SourceField):
            raise TypeError(f"{source.schema}.FIELD is not a SourceField (source {source.name!r})")
        fields[source.name] = declared
    return fields


@cache
def indicator_sources() -> dict[str, IndicatorSource[Any, Any]]:
    """The sources that contribute to the lending indicators, in catalog order: each through its field's
    declaration, or, for a source without a field (the registry), through the module its declaration
    names as ``indicators`` (its ``INDICATORS``)."""
    fields = source_fields()
    found: dict[str, IndicatorSource[Any, Any]] = {}
    for source in load_catalog():
        if source.name in fields:
            contribution = fields[source.name].indicators
            if contribution is not None:
                found[source.name] = contribution
            continue
        if source.indicators is None:
            continue
        declared = getattr(importlib.import_module(source.indicators), "INDICATORS", None)
        if not isinstance(declared, IndicatorSource):
            raise TypeError(
                f"{source.indicators}.INDICATORS is not an IndicatorSource (source {source.name!r})"
            )
        found[source.name] = declared
    return found


def risk_flags() -> dict[str, str]:
    """Every risk flag a source may raise, with its meaning."""
    return {flag: meaning for spec in indicator_sources().values() for flag, meaning in spec.flags.items()}
