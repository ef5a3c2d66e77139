"""Starting the providers: in the running loop on free ports, in a thread, deterministic answers."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sandbox.faults import FaultSettings
from sandbox.runner import DEFAULT_PORTS, SandboxThread, run_sandboxes
from tests.sandbox.clients import REGISTRY_HEADERS, tax_headers, trade_params


async def _answers(urls: dict[str, str]) -> list[bytes]:
    """Bodies of several providers for the same firms; signatures aside, they must be byte-identical."""
    async with httpx.AsyncClient() as client:
        listing = await client.get(
            f"{urls['registry']}/_sandbox/enterprises", params={"limit": 3, "offset": 5}
        )
        bodies = [listing.content]
        for code in listing.json()["creditCodes"]:
            registry = await client.get(f"{urls['registry']}/v1/enterprises/{code}", headers=REGISTRY_HEADERS)
            orders = await client.get(
                f"{urls['trade']}/open/v1/orders", params=trade_params({"company": code})
            )
            bodies += [registry.content, orders.content]
            path = f"/api/tax/v1/taxpayers/{code}/profile"
            tax = await client.get(f"{urls['tax']}{path}", headers=tax_headers(path))
            bodies.append(tax.content)
        return bodies


async def test_same_seed_gives_byte_identical_answers() -> None:
    async with run_sandboxes(providers=["registry", "trade", "tax"], size=300) as first:
        answers = await _answers(first)
    async with run_sandboxes(providers=["registry", "trade", "tax"], size=300) as second:
        assert await _answers(second) == answers
    async with run_sandboxes(providers=["registry", "trade", "tax"], size=300, seed=1) as other:
        assert await _answers(other) != answers


async def test_subset_on_free_ports_with_start_faults() -> None:
    async with run_sandboxes(providers=["logistics"], size=50, faults=FaultSettings(down=True)) as urls:
        assert list(urls) == ["logistics"]
        assert not urls["logistics"].endswith(f":{DEFAULT_PORTS['logistics']}")
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{urls['logistics']}/v1/waybills")
            assert response.status_code == 503


async def test_unknown_provider_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown provider"):
        async with run_sandboxes(providers=["weather"]):
            pass


def test_thread_starts_and_stops() -> None:
    runner = SandboxThread(providers=["registry"], size=50)
    urls = runner.start()
    assert httpx.get(f"{urls['registry']}/_sandbox/enterprises", params={"limit": 1}).status_code == 200
    runner.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{urls['registry']}/_sandbox/enterprises")


async def test_kept_alive_requests_are_not_held_back_by_nagle() -> None:
    """A second request on the same connection answers at once (no ~40 ms delayed-ACK stall)."""
    async with (
        run_sandboxes(providers=["registry"]) as urls,
        httpx.AsyncClient(base_url=urls["registry"]) as client,
    ):
        await client.get("/_sandbox/enterprises", params={"limit": 1})
        loop = asyncio.get_running_loop()
        stalls = 0
        for _ in range(5):
            started = loop.time()
            await client.get("/_sandbox/enterprises", params={"limit": 1})
            stalls += loop.time() - started > 0.035
    assert stalls < 3
