"""The shared plumbing between a connector's declarations and the network.

:class:`Upstream` executes declared endpoints (one document, or every page through the paginator with a
bound), :class:`SourceClient` runs a whole fetch through the source's concurrency bound and circuit breaker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx

from connectors.auth_styles import AuthStyle, build_auth, missing_credentials
from connectors.base import Connector, Endpoint
from connectors.breaker import BreakerSettings, CircuitBreakers, CircuitState
from connectors.config import SourceConfig, SourcesConfigError
from connectors.http import RetryPolicy, build_http_client, send
from connectors.paging import PAGINATORS
from connectors.records import SourceName, SourceRecord
from hub.errors import UnknownEnterprise, UpstreamPayloadError


class Upstream:
    """One source's HTTP side: client (with auth), retry policy and paging loop."""

    def __init__(self, source: str, config: SourceConfig, client: httpx.AsyncClient) -> None:
        self.source = source
        self.config = config
        self._client = client
        self._policy = RetryPolicy.from_config(config)

    async def _get(
        self, endpoint: Endpoint, values: Mapping[str, str], page: Mapping[str, str]
    ) -> httpx.Response:
        path, params = endpoint.url_path(values), {**endpoint.query(values), **page}
        response = await send(
            self._client,
            self.source,
            self._policy,
            lambda: self._client.build_request("GET", path, params=params),
        )
        if response.status_code == httpx.codes.NOT_FOUND:
            raise UnknownEnterprise(self.source, values["credit_code"])
        return response

    def _decode(self, endpoint: Endpoint, response: httpx.Response) -> Any:
        if endpoint.format == "xml":
            return response.text
        try:
            return response.json()
        except ValueError:
            raise UpstreamPayloadError(self.source, "body", "not a JSON document") from None

    async def document(self, endpoint: Endpoint, *, credit_code: str, **values: str) -> Any:
        """The decoded answer of a single-document endpoint (JSON value, or XML text)."""
        values = {"credit_code": credit_code, **values}
        return self._decode(endpoint, await self._get(endpoint, values, {}))

    async def records(self, endpoint: Endpoint, *, credit_code: str, **values: str) -> list[Any]:
        """Every record of a paged endpoint, all pages in order, at most ``max_pages`` pages."""
        values = {"credit_code": credit_code, **values}
        paginator = PAGINATORS[endpoint.paginator](self.source, endpoint.page_size)
        collected: list[Any] = []
        page_params: dict[str, str] | None = paginator.first_page()
        for _ in range(self.config.max_pages):
            if page_params is None:
                return collected
            page = self._decode(endpoint, await self._get(endpoint, values, page_params))
            if not isinstance(page, dict):
                raise UpstreamPayloadError(self.source, "body", "expected a JSON object per page")
            items = page.get(endpoint.record_path or "")
            if not isinstance(items, list):
                raise UpstreamPayloadError(
                    self.source, str(endpoint.record_path), "expected a list of records"
                )
            collected.extend(items)
            page_params = paginator.advance(page, items)
        if page_params is not None:
            raise UpstreamPayloadError(self.source, "pagination", f"more than {self.config.max_pages} pages")
        return collected


class SourceClient:
    """A connector bound to its upstream: ``fetch`` runs under the concurrency bound and the breaker."""

    def __init__(self, connector: Connector, config: SourceConfig, breakers: CircuitBreakers) -> None:
        self.connector = connector
        self.config = config
        self._breakers = breakers
        self._auth: AuthStyle = build_auth(
            connector.name, connector.auth_style, config, connector.auth_options
        )
        self._client = build_http_client(config, self._auth)
        self._upstream = Upstream(connector.name, config, self._client)
        self._slots = asyncio.Semaphore(config.max_concurrency)

    async def fetch(self, credit_code: str) -> SourceRecord:
        async with self._slots, self._breakers.guard(self.connector.name):
            return await self.connector.fetch(self._upstream, credit_code)

    @property
    def circuit_state(self) -> CircuitState:
        return self._breakers.state(self.connector.name)

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._auth.aclose()


def check_sources(
    connectors: Mapping[SourceName, Connector], configs: Mapping[SourceName, SourceConfig]
) -> None:
    """Every connector has a config with the credentials its auth style needs; all problems at once."""
    problems: list[str] = []
    for name, connector in connectors.items():
        config = configs.get(name)
        if config is None:
            problems.append(f"sources.{name}: not configured")
            continue
        problems.extend(
            f"sources.{name}.credentials.{credential}: missing (auth style {connector.auth_style})"
            for credential in missing_credentials(connector.auth_style, config)
        )
    if problems:
        raise SourcesConfigError("sources", problems)


def build_source_clients(
    connectors: Mapping[SourceName, Connector], configs: Mapping[SourceName, SourceConfig]
) -> tuple[dict[SourceName, SourceClient], CircuitBreakers]:
    check_sources(connectors, configs)
    breakers = CircuitBreakers(
        {
            name: BreakerSettings(configs[name].breaker_threshold, configs[name].breaker_cooldown_s)
            for name in connectors
        }
    )
    clients = {
        name: SourceClient(connector, configs[name], breakers) for name, connector in connectors.items()
    }
    return clients, breakers
