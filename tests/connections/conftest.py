"""A running hub against the session's sandbox (as the schema tests have it), and the events it emits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.control import SandboxControl
from tests.fixtures.backends import Backend
from tests.fixtures.events import Recorder
from tests.schema.conftest import Graph, graph_settings, running_graph


@pytest.fixture
async def graph(
    backend: Backend, tmp_path: Path, clean_sandbox: SandboxControl, engine: object
) -> AsyncIterator[Graph]:
    # ``engine`` (unused here) empties the PostgreSQL tables after the test.
    async for running in running_graph(graph_settings(backend, tmp_path, clean_sandbox)):
        yield running


@pytest.fixture
def recorder(graph: Graph) -> Recorder:
    sink = Recorder()
    graph.services.events.subscribe(sink)
    return sink
