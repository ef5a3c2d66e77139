"""Fixtures of the connector tests: sandbox configs with small timeouts and backoff, and bound clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from connectors.catalog import load_connectors
from connectors.config import SourceConfig, sandbox_sources
from connectors.source import SourceName
from connectors.testing import FAST, TEST_HASHER, upstream_requests
from connectors.upstream import SourceClient, build_source_clients
from sandbox.control import SandboxControl

CODE = "9133040285WK93385D"  # an ordinary firm of the default universe, present in every source
HASHER = TEST_HASHER
counted = upstream_requests


def fast_configs(sandbox: SandboxControl, **overrides: Any) -> dict[SourceName, SourceConfig]:
    return sandbox_sources(sandbox.urls, **{**FAST, **overrides})


ClientFactory = Callable[..., SourceClient[Any]]


@pytest.fixture
def provider(source: SourceName, sandbox: SandboxControl) -> Iterator[SandboxControl]:
    """The sandbox with the provider of the test's ``source`` reset (faults and counters) around the test;
    resetting one provider instead of five keeps the battery fast.
    """
    sandbox.reset_faults(source)
    sandbox.reset_stats(source)
    yield sandbox
    sandbox.reset_faults(source)
    sandbox.reset_stats(source)


@pytest.fixture
async def source_client(sandbox: SandboxControl) -> AsyncIterator[ClientFactory]:
    """``source_client(name, **config_overrides)``: a SourceClient on the sandbox, closed after the test."""
    made: list[SourceClient[Any]] = []

    def make(name: SourceName, **overrides: Any) -> SourceClient[Any]:
        configs = fast_configs(sandbox, **overrides)
        clients, _ = build_source_clients(
            {name: load_connectors()[name]}, {name: configs[name]}, personal_data=HASHER
        )
        made.append(clients[name])
        return clients[name]

    yield make
    for client in made:
        await client.aclose()
