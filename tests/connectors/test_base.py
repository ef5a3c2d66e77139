"""The shared battery every connector passes against its sandbox over real HTTP: mapping of real
payloads, paging to the end, credentials refused, unknown enterprise, retries, outage and timeout.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest

from connectors.base import Connector
from connectors.catalog import load_catalog, load_connectors
from connectors.paging import SinglePage
from connectors.source import SourceName
from connectors.upstream import build_source_clients
from foundation.errors import SourceUnavailable, UnknownEnterprise, UpstreamRejected
from sandbox.control import SandboxControl
from tests.connectors.conftest import (
    CODE,
    HASHER,
    OUTSIDE_UNIVERSE,
    ClientFactory,
    counted,
    fast_configs,
)
from tests.fixtures.sources import SOURCE_NAMES

WRONG_CREDENTIALS = {
    source: {name: f"wrong-{value}" for name, value in credentials.items()}
    for source, credentials in ((source.name, source.sandbox.credentials) for source in load_catalog())
}


def summary(record: Any) -> dict[str, Any]:
    """What a user would check first: whose record it is and how much history it holds."""
    dumped = record.model_dump()
    return {key: len(value) if isinstance(value, tuple) else value for key, value in dumped.items()}


def with_page_size(connector: Connector, page_size: int) -> Connector:
    endpoints = {
        name: endpoint
        if isinstance(endpoint.paginator, SinglePage)
        else replace(endpoint, page_size=page_size)
        for name, endpoint in connector.endpoints.items()
    }
    small: Connector = type(
        f"Small{type(connector).__name__}", (type(connector),), {"endpoints": endpoints}
    )()
    return small


@pytest.mark.parametrize("source", SOURCE_NAMES)
class TestConnectorBattery:
    async def test_maps_the_sandbox_payload(
        self, source: SourceName, source_client: ClientFactory, provider: SandboxControl
    ) -> None:
        record = await source_client(source).fetch(CODE)
        assert type(record) is load_connectors()[source].record_type
        facts = summary(record)
        assert facts["credit_code"] == CODE
        expected_by_source: dict[str, dict[str, Any]] = {
            "registry": {"name": "嘉兴瑞明塑料制品有限公司", "status": "active"},
            "electricity": {"accounts": 1, "months": 24},
            "logistics": {"waybills": 57},
            "tax": {"years": 3, "months": 24},
            "trade": {"orders": 56, "receivables": 45},
        }
        expected_history = expected_by_source[source]
        assert {key: facts[key] for key in expected_history} == expected_history

    async def test_pages_to_the_end(
        self, source: SourceName, source_client: ClientFactory, provider: SandboxControl
    ) -> None:
        connector = load_connectors()[source]
        if all(isinstance(endpoint.paginator, SinglePage) for endpoint in connector.endpoints.values()):
            pytest.skip(f"{source} answers one document")
        whole = await source_client(source).fetch(CODE)
        provider.reset_stats()
        configs = fast_configs(provider)
        clients, _ = build_source_clients(
            {source: with_page_size(connector, 7)}, {source: configs[source]}, personal_data=HASHER
        )
        try:
            paged = await clients[source].fetch(CODE)
        finally:
            await clients[source].aclose()
        assert paged == whole
        assert provider.stats(source)["total"] > 3  # it really walked several pages

    async def test_wrong_credentials_are_refused_without_retry(
        self, source: SourceName, source_client: ClientFactory, provider: SandboxControl
    ) -> None:
        client = source_client(source, credentials=WRONG_CREDENTIALS[source])
        with pytest.raises(UpstreamRejected) as raised:
            await client.fetch(CODE)
        assert raised.value.status in (401, 403)
        assert raised.value.code == "SOURCE_UNAVAILABLE"
        assert "wrong-" not in str(raised.value)
        # Each listing asked once (trade asks its two listings side by side), none retried.
        assert set(provider.stats(source)["requests"].values()) == {1}

    async def test_unknown_enterprise(
        self, source: SourceName, source_client: ClientFactory, provider: SandboxControl
    ) -> None:
        with pytest.raises(UnknownEnterprise) as raised:
            await source_client(source).fetch(OUTSIDE_UNIVERSE)
        assert raised.value.extensions == {"source": source, "creditCode": OUTSIDE_UNIVERSE}

    async def test_retries_server_errors_then_succeeds(
        self, source: SourceName, source_client: ClientFactory, provider: SandboxControl
    ) -> None:
        provider.set_faults(source, error_rate=0.4, error_status=503)
        errors_before = counted(source, "server_error")
        record = await source_client(source, retries=8).fetch(CODE)
        assert record.credit_code == CODE
        assert counted(source, "server_error") > errors_before

    async def test_outage_is_source_unavailable_after_bounded_attempts(
        self, source: SourceName, source_client: ClientFactory, provider: SandboxControl
    ) -> None:
        provider.set_faults(source, down=True)
        with pytest.raises(SourceUnavailable) as raised:
            await source_client(source, retries=2).fetch(CODE)
        assert "HTTP 503" in raised.value.reason or "token endpoint answered HTTP 503" in raised.value.reason
        # The failing listing was tried exactly 1 + retries times and no listing more often (trade's second
        # listing, fetched side by side, is cancelled once the first has failed).
        attempts = provider.stats(source)["requests"].values()
        assert max(attempts) == 3 and all(count <= 3 for count in attempts)

    async def test_hanging_upstream_times_out(
        self, source: SourceName, source_client: ClientFactory, provider: SandboxControl
    ) -> None:
        provider.set_faults(source, hang_s=1.5)
        started = time.perf_counter()
        with pytest.raises(SourceUnavailable) as raised:
            await source_client(source, retries=1, timeout_s=0.2).fetch(CODE)
        assert "timed out" in raised.value.reason
        assert time.perf_counter() - started < 1.2
