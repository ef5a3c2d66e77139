"""The read path of upstream data, as the schema and ``hub sync`` use it.

    get(source, credit_code)
      → cache (per-source TTL)             hit: return
      → single-flight per key              concurrent misses share one upstream fetch
      → connector fetch                    bounded per source, retries, circuit breaker
      → cache → Fetched(stale=False)       the snapshot (idempotent by hash) is written behind the answer
      upstream failed → latest snapshot → Fetched(stale=True), or SourceUnavailable when there is none
      request's deadline passed → the same, while the fetch goes on and fills the cache for the next read

The cache and the database support the upstream data, they never stand in its way: a cache error is a
miss and a failed snapshot write still returns what the upstream said (both logged). Snapshot writes go
through one :class:`SnapshotWriter` (batched; the read path does not wait for them, ``refresh`` does,
``aclose`` waits for all).

Cache entries are kept per tenant, so that no bank learns from the cache that another looked a firm up
(:mod:`hub.sources.record_cache`); ``tenant=None`` reads and writes the shared partition of the operator's
fetches (``hub sync``), which every tenant reads too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, TypeVar

from aiocache.base import BaseCache
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.breaker import CircuitBreakers, CircuitState
from connectors.catalog import load_connectors
from connectors.config import SourceConfig, load_source_configs
from connectors.deadline import current_deadline
from connectors.records import Fetched, Record
from connectors.source import SourceName
from connectors.upstream import SourceClient, Upstream, build_source_clients
from foundation.credit_code.checked import checked_credit_code
from foundation.errors import BadCreditCode, HubError, SourceUnavailable, UnknownEnterprise
from foundation.logging import get_logger
from foundation.settings import Settings
from hub.personal_data import load_personal_data_hasher
from hub.sources.memo import DEFAULT_MAX_JSON_CHARS, RecordMemo
from hub.sources.record_cache import SHARED, RecordCache, partition_of
from hub.sources.single_flight import SingleFlight
from hub.sources.snapshot_writer import SnapshotWriter
from hub.sources.snapshots import (
    SnapshotWrite,
    encode_record,
    latest_snapshot,
    pending_snapshot,
    snapshot_by_hash,
)

RefreshOutcome = Literal["fetched", "unchanged", "not_found", "failed"]
"""``not_found``: the source does not know the enterprise (not every firm exports): no failure."""
T = TypeVar("T")
log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Refreshed:
    """How one refresh went: its outcome, the record when one was fetched, the error's code otherwise."""

    outcome: RefreshOutcome
    fetched: Fetched[Any] | None
    error_code: str | None


FetchOutcome = Refreshed | Awaitable[Refreshed]
"""How a read's fetch went: at once, or once its snapshot is written (fetched or unchanged)."""


