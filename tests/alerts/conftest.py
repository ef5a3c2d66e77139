"""The running hub of the schema tests (``graph``, on both backends)."""

from tests.schema.conftest import graph, graph_overrides

__all__ = ["graph", "graph_overrides"]
