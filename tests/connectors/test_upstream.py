"""The paging loop over real HTTP against a small listing provider: pages fetched side by side once the
first page tells how many there are, kept in order, bounded, streamed without running ahead of a slow
reader, and a provider that ignores the page parameter or the offset still detected as a loop.
"""

from __future__ import annotations

import asyncio
import socket
import time
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
from connectors.paging import OffsetPaginator, PageNumberPaginator
from connectors.upstream import Upstream
from foundation.errors import SourceUnavailable, UpstreamPayloadError, UpstreamRejected
from tests.connectors.conftest import CODE

TOTAL = 23  # records of the listing: 5 pages of 5, the last one short
CAP = 5  # the offset style answers at most this many records, whatever limit was asked


@dataclass
class Listing:
    """A provider of ``TOTAL`` numbered records, paged any style; early pages answer last."""

    ignores_page: bool = False
    failing_offset: int | None = None
    slow_offset: int | None = None
    asked: list[int] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    async def page_size_style(self, request: Request) -> JSONResponse:
        number, size = await self._serve(request, "page", "pageSize")
        start = (number - 1) * size
        return JSONResponse(
            {"page": number, "pageSize": size, "total": TOTAL, "items": self._items(start, size)}
        )

    async def page_number_style(self, request: Request) -> JSONResponse:
        number, size = await self._serve(request, "page", "page_size")
        pages = -(-TOTAL // size)
        return JSONResponse(
            {"page": number, "total_pages": pages, "orders": self._items((number - 1) * size, size)}
        )

    async def offset_style(self, request: Request) -> JSONResponse:
        offset, limit = await self._serve(request, "offset", "limit", first=0)
        if offset == self.failing_offset:
            return JSONResponse({"error": "no"}, status_code=400)
        meta = {"total": TOTAL, "offset": offset}
        return JSONResponse({"meta": meta, "records": self._items(offset, min(limit, CAP))})

    async def bare_offset_style(self, request: Request) -> JSONResponse:
        """Like the sandbox's enterprise listing: a total, but no echo of the offset."""
        offset, limit = await self._serve(request, "offset", "limit", first=0)
        return JSONResponse({"total": TOTAL, "codes": self._items(offset, limit)})

    async def _serve(self, request: Request, position: str, size: str, first: int = 1) -> tuple[int, int]:
        asked = int(request.query_params[position])
        self.asked.append(asked)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            slow = asked == self.slow_offset and position == "offset"
            await asyncio.sleep(1.0 if slow else 0.05 / (asked + 1 - first))  # page 2 answers after page 5
        finally:
            self.in_flight -= 1
        return (first if self.ignores_page else asked), int(request.query_params[size])

    @staticmethod
    def _items(start: int, size: int) -> list[int]:
        return list(range(start, min(start + size, TOTAL)))


@pytest.fixture
async def listing() -> AsyncIterator[tuple[Listing, str]]:
    provider = Listing()
    app = Starlette(
        routes=[
            Route("/items/{credit_code}", provider.page_size_style),
            Route("/orders/{credit_code}", provider.page_number_style),
            Route("/records", provider.offset_style),
            Route("/codes", provider.bare_offset_style),
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


ENDPOINTS: dict[str, Endpoint] = {
    "page_size": Endpoint(
        "/items/{credit_code}",
        paginator=PageNumberPaginator(
            page_param="page", size_param="pageSize", total_path="total", page_path="page"
        ),
        page_size=5,
        record_path="items",
    ),
    "page_number": Endpoint(
        "/orders/{credit_code}",
        paginator=PageNumberPaginator(
            page_param="page", size_param="page_size", total_pages_path="total_pages", page_path="page"
        ),
        page_size=5,
        record_path="orders",
    ),
    "offset": Endpoint(
        "/records",
        paginator=OffsetPaginator(
            offset_param="offset", limit_param="limit", total_path="meta.total", offset_path="meta.offset"
        ),
        page_size=50,  # more than the provider's cap: the step is what the first page held
        record_path="records",
    ),
    "bare_offset": Endpoint(
        "/codes",
        paginator=OffsetPaginator(offset_param="offset", limit_param="limit", total_path="total"),
        page_size=5,
        record_path="codes",
    ),
}
PLANNED = ["page_size", "page_number", "offset"]
FIRST_PAGES = {"page_size": [1, 2, 3, 4, 5], "page_number": [1, 2, 3, 4, 5], "offset": [0, 5, 10, 15, 20]}


async def walk(base_url: str, style: str, **config: Any) -> list[Any]:
    settings = SourceConfig(base_url=base_url, retries=0, **config)
    async with build_http_client(settings) as client:
        upstream = Upstream("test", settings, client)
        if "{credit_code}" in ENDPOINTS[style].path:
            return await upstream.records(ENDPOINTS[style], credit_code=CODE)
        return [record async for page in upstream.pages(ENDPOINTS[style]) for record in page]


@pytest.mark.parametrize("style", PLANNED)
async def test_known_page_count_fetches_side_by_side_in_order(
    listing: tuple[Listing, str], style: str
) -> None:
    provider, base_url = listing
    assert await walk(base_url, style, pages_in_flight=2) == list(range(TOTAL))
    assert sorted(provider.asked) == FIRST_PAGES[style] and provider.asked[0] == FIRST_PAGES[style][0]
    assert provider.most_in_flight == 2  # side by side, and no more than asked


@pytest.mark.parametrize("style", PLANNED)
async def test_a_provider_ignoring_the_page_is_a_loop(listing: tuple[Listing, str], style: str) -> None:
    provider, base_url = listing
    provider.ignores_page = True
    with pytest.raises(UpstreamPayloadError, match="Loop detected in pagination") as raised:
        await walk(base_url, style)
    assert raised.value.field == "pagination"


async def test_offsets_without_an_echo_are_walked_one_after_the_other(listing: tuple[Listing, str]) -> None:
    provider, base_url = listing
    assert await walk(base_url, "bare_offset", pages_in_flight=4) == list(range(TOTAL))
    assert provider.asked == [0, 5, 10, 15, 20] and provider.most_in_flight == 1


async def test_a_failing_planned_page_fails_the_listing_at_once(listing: tuple[Listing, str]) -> None:
    provider, base_url = listing
    provider.slow_offset, provider.failing_offset = 5, 20  # the page awaited first hangs; the last fails
    started = time.perf_counter()
    with pytest.raises(UpstreamRejected):
        await walk(base_url, "offset", pages_in_flight=4)
    assert time.perf_counter() - started < 0.5  # not waiting for the page in front of it
    assert sorted(provider.asked) == [0, 5, 10, 15, 20]


async def test_a_slow_reader_holds_back_the_planned_pages(listing: tuple[Listing, str]) -> None:
    provider, base_url = listing
    settings = SourceConfig(base_url=base_url, retries=0, pages_in_flight=2)
    async with build_http_client(settings) as client:
        pages = Upstream("test", settings, client).pages(ENDPOINTS["offset"])
        assert await anext(pages) == list(range(5))
        await asyncio.sleep(0.1)  # every request of the window has answered by now
        assert sorted(provider.asked) == [0, 5, 10]
        assert [record async for page in pages for record in page] == list(range(5, TOTAL))


async def test_count_reads_the_total_off_a_first_page_of_one(listing: tuple[Listing, str]) -> None:
    provider, base_url = listing
    settings = SourceConfig(base_url=base_url, retries=0)
    async with build_http_client(settings) as client:
        assert await Upstream("test", settings, client).count(ENDPOINTS["bare_offset"]) == TOTAL
    assert provider.asked == [0]


async def test_a_missing_listing_is_a_rejection(listing: tuple[Listing, str]) -> None:
    _, base_url = listing
    settings = SourceConfig(base_url=base_url, retries=0)
    async with build_http_client(settings) as client:
        pages = Upstream("test", settings, client).pages(Endpoint("/nowhere", record_path="codes"))
        with pytest.raises(UpstreamRejected) as raised:
            await anext(pages)
    assert raised.value.status == 404
    assert isinstance(raised.value, SourceUnavailable)


async def test_more_pages_than_the_bound_fails_before_fetching_them(listing: tuple[Listing, str]) -> None:
    provider, base_url = listing
    with pytest.raises(UpstreamPayloadError, match="more than 3 pages"):
        await walk(base_url, "page_number", max_pages=3)
    assert provider.asked == [1]


async def test_more_pages_than_the_bound_walking_one_after_the_other(listing: tuple[Listing, str]) -> None:
    provider, base_url = listing
    with pytest.raises(UpstreamPayloadError, match="more than 3 pages"):
        await walk(base_url, "bare_offset", max_pages=3)
    assert provider.asked == [0, 5, 10]


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
