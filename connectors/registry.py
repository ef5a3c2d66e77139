"""The connector registry: every source the hub knows, found through the ``hub.connectors`` entry points.

A third-party package adds a source without editing the hub by declaring, in its own pyproject.toml::

    [project.entry-points."hub.connectors"]
    mysource = "my_package.my_module:connector"

where ``connector`` is an instance of :class:`connectors.base.Connector` whose ``name`` equals the entry
point's name.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from connectors.base import Connector
from connectors.records import SourceName

ENTRY_POINT_GROUP = "hub.connectors"


class ConnectorRegistryError(RuntimeError):
    """An entry point of ``hub.connectors`` does not load to a matching connector."""


@cache
def load_connectors() -> dict[SourceName, Connector]:
    """Every registered connector by source name (loaded once per process)."""
    connectors: dict[SourceName, Connector] = {}
    for entry_point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda point: point.name):
        connector = entry_point.load()
        if not isinstance(connector, Connector):
            raise ConnectorRegistryError(f"{entry_point.value} is not a Connector instance")
        if connector.name != entry_point.name:
            raise ConnectorRegistryError(
                f"entry point {entry_point.name!r} loads connector named {connector.name!r}"
            )
        connectors[connector.name] = connector
    return connectors
