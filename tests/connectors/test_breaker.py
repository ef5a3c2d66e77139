"""The circuit breaker of a source: opens after consecutive failures, fails fast, half-opens, closes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client import REGISTRY

from connectors.source import SourceName
from connectors.testing import OUTSIDE_UNIVERSE
from connectors.upstream import SourceClient
from foundation.errors import SourceUnavailable, UnknownEnterprise
from sandbox.control import SandboxControl
from tests.connectors.conftest import CODE, ClientFactory, counted


def gauge(source: str) -> float | None:
    return REGISTRY.get_sample_value("hub_upstream_circuit_state", {"source": source})


def state(client: SourceClient[Any]) -> str:
    return client.circuit_state


@pytest.fixture
def source() -> SourceName:
    return "registry"


async def opened_at_once(
    source: SourceName, provider: SandboxControl, source_client: ClientFactory, *, cooldown_s: float
) -> SourceClient[Any]:
    """A client of ``source`` whose circuit the first failure opened (the provider stays down)."""
    client = source_client(source, retries=0, breaker_threshold=1, breaker_cooldown_s=cooldown_s)
    provider.set_faults(source, down=True)
    with pytest.raises(SourceUnavailable):
        await client.fetch(CODE)
    return client


async def test_opens_after_threshold_fails_fast_then_half_opens_and_closes(
    source: SourceName, provider: SandboxControl, source_client: ClientFactory
) -> None:
    client = source_client(source, retries=0, breaker_threshold=3, breaker_cooldown_s=0.3)
    assert state(client) == "closed" and gauge(source) == 0
    provider.set_faults(source, down=True)
    for _ in range(3):
        with pytest.raises(SourceUnavailable, match="HTTP 503"):
            await client.fetch(CODE)
    assert state(client) == "open" and gauge(source) == 2

    requests_while_open = provider.stats(source)["total"]
    short_circuits = counted(source, "circuit_open")
    with pytest.raises(SourceUnavailable, match="circuit open"):
        await client.fetch(CODE)
    assert provider.stats(source)["total"] == requests_while_open  # failed fast, nothing sent
    assert counted(source, "circuit_open") == short_circuits + 1

    await asyncio.sleep(0.35)
    assert state(client) == "half_open"
    provider.reset_faults(source)
    assert (await client.fetch(CODE)).credit_code == CODE
    assert state(client) == "closed" and gauge(source) == 0


async def test_a_failed_probe_reopens(
    source: SourceName, provider: SandboxControl, source_client: ClientFactory
) -> None:
    client = await opened_at_once(source, provider, source_client, cooldown_s=0.2)
    await asyncio.sleep(0.25)
    assert state(client) == "half_open"
    with pytest.raises(SourceUnavailable, match="HTTP 503"):
        await client.fetch(CODE)  # the probe goes out and fails
    assert state(client) == "open"


async def test_unknown_enterprises_do_not_open_the_circuit(
    source: SourceName, provider: SandboxControl, source_client: ClientFactory
) -> None:
    client = source_client(source, breaker_threshold=2)
    for _ in range(4):
        with pytest.raises(UnknownEnterprise):
            await client.fetch(OUTSIDE_UNIVERSE)
    assert state(client) == "closed"


def traceback_depth(error: BaseException | None) -> int:
    depth, entry = 0, None if error is None else error.__traceback__
    while entry is not None:
        depth, entry = depth + 1, entry.tb_next
    return depth


async def test_failing_fast_pins_no_frames_of_earlier_fetches(
    source: SourceName, provider: SandboxControl, source_client: ClientFactory
) -> None:
    # purgatory raises its one open-state object on every fast failure: each raise would add that fetch's
    # frames to the object's traceback, pinning them (and everything they hold) while the circuit is open.
    client = await opened_at_once(source, provider, source_client, cooldown_s=60)
    depths = []
    for _ in range(50):
        with pytest.raises(SourceUnavailable, match="circuit open") as failed:
            await client.fetch(CODE)
        depths.append(traceback_depth(failed.value.__context__))
    assert max(depths) == depths[0], depths
