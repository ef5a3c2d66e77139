"""The sandbox's enterprise listing (``GET /_sandbox/enterprises``, served by every provider, no auth): the
credit codes ``hub sync --all`` refreshes. One declared endpoint paged by offset on the shared plumbing,
and a pure check of each page's codes.

For demos and tests: a real provider has no such listing, so real syncs take ``--from-file``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import replace
from typing import Any

from connectors.base import Endpoint
from connectors.config import SourceConfig
from connectors.http import build_http_client
from connectors.paging import OffsetPaginator
from connectors.upstream import Upstream
from foundation.errors import UpstreamPayloadError

SOURCE = "listing"
ENTERPRISES = Endpoint(
    "/_sandbox/enterprises",
    paginator=OffsetPaginator(offset_param="offset", limit_param="limit", total_path="total"),
    page_size=1000,
    record_path="creditCodes",
)


def map_codes(items: Sequence[Any]) -> list[str]:
    """One page's ``creditCodes`` → the codes (checked as credit codes where they are used)."""
    for index, code in enumerate(items):
        if not isinstance(code, str):
            raise UpstreamPayloadError(SOURCE, f"creditCodes[{index}]", f"expected a string, got {code!r}")
    return list(items)


class EnterpriseListing:
    """The listing of the provider at ``config``'s base URL, ``page_size`` codes a page."""

    def __init__(self, config: SourceConfig, page_size: int = ENTERPRISES.page_size) -> None:
        self._config = config
        self._endpoint = replace(ENTERPRISES, page_size=page_size)

    async def total(self) -> int:
        async with build_http_client(self._config) as client:
            return await Upstream(SOURCE, self._config, client).count(self._endpoint)

    async def codes(self) -> AsyncIterator[str]:
        """Every code, page after page as the reader takes them: the universe is never held whole."""
        async with (
            build_http_client(self._config) as client,
            aclosing(Upstream(SOURCE, self._config, client).pages(self._endpoint)) as pages,
        ):
            async for items in pages:
                for code in map_codes(items):
                    yield code
