"""The catalog of sources: every source the hub knows, found through the ``hub.sources`` entry points.

A package adds a source without editing the hub by declaring, in its own pyproject.toml::

    [project.entry-points."hub.sources"]
    mysource = "my_package.my_connector:source"

where ``source`` is a :class:`connectors.source.Source` whose connector's ``name`` equals the entry point's
name. Which of the known sources a hub actually reads is the sources file's business
(:mod:`connectors.config`): a known source without a table there answers ``SOURCE_UNAVAILABLE``.

Sources are listed in the order of their sandbox port offsets (the registry first).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from connectors.base import Connector
from connectors.source import Source, SourceName

ENTRY_POINT_GROUP = "hub.sources"


class SourceCatalogError(RuntimeError):
    """An entry point of ``hub.sources`` does not load to a consistent source."""


@dataclass(frozen=True)
class SourceCatalog:
    """The loaded sources, by name, in port-offset order."""

    sources: Mapping[SourceName, Source[Any]]

    def __iter__(self) -> Iterator[Source[Any]]:
        return iter(self.sources.values())

    def __contains__(self, name: object) -> bool:
        return name in self.sources

    def __getitem__(self, name: SourceName) -> Source[Any]:
        return self.sources[name]

    @property
    def names(self) -> tuple[SourceName, ...]:
        return tuple(self.sources)

    def connectors(self) -> dict[SourceName, Connector[Any]]:
        return {name: source.connector for name, source in self.sources.items()}

    def consent_names(self) -> tuple[str, ...]:
        """The consent vocabulary: the name each source's consents are recorded under."""
        return tuple(source.consent for source in self.sources.values())

    def check(self, names: Sequence[str], *, what: str = "source") -> list[SourceName]:
        """``names`` if every one is a loaded source, else ``ValueError`` naming the unknown and the known."""
        unknown = sorted(set(names) - set(self.sources))
        if unknown:
            raise ValueError(f"unknown {what} {', '.join(unknown)}; known: {', '.join(self.sources)}")
        return list(names)


def catalog_of(sources: Sequence[Source[Any]]) -> SourceCatalog:
    """A catalog of ``sources``, checked: names and sandbox port offsets unique."""
    by_name: dict[SourceName, Source[Any]] = {}
    offsets: dict[int, SourceName] = {}
    for source in sorted(sources, key=lambda source: (source.sandbox.port_offset, source.name)):
        if source.name in by_name:
            raise SourceCatalogError(f"two sources are named {source.name!r}")
        other = offsets.get(source.sandbox.port_offset)
        if other is not None:
            raise SourceCatalogError(
                f"sources {other!r} and {source.name!r} have the same sandbox port offset "
                f"{source.sandbox.port_offset}"
            )
        by_name[source.name] = source
        offsets[source.sandbox.port_offset] = source.name
    return SourceCatalog(by_name)


@cache
def load_catalog() -> SourceCatalog:
    """Every registered source (loaded once per process)."""
    sources: list[Source[Any]] = []
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        source = entry_point.load()
        if not isinstance(source, Source):
            raise SourceCatalogError(f"{entry_point.value} is not a Source")
        if source.name != entry_point.name:
            raise SourceCatalogError(f"entry point {entry_point.name!r} loads the source {source.name!r}")
        sources.append(source)
    return catalog_of(sources)


def load_connectors() -> dict[SourceName, Connector[Any]]:
    """Every registered source's connector, by name."""
    return load_catalog().connectors()
