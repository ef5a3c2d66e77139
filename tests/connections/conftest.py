"""A running hub against the session's sandbox (as the schema tests have it), and the events it emits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from hub.events import Event
from sandbox.control import SandboxControl
from tests.fixtures.backends import Backend
from tests.schema.conftest import Graph, graph_settings, running_graph


class Recorder:
    """An event sink keeping what it is told."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def receive(self, events: Sequence[Event]) -> None:
        self.events.extend(events)

    def of(self, kind: str) -> list[Event]:
        return [event for event in self.events if event.type == kind]

    def clear(self) -> None:
        self.events.clear()


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
