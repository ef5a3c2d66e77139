"""Bulk refresh of snapshots (``hub sync``): enterprises streamed through a bounded pool of workers.

Each enterprise is refreshed in every chosen source that some tenant consents to (the per-source bounds
of the reader still apply; a source without a live consent is counted ``no_consent``, never fetched);
each refresh is its own short transaction, idempotent by content hash. So an interrupted sync loses only
what was in flight and a re-run writes no duplicate for unchanged data. Codes are streamed, never
collected, and a worker holds one enterprise's records at a time: memory does not grow with the universe.

One process is bound by its CPU (one core), so a bulk refresh runs as several ``hub sync`` processes, each
over one :class:`Shard` of the codes; each reports its progress as :class:`ProgressLine` JSON lines.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from connectors.source import SourceName
from hub.sources.reader import RefreshOutcome

SyncOutcome = RefreshOutcome | Literal["no_consent"]
"""A refresh's outcome, or ``no_consent``: no tenant holds a live consent for the (firm, source)."""
OnRefreshed = Callable[[str, SourceName, SyncOutcome], None]
RefreshFirms = Callable[
    [Mapping[str, Sequence[SourceName]]], Awaitable[Mapping[str, Mapping[SourceName, SyncOutcome]]]
]
"""Refresh firms' sources: each firm's outcome per source (what ``hub sync`` runs per batch)."""
FIRMS_PER_BATCH = 8


@dataclass
class SyncSummary:
    """How many enterprises each source refreshed with each outcome."""

    outcomes: dict[SourceName, Counter[SyncOutcome]] = field(default_factory=dict)

    def count(self, source: SourceName, outcome: SyncOutcome) -> int:
        return self.outcomes.get(source, Counter())[outcome]

    @property
    def failed(self) -> int:
        return sum(counts["failed"] for counts in self.outcomes.values())

    def add(self, other: SyncSummary) -> None:
        """Count ``other``'s outcomes too (the summaries of several shards make one)."""
        for source, counts in other.outcomes.items():
            self.outcomes.setdefault(source, Counter()).update(counts)


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based): the codes whose SHA-256 falls in it.

    A stable hash (not Python's per-process salted ``hash()``), so separate processes agree: the shards
    1/N … N/N are disjoint and together hold every code.
    """

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise ValueError(f"shard {self.index}/{self.count}: K/N needs 1 <= K <= N")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"K/N"``, e.g. ``"2/4"``; ``ValueError`` with a readable message otherwise."""
        index, slash, count = text.partition("/")
        if not (slash and index.strip().isdigit() and count.strip().isdigit()):
            raise ValueError(f"shard {text!r}: expected K/N, e.g. 1/4")
        return cls(int(index), int(count))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, credit_code: str) -> bool:
        digest = hashlib.sha256(credit_code.strip().upper().encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count + 1 == self.index


FirmSources = tuple[str, Sequence[SourceName]]
"""A firm and the sources to refresh for it (its consented ones: ``hub sync --all``)."""


def code_of(item: str | FirmSources) -> str:
    return item if isinstance(item, str) else item[0]


async def codes_in_shard(
    credit_codes: AsyncIterable[str | FirmSources], shard: Shard
) -> AsyncIterator[str | FirmSources]:
    async for item in credit_codes:
        if shard.holds(code_of(item)):
            yield item


class ProgressLine(BaseModel):
    """One JSON line of a sync worker's machine-readable progress: a finished (firm, source), with its
    ``source`` and ``outcome``, or the worker's final ``summary``. Carries no credit code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: SourceName | None = None
    outcome: SyncOutcome | None = None
    summary: dict[SourceName, dict[SyncOutcome, int]] | None = None

    @classmethod
    def refreshed(cls, source: SourceName, outcome: SyncOutcome) -> ProgressLine:
        return cls(source=source, outcome=outcome)

    @classmethod
    def final(cls, summary: SyncSummary) -> ProgressLine:
        return cls(summary={source: dict(counts) for source, counts in summary.outcomes.items()})

    def sync_summary(self) -> SyncSummary | None:
        if self.summary is None:
            return None
        return SyncSummary({source: Counter(counts) for source, counts in self.summary.items()})


async def sync_enterprises(
    refresh_firms: RefreshFirms,
    credit_codes: AsyncIterable[str | FirmSources],
    *,
    sources: Sequence[SourceName],
    concurrency: int,
    on_refreshed: OnRefreshed | None = None,
) -> SyncSummary:
    """Refresh ``sources`` for every code (of a :data:`FirmSources`, those of its sources that are among
    ``sources``), ``concurrency`` enterprises at a time, in batches of up to :data:`FIRMS_PER_BATCH` (a
    batch shares its consent, state and event queries)."""
    summary = SyncSummary({source: Counter() for source in sources})
    codes = aiter(credit_codes)
    next_code_lock = asyncio.Lock()
    batch_size = max(1, min(FIRMS_PER_BATCH, concurrency))

    async def next_batch() -> dict[str, Sequence[SourceName]]:
        batch: dict[str, Sequence[SourceName]] = {}
        async with next_code_lock:
            while len(batch) < batch_size and (item := await anext(codes, None)) is not None:
                chosen = sources if isinstance(item, str) else [s for s in sources if s in item[1]]
                batch[code_of(item)] = chosen
        return batch

    async def worker() -> None:
        while batch := await next_batch():
            outcomes = await refresh_firms(batch)
            for code, chosen in batch.items():
                for source in chosen:
                    outcome = outcomes[code][source]
                    summary.outcomes[source][outcome] += 1
                    if on_refreshed is not None:
                        on_refreshed(code, source, outcome)

    async with asyncio.TaskGroup() as workers:
        for _ in range(math.ceil(concurrency / batch_size)):
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
