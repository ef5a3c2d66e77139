"""The connector test battery, for every source, in-tree or out (singer-sdk's ``get_tap_test_class`` idea).

A package that declares a source gets the same tests as the hub's own sources by one import and a few
class attributes, in its own test suite (pytest and pytest-asyncio, ``asyncio_mode = "auto"``)::

    from connectors.testing import SourceBattery
    from my_package.my_connector import source

    class TestMySource(SourceBattery):
        source = source
        credit_code = "9133040285WK93385D"   # a firm its provider knows
        facts = {"accounts": 1}              # what its record must hold (lengths of lists)

The battery runs against the source's sandbox provider over real HTTP: the test suite provides a
``sandbox`` fixture, a :class:`sandbox.control.SandboxControl` whose ``urls`` include the source's
provider, which must speak the ``/_sandbox`` controls of sandbox/PROTOCOL.md (faults and request counts).
It checks: the mapping of the provider's payload; paging to the end with a small page size; wrong
credentials refused without retry; an unknown enterprise; server errors retried; an outage reported as
``SOURCE_UNAVAILABLE`` after a bounded number of attempts; a hanging provider timing out.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any, ClassVar

import pytest
from prometheus_client import REGISTRY

from connectors.base import Connector
from connectors.config import SANDBOX_AS_OF, SourceConfig
from connectors.paging import SinglePage
from connectors.personal_data import PersonalDataHasher
from connectors.source import Source
from connectors.upstream import SourceClient, build_source_clients
from foundation.errors import SourceUnavailable, UnknownEnterprise, UpstreamRejected
from sandbox.control import SandboxControl

OUTSIDE_UNIVERSE = "91330100AY4CL12T2Y"
"""A valid credit code (check digit right) no sandbox universe holds."""
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
"""Source settings of the battery: small timeouts and backoff, so faults answer quickly."""
TEST_HASHER = PersonalDataHasher(bytes(range(32)))
"""The personal-data key of connector tests (the hub's comes from HUB_PERSONAL_DATA_KEY_FILE)."""

ClientFactory = Callable[..., SourceClient[Any]]


def upstream_requests(source: str, outcome: str) -> float:
    """``hub_upstream_requests_total{source, outcome}`` as Prometheus would scrape it."""
    sample = REGISTRY.get_sample_value("hub_upstream_requests_total", {"source": source, "outcome": outcome})
    return sample or 0.0


def record_facts(record: Any) -> dict[str, Any]:
    """What a user checks first of a record: whose it is and how much history it holds."""
    dumped = record.model_dump()
    return {key: len(value) if isinstance(value, tuple) else value for key, value in dumped.items()}


def with_page_size(connector: Connector[Any], page_size: int) -> Connector[Any]:
    """The connector asking ``page_size`` records per page of every paged endpoint."""
    endpoints = {
        name: endpoint
        if isinstance(endpoint.paginator, SinglePage)
        else replace(endpoint, page_size=page_size)
        for name, endpoint in connector.endpoints.items()
    }
    small: Connector[Any] = type(
        f"Small{type(connector).__name__}", (type(connector),), {"endpoints": endpoints}
    )()
    return small


class SourceBattery:
    """Subclass it as ``Test<Source>`` and set the class attributes (see the module docstring)."""

    source: ClassVar[Source[Any]]
    credit_code: ClassVar[str]
    facts: ClassVar[Mapping[str, Any]] = {}
    unknown_credit_code: ClassVar[str] = OUTSIDE_UNIVERSE
    wrong_credentials: ClassVar[Mapping[str, str] | None] = None
    """Credentials the provider refuses (default: each sandbox credential prefixed ``wrong-``; a key-based
    style needs a well-formed key the provider does not know)."""
    personal_data: ClassVar[PersonalDataHasher] = TEST_HASHER

    def config(self, sandbox: SandboxControl, **overrides: Any) -> SourceConfig:
        """The source's config for its sandbox provider: its default credentials, the battery's timings."""
        values: dict[str, Any] = {
            "base_url": sandbox.urls[self.source.name],
            "credentials": dict(self.source.sandbox.credentials),
            "as_of": SANDBOX_AS_OF,
            **FAST,
            **overrides,
        }
        return SourceConfig.model_validate(values)

    def client(self, connector: Connector[Any], config: SourceConfig) -> SourceClient[Any]:
        clients, _ = build_source_clients(
            {self.source.name: connector}, {self.source.name: config}, personal_data=self.personal_data
        )
        return clients[self.source.name]

    @pytest.fixture
    def provider(self, sandbox: SandboxControl) -> Iterator[SandboxControl]:
        """The sandbox with the source's provider reset (faults and counters) around the test."""
        sandbox.reset_faults(self.source.name)
        sandbox.reset_stats(self.source.name)
        yield sandbox
        sandbox.reset_faults(self.source.name)
        sandbox.reset_stats(self.source.name)

    @pytest.fixture
    async def source_client(self, provider: SandboxControl) -> AsyncIterator[ClientFactory]:
        """``source_client(**config_overrides)``: a client of the source's provider, closed after the test."""
        made: list[SourceClient[Any]] = []

        def make(**overrides: Any) -> SourceClient[Any]:
            made.append(self.client(self.source.connector, self.config(provider, **overrides)))
            return made[-1]

        yield make
        for client in made:
            await client.aclose()

    async def test_maps_the_provider_payload(self, source_client: ClientFactory) -> None:
        record = await source_client().fetch(self.credit_code)
        assert type(record) is self.source.record_type
        facts = record_facts(record)
        assert facts["credit_code"] == self.credit_code
        assert {key: facts[key] for key in self.facts} == dict(self.facts)

    async def test_pages_to_the_end(self, source_client: ClientFactory, provider: SandboxControl) -> None:
        connector = self.source.connector
        if all(isinstance(endpoint.paginator, SinglePage) for endpoint in connector.endpoints.values()):
            pytest.skip(f"{self.source.name} answers one document")
        whole = await source_client().fetch(self.credit_code)
        provider.reset_stats(self.source.name)
        small = self.client(with_page_size(connector, 7), self.config(provider))
        try:
            paged = await small.fetch(self.credit_code)
        finally:
            await small.aclose()
        assert paged == whole
        assert provider.stats(self.source.name)["total"] > 3  # it really walked several pages

    async def test_wrong_credentials_are_refused_without_retry(
        self, source_client: ClientFactory, provider: SandboxControl
    ) -> None:
        wrong = self.wrong_credentials or {
            name: f"wrong-{value}" for name, value in self.source.sandbox.credentials.items()
        }
        with pytest.raises(UpstreamRejected) as raised:
            await source_client(credentials=dict(wrong)).fetch(self.credit_code)
        assert raised.value.status in (401, 403)
        assert raised.value.code == "SOURCE_UNAVAILABLE"
        assert not any(value in str(raised.value) for value in wrong.values())
        # Each listing asked once (listings fetched side by side too), none retried.
        assert set(provider.stats(self.source.name)["requests"].values()) == {1}

    async def test_unknown_enterprise(self, source_client: ClientFactory) -> None:
        with pytest.raises(UnknownEnterprise) as raised:
            await source_client().fetch(self.unknown_credit_code)
        assert raised.value.extensions == {"source": self.source.name, "creditCode": self.unknown_credit_code}

    async def test_retries_server_errors_then_succeeds(
        self, source_client: ClientFactory, provider: SandboxControl
    ) -> None:
        provider.set_faults(self.source.name, error_rate=0.4, error_status=503)
        errors_before = upstream_requests(self.source.name, "server_error")
        record = await source_client(retries=8).fetch(self.credit_code)
        assert record.credit_code == self.credit_code
        assert upstream_requests(self.source.name, "server_error") > errors_before

    async def test_outage_is_source_unavailable_after_bounded_attempts(
        self, source_client: ClientFactory, provider: SandboxControl
    ) -> None:
        provider.set_faults(self.source.name, down=True)
        with pytest.raises(SourceUnavailable) as raised:
            await source_client(retries=2).fetch(self.credit_code)
        assert "HTTP 503" in raised.value.reason or "token endpoint answered HTTP 503" in raised.value.reason
        # The failing listing was tried exactly 1 + retries times and no listing more often (a listing
        # fetched side by side is cancelled once another has failed). A token endpoint serves every listing
        # of the fetch: each may have asked it, up to 1 + retries times.
        attempts = dict(provider.stats(self.source.name)["requests"])
        token = attempts.pop(self.source.connector.auth_options.get("token_path", ""), None)
        if token is not None:
            assert 3 <= token <= 3 * len(self.source.connector.endpoints), token
        assert all(count <= 3 for count in attempts.values()), attempts
        assert token is not None or max(attempts.values()) == 3, attempts

    async def test_hanging_provider_times_out(
        self, source_client: ClientFactory, provider: SandboxControl
    ) -> None:
        provider.set_faults(self.source.name, hang_s=1.5)
        started = time.perf_counter()
        with pytest.raises(SourceUnavailable) as raised:
            await source_client(retries=1, timeout_s=0.2).fetch(self.credit_code)
        assert "timed out" in raised.value.reason
        assert time.perf_counter() - started < 1.2
