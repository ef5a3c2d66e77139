"""The paging loop over real HTTP against a small listing provider: pages fetched side by side once the
first page tells how many there are, kept in order, bounded, and a provider that ignores the page
parameter still detected as a loop.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.base import Endpoint
from connectors.catalog import load_connectors
from connectors.config import SourceConfig
from connectors.http import build_http_client
from connectors.paging import PaginatorName
from connectors.upstream import Upstream
from foundation.errors import UpstreamPayloadError
from tests.connectors.conftest import CODE

TOTAL = 23  # records of the listing: 5 pages of 5, the last one short


@dataclass
class Listing:
    """A provider of ``TOTAL`` numbered records, paged either style; early pages answer last."""

    ignores_page: bool = False
    asked: list[int] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    async def page_size_style(self, request: Request) -> JSONResponse:
        number, size = await self._serve(request, "pageSize")
        return JSONResponse(
            {"page": number, "pageSize": size, "total": TOTAL, "items": self._items(number, size)}
        )

    async def page_number_style(self, request: Request) -> JSONResponse:
        number, size = await self._serve(request, "page_size")
        pages = -(-TOTAL // size)
        return JSONResponse({"page": number, "total_pages": pages, "orders": self._items(number, size)})

    async def _serve(self, request: Request, size_parameter: str) -> tuple[int, int]:
        asked = int(request.query_params["page"])
        self.asked.append(asked)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.05 / asked)  # page 2 answers after page 5
        finally:
            self.in_flight -= 1
        return (1 if self.ignores_page else asked), int(request.query_params[size_parameter])

    @staticmethod
    def _items(number: int, size: int) -> list[int]:
        return list(range((number - 1) * size, min(number * size, TOTAL)))


@pytest.fixture
async def listing() -> AsyncIterator[tuple[Listing, str]]:
    provider = Listing()
    app = Starlette(
        routes=[
            Route("/items/{credit_code}", provider.page_size_style),
            Route("/orders/{credit_code}", provider.page_number_style),
        ]
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    yield provider, f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    await serving
    sock.close()


ENDPOINTS: dict[PaginatorName, Endpoint] = {
    "page_size": Endpoint("/items/{credit_code}", paginator="page_size", page_size=5, record_path="items"),
    "page_number": Endpoint(
        "/orders/{credit_code}", paginator="page_number", page_size=5, record_path="orders"
    ),
}


async def walk(base_url: str, paginator: PaginatorName, **config: Any) -> list[Any]:
    settings = SourceConfig(base_url=base_url, retries=0, **config)
    async with build_http_client(settings) as client:
        return await Upstream("test", settings, client).records(ENDPOINTS[paginator], credit_code=CODE)


@pytest.mark.parametrize("paginator", ["page_size", "page_number"])
async def test_known_page_count_fetches_side_by_side_in_order(
    listing: tuple[Listing, str], paginator: PaginatorName
) -> None:
    provider, base_url = listing
    assert await walk(base_url, paginator, pages_in_flight=2) == list(range(TOTAL))
    assert sorted(provider.asked) == [1, 2, 3, 4, 5] and provider.asked[0] == 1
    assert provider.most_in_flight == 2  # side by side, and no more than asked


@pytest.mark.parametrize("paginator", ["page_size", "page_number"])
async def test_a_provider_ignoring_the_page_is_a_loop(
    listing: tuple[Listing, str], paginator: PaginatorName
) -> None:
    provider, base_url = listing
    provider.ignores_page = True
    with pytest.raises(UpstreamPayloadError, match="Loop detected in pagination") as raised:
        await walk(base_url, paginator)
    assert raised.value.field == "pagination"


async def test_more_pages_than_the_bound_fails_before_fetching_them(listing: tuple[Listing, str]) -> None:
    provider, base_url = listing
    with pytest.raises(UpstreamPayloadError, match="more than 3 pages"):
        await walk(base_url, "page_number", max_pages=3)
    assert provider.asked == [1]


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:9101", "https://api.example.com/v2", "https://api.example.com/v2/"]
)
async def test_request_urls_are_the_ones_httpx_would_merge(base_url: str) -> None:
    """Every declared endpoint, with awkward values and pages, gets the URL of ``build_request(path,
    params=…)`` from the one-parse shortcut."""
    values = {"credit_code": CODE, "account_no": "EA/1 2?", "first_month": "2024-11", "last_month": "2026-10"}
    values |= {"since": "2024-11-01"}
    pages: list[dict[str, str]] = [
        {},
        {"page": "2", "pageSize": "50"},
        {"limit": "200", "cursor": "a+b/c==&d"},
    ]
    async with build_http_client(SourceConfig(base_url=base_url)) as client:
        upstream = Upstream("registry", SourceConfig(base_url=base_url), client)
        for connector in load_connectors().values():
            for endpoint in connector.endpoints.values():
                for page in pages:
                    path, params = endpoint.url_path(values), {**endpoint.query(values), **page}
                    expected = client.build_request("GET", path, params=params)
                    actual = client.build_request("GET", upstream.url(path, params))
                    assert str(actual.url) == str(expected.url)
                    assert actual.url.params == expected.url.params
