"""The connector registry reads the ``hub.connectors`` entry points."""

from __future__ import annotations

from connectors.base import Connector
from connectors.catalog import load_connectors
from tests.fixtures.sources import SOURCE_NAMES


def test_every_source_is_registered_under_its_name() -> None:
    connectors = load_connectors()
    assert sorted(connectors) == sorted(SOURCE_NAMES)
    for name, connector in connectors.items():
        assert isinstance(connector, Connector)
        assert connector.name == name
        assert connector.endpoints
