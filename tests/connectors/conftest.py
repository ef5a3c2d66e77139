"""Fixtures of the connector tests: sandbox configs with small timeouts and backoff, and bound clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from connectors.catalog import load_connectors
from connectors.config import SourceConfig, sandbox_sources
from connectors.personal_data import PersonalDataHasher
from connectors.source import SourceName
from connectors.upstream import SourceClient, build_source_clients
from sandbox.control import SandboxControl

CODE = "9133040285WK93385D"  # an ordinary firm of the default universe, present in every source
OUTSIDE_UNIVERSE = "91330100AY4CL12T2Y"  # valid check digit, unknown to every provider
# The personal-data key of connector tests (the hub's comes from HUB_PERSONAL_DATA_KEY_FILE).
HASHER = PersonalDataHasher(bytes(range(32)))
FAST: dict[str, Any] = {
    "retries": 2,
    "backoff_initial_s": 0.01,
    "backoff_max_s": 0.05,
    "connect_timeout_s": 1.0,
    "timeout_s": 2.0,
    "deadline_s": 10.0,
    "breaker_threshold": 3,
    "breaker_cooldown_s": 0.5,
}


def counted(source: str, outcome: str) -> float:
    """``hub_upstream_requests_total{source, outcome}`` as Prometheus would scrape it."""
    return (
        REGISTRY.get_sample_value("hub_upstream_requests_total", {"source": source, "outcome": outcome})
        or 0.0
    )


def fast_configs(sandbox: SandboxControl, **overrides: Any) -> dict[SourceName, SourceConfig]:
    return sandbox_sources(sandbox.urls, **{**FAST, **overrides})


ClientFactory = Callable[..., SourceClient]


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
    made: list[SourceClient] = []

    def make(name: SourceName, **overrides: Any) -> SourceClient:
        configs = fast_configs(sandbox, **overrides)
        clients, _ = build_source_clients(
            {name: load_connectors()[name]}, {name: configs[name]}, personal_data=HASHER
        )
        made.append(clients[name])
        return clients[name]

    yield make
    for client in made:
        await client.aclose()
