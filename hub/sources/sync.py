"""Bulk refresh of snapshots (``hub sync``): enterprises streamed through a bounded pool of workers.

Each enterprise is refreshed in every chosen source (the per-source bounds of the reader still apply);
each refresh is its own short transaction, idempotent by content hash. So an interrupted sync loses only
what was in flight and a re-run writes no duplicate for unchanged data. Codes are streamed, never
collected, and a worker holds one enterprise's records at a time: memory does not grow with the universe.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from connectors.config import SourceConfig
from connectors.http import RetryPolicy, build_http_client, send
from connectors.records import SourceName
from hub.errors import UpstreamPayloadError
from hub.sources.reader import RefreshOutcome, SourceReader

LISTING_PATH = "/_sandbox/enterprises"
LISTING_PAGE = 1000

OnRefreshed = Callable[[str, SourceName, RefreshOutcome], None]


@dataclass
class SyncSummary:
    """How many enterprises each source refreshed with each outcome."""

    outcomes: dict[SourceName, Counter[RefreshOutcome]] = field(default_factory=dict)

    def count(self, source: SourceName, outcome: RefreshOutcome) -> int:
        return self.outcomes.get(source, Counter())[outcome]

    @property
    def failed(self) -> int:
        return sum(counts["failed"] for counts in self.outcomes.values())


async def sync_enterprises(
    reader: SourceReader,
    credit_codes: AsyncIterable[str],
    *,
    sources: Sequence[SourceName],
    concurrency: int,
    on_refreshed: OnRefreshed | None = None,
) -> SyncSummary:
    """Refresh ``sources`` for every code, ``concurrency`` enterprises at a time."""
    summary = SyncSummary({source: Counter() for source in sources})
    codes = aiter(credit_codes)
    next_code_lock = asyncio.Lock()

    async def next_code() -> str | None:
        async with next_code_lock:
            return await anext(codes, None)

    async def worker() -> None:
        while (code := await next_code()) is not None:
            outcomes = await asyncio.gather(*(reader.refresh(source, code) for source in sources))
            for source, outcome in zip(sources, outcomes, strict=True):
                summary.outcomes[source][outcome] += 1
                if on_refreshed is not None:
                    on_refreshed(code, source, outcome)

    async with asyncio.TaskGroup() as workers:
        for _ in range(concurrency):
            workers.create_task(worker())
    return summary


async def given_codes(codes: Iterable[str]) -> AsyncIterator[str]:
    for code in codes:
        yield code


async def codes_from_file(path: Path) -> AsyncIterator[str]:
    """One code per line; blank lines and ``#`` comments skipped. Read line by line in a thread."""
    with path.open(encoding="utf-8") as lines:
        while line := await asyncio.to_thread(lines.readline):
            code = line.split("#", 1)[0].strip()
            if code:
                yield code


def count_codes_in_file(path: Path) -> int:
    with path.open(encoding="utf-8") as lines:
        return sum(1 for line in lines if line.split("#", 1)[0].strip())


class EnterpriseListing:
    """The sandbox's ``/_sandbox/enterprises`` listing (served by every provider), paged by offset.

    For demos and tests: a real provider has no such listing, so real syncs take ``--from-file``.
    """

    def __init__(self, config: SourceConfig, page_size: int = LISTING_PAGE) -> None:
        self._config = config
        self._page_size = page_size

    async def _page(self, offset: int, limit: int) -> tuple[int, list[str]]:
        async with build_http_client(self._config) as client:
            response = await send(
                client,
                "listing",
                RetryPolicy.from_config(self._config),
                lambda: client.build_request("GET", LISTING_PATH, params={"limit": limit, "offset": offset}),
            )
        try:
            document = response.json() if response.status_code == 200 else None
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise UpstreamPayloadError(
                "listing", "body", f"no listing at {LISTING_PATH} (HTTP {response.status_code})"
            )
        total, codes = document.get("total"), document.get("creditCodes")
        if not isinstance(total, int) or not isinstance(codes, list):
            raise UpstreamPayloadError("listing", "creditCodes", "expected a total and a list of codes")
        return total, [str(code) for code in codes]

    async def total(self) -> int:
        return (await self._page(0, 1))[0]

    async def codes(self) -> AsyncIterator[str]:
        offset = 0
        while True:
            total, codes = await self._page(offset, self._page_size)
            for code in codes:
                yield code
            offset += len(codes)
            if not codes or offset >= total:
                return