class SourceReader:
    """Fetched[Any] records of every configured source, for one process (see the module docstring)."""

    def __init__(
        self,
        *,
        clients: Mapping[SourceName, SourceClient[Any]],
        breakers: CircuitBreakers,
        sessions: async_sessionmaker[AsyncSession],
        cache: BaseCache,
        memo_json_chars: int = DEFAULT_MAX_JSON_CHARS,
        refresh_cache: bool = True,
    ) -> None:
        """``refresh_cache=False``: ``refresh`` writes snapshots only (a sync process whose cache is its own
        memory, gone at exit, would otherwise hold every record it refreshed)."""
        self._clients = dict(clients)
        self._breakers = breakers
        self._sessions = sessions
        self._cache = cache
        self._flights: SingleFlight[Fetched[Any]] = SingleFlight()
        self._snapshots = SnapshotWriter(sessions)
        self._memo = RecordMemo(memo_json_chars)
        self._records = RecordCache(cache, self._memo)
        self.refresh_cache = refresh_cache  # public: a `hub worker` on a memory cache turns it off
        # Told of each fetch a read makes at the upstream (hub.connections.tracking keeps the connection
        # states from it); an awaitable while the snapshot that tells fetched from unchanged is on its way.
        self.on_fetch: Callable[[SourceName, str, FetchOutcome], None] | None = None

    @classmethod
    def create(
        cls,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        cache: BaseCache,
        sources: Mapping[SourceName, SourceConfig] | None = None,
        *,
        refresh_cache: bool = True,
    ) -> SourceReader:
        """Connectors of the source catalog (``hub.sources`` entry points), configs from ``sources`` or the
        settings' sources file (sandbox defaults without one); only configured sources are served (each
        one left out is logged once). Personal data in records is hashed under the settings' key.
        """
        configs = dict(sources) if sources is not None else load_source_configs(settings)
        known = load_connectors()
        for name in known.keys() - configs.keys():
            log.info("source_not_configured", source=name, answers="SOURCE_UNAVAILABLE")
        connectors = {name: connector for name, connector in known.items() if name in configs}
        clients, breakers = build_source_clients(
            connectors, configs, personal_data=load_personal_data_hasher(settings)
        )
        return cls(
            clients=clients, breakers=breakers, sessions=sessions, cache=cache, refresh_cache=refresh_cache
        )

    @property
    def cache_writes(self) -> int:
        """How many times this reader has written records to the cache (whole answers built on the cache
        are checked again when it moves: :mod:`schema.answer_cache`)."""
        return self._records.writes

    @property
    def sources(self) -> tuple[SourceName, ...]:
        return tuple(self._clients)

    def history_end(self, source: SourceName) -> date:
        """The day the source's history windows end at (its config's ``as_of``, else today): what its
        figures are as of (SOURCE_UNAVAILABLE when the source is not configured)."""
        return self._client(source).config.history_end()

    def _client(self, source: SourceName) -> SourceClient[Any]:
        client = self._clients.get(source)
        if client is None:
            raise SourceUnavailable(source, "not configured")
        return client

    async def ask(self, source: SourceName, question: Callable[[Upstream], Awaitable[T]]) -> T:
        """A source-specific question of its upstream now (not a record; nothing cached or snapshotted),
        e.g. the trade platform's standing of one receivable (SOURCE_UNAVAILABLE when not configured)."""
        return await self._client(source).ask(question)

    async def get(self, source: SourceName, credit_code: str, *, tenant: str | None = None) -> Fetched[Any]:
        """The record of ``source`` for the enterprise as ``tenant`` may be served it; raises
        BadCreditCode, UnknownEnterprise or SourceUnavailable (upstream down, circuit open, timeout,
        malformed answer, and no snapshot).
        """
        return _one(await self.get_many(source, [credit_code], tenant=tenant), credit_code)

    async def _shared_load(self, client: SourceClient[Any], credit_code: str, partition: str) -> Fetched[Any]:
        key = f"{partition}:{client.connector.name}:{credit_code}"
        return await self._flights.run(key, lambda: self._load(client, credit_code, partition))

    async def get_many(
        self, source: SourceName, credit_codes: Sequence[str], *, tenant: str | None = None
    ) -> dict[str, Fetched[Any] | HubError]:
        """Each distinct code once: cached ones in one round trip, the others concurrently (bounded per
        source); a failure is the value of its code, never an exception for the whole batch.
        """
        partition = partition_of(tenant)
        unique = list(dict.fromkeys(credit_codes))
        results: dict[str, Fetched[Any] | HubError] = {}
        pending: list[str] = []
        for code in unique:
            try:
                checked_credit_code(code)
                pending.append(code)
            except BadCreditCode as error:
                results[code] = error
        client = self._client(source)
        cached = await self._records.get_many(
            source,
            [checked_credit_code(code) for code in pending],
            partition=partition,
            decode=client.connector.load_record_json,
        )
        misses = [code for code, hit in zip(pending, cached, strict=True) if hit is None]
        results.update({code: hit for code, hit in zip(pending, cached, strict=True) if hit is not None})
        loaded = await asyncio.gather(
            *(self._load_or_error(client, checked_credit_code(code), partition) for code in misses)
        )
        results.update(zip(misses, loaded, strict=True))
        return {code: results[code] for code in unique}

    async def _load_or_error(
        self, client: SourceClient[Any], credit_code: str, partition: str
    ) -> Fetched[Any] | HubError:
        try:
            return await self._load_by_deadline(client, credit_code, partition)
        except HubError as error:
            return error

    async def _load_by_deadline(
        self, client: SourceClient[Any], credit_code: str, partition: str
    ) -> Fetched[Any]:
        """The shared load, by the request's deadline if there is one. Past it: the last snapshot
        (stale) or SOURCE_UNAVAILABLE, while the (shielded) flight goes on and lands in the cache."""
        deadline = current_deadline()
        if deadline is None:
            return await self._shared_load(client, credit_code, partition)
        try:
            return await asyncio.wait_for(
                self._shared_load(client, credit_code, partition), max(deadline.left(), 0.0)
            )
        except TimeoutError:
            pass
        source = client.connector.name
        reason = f"no answer within the request's {deadline.seconds:g} s deadline"
        stale = await self._stale(client, credit_code)
        if stale is None:
            raise SourceUnavailable(source, reason)
        log.warning("serving_stale", source=source, credit_code=credit_code, reason=reason)
        return stale

    async def refresh(self, source: SourceName, credit_code: str) -> RefreshOutcome:
        """Fetch from the upstream bypassing the cache (for ``hub sync``); no stale fallback."""
        return (await self.refresh_detail(source, credit_code)).outcome

    async def refresh_detail(self, source: SourceName, credit_code: str) -> Refreshed:
        """:meth:`refresh`, also telling what was fetched and the error's code (the refresh jobs keep the
        connection state from it)."""
        return (await self.refresh_many([(source, credit_code)]))[0]

    async def refresh_many(self, pairs: Sequence[tuple[SourceName, str]]) -> list[Refreshed]:
        """:meth:`refresh_detail` of each (source, credit code), concurrently; what was fetched is cached
        at the end in one write per source (a write per record was ~9% of a refresh job's CPU)."""
        fetched: list[tuple[Fetched[Any], str]] = []
        results = await asyncio.gather(*(self._refresh_one(source, code, fetched) for source, code in pairs))
        if self.refresh_cache:
            by_source: dict[SourceName, list[tuple[Fetched[Any], str]]] = {}
            for record, document in fetched:
                by_source.setdefault(record.source, []).append((record, document))
            for source, records in by_source.items():
                ttl_s = self._client(source).config.ttl_s
                await self._records.put_many(records, partition=SHARED, ttl_s=ttl_s)
        return results

    async def _refresh_one(
        self, source: SourceName, credit_code: str, fetched: list[tuple[Fetched[Any], str]]
    ) -> Refreshed:
        """Fetch from the upstream and snapshot; the record and its document appended to ``fetched``."""
        client = self._client(source)
        try:
            credit_code = checked_credit_code(credit_code)
            record = await client.fetch(credit_code)
            stored, written, document = await self._store(
                client, credit_code, record, memo=False, cache=False, partition=SHARED
            )
        except UnknownEnterprise as error:
            return Refreshed("not_found", None, error.code)
        except HubError as error:
            log.warning(
                "refresh_failed", source=source, credit_code=credit_code, code=error.code, reason=str(error)
            )
            return Refreshed("failed", None, error.code)
        refreshed = await _refreshed_once_written(stored, written)
        if refreshed.fetched is not None:
            fetched.append((stored, document))
        return refreshed

    async def settle_snapshots(self, records: Sequence[tuple[SourceName, str]]) -> None:
        """Return once the snapshots of these (source, credit code) fetched so far are written (what an
        assessment read must be stored before the assessment that names it)."""
        for source, credit_code in records:
            await self._snapshots.settle(source, credit_code)

    async def snapshot_record(self, source: SourceName, credit_code: str, content_hash: str) -> Record | None:
        """The record of the snapshot with exactly this content, or None when it is no longer stored (or
        no longer readable as the source's record)."""
        client = self._client(source)
        snapshot = await snapshot_by_hash(
            self._sessions, source=source, credit_code=credit_code, content_hash=content_hash
        )
        if snapshot is None:
            return None
        try:
            record: Record = client.connector.load_record(snapshot.payload)
        except ValidationError:
            log.error("snapshot_unreadable", source=source, content_hash=content_hash)
            return None
        return record

    def circuit_states(self) -> dict[str, CircuitState]:
        """``closed`` | ``open`` | ``half_open`` per configured source."""
        return self._breakers.states()

    async def flush_snapshots(self) -> None:
        """Wait until every snapshot of what was fetched so far is written."""
        await self._snapshots.aclose()

    async def aclose(self) -> None:
        await self._flights.settle()
        await self.flush_snapshots()
        await asyncio.gather(*(client.aclose() for client in self._clients.values()))

    async def _load(self, client: SourceClient[Any], credit_code: str, partition: str) -> Fetched[Any]:
        source = client.connector.name
        try:
            record = await client.fetch(credit_code)
        except UnknownEnterprise as error:
            self._tell(source, credit_code, Refreshed("not_found", None, error.code))
            raise
        except SourceUnavailable as error:
            self._tell(source, credit_code, Refreshed("failed", None, error.code))
            stale = await self._stale(client, credit_code)
            if stale is None:
                raise
            log.warning("serving_stale", source=source, credit_code=credit_code, reason=error.reason)
            return stale
        fetched, written, _ = await self._store(
            client, credit_code, record, memo=True, cache=True, partition=partition
        )
        if self.on_fetch is not None:
            self._tell(source, credit_code, _refreshed_once_written(fetched, written))
        return fetched

    def _tell(
        self, source: SourceName, credit_code: str, refreshed: Refreshed | Awaitable[Refreshed]
    ) -> None:
        if self.on_fetch is not None:
            self.on_fetch(source, credit_code, refreshed)

    async def _store(
        self,
        client: SourceClient[Any],
        credit_code: str,
        record: Record,
        *,
        memo: bool,
        cache: bool,
        partition: str,
    ) -> tuple[Fetched[Any], asyncio.Future[SnapshotWrite], str]:
        """Cache the record and submit its snapshot; the future tells how the write went, the document is
        the record's canonical JSON. A bulk refresh does not ``memo`` what it fetched: it would only push
        out what the requests read.
        """
        source, now = client.connector.name, datetime.now(UTC)
        encoded = encode_record(record)
        written = self._snapshots.submit(
            pending_snapshot(source=source, credit_code=credit_code, encoded=encoded, now=now)
        )
        fetched = Fetched(
            source=source,
            credit_code=credit_code,
            record=record,
            fetched_at=now,
            stale=False,
            content_hash=encoded.content_hash,
        )
        if memo:
            self._memo.put((source, credit_code, encoded.content_hash), record, len(encoded.document))
        if cache:
            await self._records.put(fetched, encoded.document, partition=partition, ttl_s=client.config.ttl_s)
        return fetched, written, encoded.document

    async def _stale(self, client: SourceClient[Any], credit_code: str) -> Fetched[Any] | None:
        source = client.connector.name
        await self._snapshots.settle(source, credit_code)  # the latest content may still be on its way
        try:
            snapshot = await latest_snapshot(self._sessions, source=source, credit_code=credit_code)
        except Exception as error:
            log.error("snapshot_read_failed", source=source, error=type(error).__name__)
            return None
        if snapshot is None:
            return None
        try:
            record = client.connector.load_record(snapshot.payload)
        except ValidationError:
            # A snapshot of an older record shape its migration has not rewritten: as good as none.
            log.error("snapshot_unreadable", source=source, content_hash=snapshot.content_hash)
            return None
        return Fetched(
            source=source,
            credit_code=credit_code,
            record=record,
            fetched_at=snapshot.checked_at,  # the last time the upstream confirmed this content
            stale=True,
            content_hash=snapshot.content_hash,
        )

    async def cached_versions(
        self, records: Sequence[tuple[SourceName, str]], *, tenant: str | None = None
    ) -> list[tuple[str, str] | None]:
        """What the cache holds now for each (source, credit code) as ``tenant`` reads it: (content hash,
        fetched at, ISO 8601), or None; in one round trip, nothing fetched or decoded. Lets a cached answer
        check that the records it was built from are still current.
        """
        return await self._records.versions(records, partition=partition_of(tenant))


async def _snapshot_written(source: SourceName, written: asyncio.Future[SnapshotWrite]) -> SnapshotWrite:
    try:
        return await written
    except Exception as error:
        raise SourceUnavailable(source, f"snapshot not written ({type(error).__name__})") from error


async def _refreshed_once_written(fetched: Fetched[Any], written: asyncio.Future[SnapshotWrite]) -> Refreshed:
    """Fetched or unchanged, as its snapshot's write tells; failed when the snapshot was not written."""
    try:
        created = (await _snapshot_written(fetched.source, written)).created
    except SourceUnavailable as error:
        log.error("snapshot_write_failed", source=fetched.source, reason=error.reason)
        return Refreshed("failed", None, error.code)
    return Refreshed("fetched" if created else "unchanged", fetched, None)


def _one(found: dict[str, Fetched[Any] | HubError], credit_code: str) -> Fetched[Any]:
    value = next(iter(found.values()))
    if isinstance(value, HubError):
        raise value
    return value
