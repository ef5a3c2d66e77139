"""The read path of upstream data, as the schema and ``hub sync`` use it.

    get(source, credit_code)
      → cache (per-source TTL)             hit: return
      → single-flight per key              concurrent misses share one upstream fetch
      → connector fetch                    bounded per source, retries, circuit breaker
      → cache → Fetched(stale=False)       the snapshot (idempotent by hash) is written behind the answer
      upstream failed → latest snapshot → Fetched(stale=True), or SourceUnavailable when there is none

The cache and the database support the upstream data, they never stand in its way: a cache error is a
miss and a failed snapshot write still returns what the upstream said (both logged). Snapshot writes go
through one :class:`SnapshotWriter` (batched; the read path does not wait for them, ``refresh`` does,
``aclose`` waits for all).

A cached record is two entries written together with the same TTL: a small head (source, code, fetch time,
content hash) and the entry with the record's canonical JSON text. A read fetches the heads only; the
record comes from the :class:`RecordMemo` when its content is there, and only otherwise is the full entry
fetched and decoded. So a warm read moves and parses a few hundred bytes, not the record (a core
enterprise's is over a megabyte).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from aiocache.base import BaseCache
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.breaker import CircuitBreakers, CircuitState
from connectors.config import SourceConfig, load_sources
from connectors.records import Fetched, SourceName, SourceRecord
from connectors.registry import load_connectors
from connectors.upstream import SourceClient, build_source_clients
from hub.credit_code import InvalidCreditCode, validate
from hub.errors import BadCreditCode, HubError, SourceUnavailable
from hub.logging import get_logger
from hub.personal_data import load_personal_data_hasher
from hub.settings import Settings
from hub.sources.memo import DEFAULT_MAX_JSON_CHARS, RecordMemo
from hub.sources.single_flight import SingleFlight
from hub.sources.snapshot_writer import SnapshotWriter
from hub.sources.snapshots import SnapshotWrite, encode_record, latest_snapshot, pending_snapshot

RefreshOutcome = Literal["fetched", "unchanged", "failed"]
HEAD_FIELDS = ("source", "credit_code", "fetched_at", "content_hash")
log = get_logger(__name__)


class SourceReader:
    """Fetched records of every configured source, for one process (see the module docstring)."""

    def __init__(
        self,
        *,
        clients: Mapping[SourceName, SourceClient],
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
        self._flights: SingleFlight[Fetched] = SingleFlight()
        self._snapshots = SnapshotWriter(sessions)
        self._memo = RecordMemo(memo_json_chars)
        self._refresh_cache = refresh_cache
        self._cache_writes = 0

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
        """Connectors from the ``hub.connectors`` entry points, configs from ``sources`` or the settings'
        sources file (sandbox defaults without one); only configured sources are served. Personal data in
        records is hashed under the settings' personal-data key.
        """
        configs = dict(sources) if sources is not None else load_sources(settings)
        connectors = {name: connector for name, connector in load_connectors().items() if name in configs}
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
        return self._cache_writes

    @property
    def sources(self) -> tuple[SourceName, ...]:
        return tuple(self._clients)

    def _client(self, source: SourceName) -> SourceClient:
        client = self._clients.get(source)
        if client is None:
            raise SourceUnavailable(source, "not configured")
        return client

    @staticmethod
    def _key(source: str, credit_code: str) -> str:
        return f"source:{source}:{credit_code}"

    @staticmethod
    def _head_key(source: str, credit_code: str) -> str:
        return f"head:{source}:{credit_code}"

    async def get(self, source: SourceName, credit_code: str) -> Fetched:
        """The record of ``source`` for the enterprise; raises BadCreditCode, UnknownEnterprise or
        SourceUnavailable (upstream down, circuit open, timeout, malformed answer, and no snapshot).
        """
        client, credit_code = self._client(source), _valid(credit_code)
        cached = await self._cached(client, credit_code)
        if cached is not None:
            return cached
        return await self._shared_load(client, credit_code)

    async def _shared_load(self, client: SourceClient, credit_code: str) -> Fetched:
        key = self._key(client.connector.name, credit_code)
        return await self._flights.run(key, lambda: self._load(client, credit_code))

    async def get_many(
        self, source: SourceName, credit_codes: Sequence[str]
    ) -> dict[str, Fetched | HubError]:
        """Each distinct code once: cached ones in one round trip, the others concurrently (bounded per
        source); a failure is the value of its code, never an exception for the whole batch.
        """
        unique = list(dict.fromkeys(credit_codes))
        results: dict[str, Fetched | HubError] = {}
        pending: list[str] = []
        for code in unique:
            try:
                _valid(code)
                pending.append(code)
            except BadCreditCode as error:
                results[code] = error
        client = self._client(source)
        cached = await self._cached_many(client, [_valid(code) for code in pending])
        misses = [code for code, hit in zip(pending, cached, strict=True) if hit is None]
        results.update({code: hit for code, hit in zip(pending, cached, strict=True) if hit is not None})
        loaded = await asyncio.gather(*(self._load_or_error(client, _valid(code)) for code in misses))
        results.update(zip(misses, loaded, strict=True))
        return {code: results[code] for code in unique}

    async def _load_or_error(self, client: SourceClient, credit_code: str) -> Fetched | HubError:
        try:
            return await self._shared_load(client, credit_code)
        except HubError as error:
            return error

    async def refresh(self, source: SourceName, credit_code: str) -> RefreshOutcome:
        """Fetch from the upstream bypassing the cache (for ``hub sync``); no stale fallback."""
        client = self._client(source)
        try:
            credit_code = _valid(credit_code)
            record = await client.fetch(credit_code)
            _, written = await self._store(client, credit_code, record, memo=False, cache=self._refresh_cache)
            created = (await _snapshot_written(source, written)).created
        except HubError as error:
            log.warning(
                "refresh_failed", source=source, credit_code=credit_code, code=error.code, reason=str(error)
            )
            return "failed"
        return "fetched" if created else "unchanged"

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

    async def _load(self, client: SourceClient, credit_code: str) -> Fetched:
        source = client.connector.name
        try:
            record = await client.fetch(credit_code)
        except SourceUnavailable as error:
            stale = await self._stale(client, credit_code)
            if stale is None:
                raise
            log.warning("serving_stale", source=source, credit_code=credit_code, reason=error.reason)
            return stale
        fetched, _ = await self._store(client, credit_code, record, memo=True, cache=True)
        return fetched

    async def _store(
        self, client: SourceClient, credit_code: str, record: SourceRecord, *, memo: bool, cache: bool
    ) -> tuple[Fetched, asyncio.Future[SnapshotWrite]]:
        """Cache the record and submit its snapshot; the future tells how the write went. A bulk refresh
        does not ``memo`` what it fetched: it would only push out what the requests read.
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
            await self._write_cache(client, fetched, encoded.document)
        return fetched, written

    async def _write_cache(self, client: SourceClient, fetched: Fetched, document: str) -> None:
        entry = {
            "source": fetched.source,
            "credit_code": fetched.credit_code,
            "fetched_at": fetched.fetched_at.isoformat(),
            "content_hash": fetched.content_hash,
            "record_json": document,
        }
        head = {name: entry[name] for name in HEAD_FIELDS}
        pairs = [
            (self._key(fetched.source, fetched.credit_code), entry),
            (self._head_key(fetched.source, fetched.credit_code), head),
        ]
        self._cache_writes += 1
        try:
            await self._cache.multi_set(pairs, ttl=client.config.ttl_s)
        except Exception as error:
            log.error("cache_write_failed", source=fetched.source, error=type(error).__name__)

    async def _stale(self, client: SourceClient, credit_code: str) -> Fetched | None:
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

    async def _cached(self, client: SourceClient, credit_code: str) -> Fetched | None:
        return (await self._cached_many(client, [credit_code]))[0]

    async def _cached_many(self, client: SourceClient, credit_codes: list[str]) -> list[Fetched | None]:
        """Cached records of these codes (None: a miss): heads first, full entries only for what the memo
        does not hold."""
        if not credit_codes:
            return []
        source = client.connector.name
        try:
            heads = await self._cache.multi_get([self._head_key(source, code) for code in credit_codes])
            found = [None if head is None else self._from_memo(head) for head in heads]
            undecoded = [
                index for index, head in enumerate(heads) if head is not None and found[index] is None
            ]
            if undecoded:
                entries = await self._cache.multi_get([self._key(source, credit_codes[i]) for i in undecoded])
                for index, entry in zip(undecoded, entries, strict=True):
                    found[index] = None if entry is None else self._from_cache(client, entry)
        except Exception as error:
            log.error("cache_read_failed", source=source, error=type(error).__name__)
            return [None] * len(credit_codes)
        return found

    def _from_memo(self, head: dict[str, Any]) -> Fetched | None:
        try:
            record = self._memo.get((head["source"], head["credit_code"], head["content_hash"]))
            return None if record is None else _fetched(head, record)
        except (KeyError, TypeError, ValueError):
            return None

    def _from_cache(self, client: SourceClient, value: dict[str, Any]) -> Fetched | None:
        """The cached entry, or ``None`` (a miss) when it no longer reads as a record, e.g. after an
        upgrade. Content already decoded (same source, code and hash) comes from the memo.
        """
        try:
            key = (value["source"], value["credit_code"], value["content_hash"])
            record = self._memo.get(key)
            if record is None:
                document = value["record_json"]
                record = client.connector.load_record_json(document)
                self._memo.put(key, record, len(document))
            return _fetched(value, record)
        except (ValidationError, KeyError, TypeError, ValueError):
            return None

    async def cached_versions(
        self, records: Sequence[tuple[SourceName, str]]
    ) -> list[tuple[str, str] | None]:
        """What the cache holds now for each (source, credit code): (content hash, fetched at, ISO 8601), or
        None; in one round trip, nothing fetched or decoded. Lets a cached answer check that the records it
        was built from are still current.
        """
        if not records:
            return []
        try:
            values = await self._cache.multi_get([self._head_key(source, code) for source, code in records])
        except Exception as error:
            log.error("cache_read_failed", source="(versions)", error=type(error).__name__)
            return [None] * len(records)
        return [_version_of(value) for value in values]


async def _snapshot_written(source: SourceName, written: asyncio.Future[SnapshotWrite]) -> SnapshotWrite:
    try:
        return await written
    except Exception as error:
        raise SourceUnavailable(source, f"snapshot not written ({type(error).__name__})") from error


def _fetched(head: dict[str, Any], record: SourceRecord) -> Fetched:
    """A cached record as the read path hands it out (``head``: a cache head or entry)."""
    return Fetched(
        source=head["source"],
        credit_code=head["credit_code"],
        record=record,
        fetched_at=datetime.fromisoformat(head["fetched_at"]),
        stale=False,
        content_hash=head["content_hash"],
    )


def _version_of(value: object) -> tuple[str, str] | None:
    if isinstance(value, dict):
        digest, fetched_at = value.get("content_hash"), value.get("fetched_at")
        if isinstance(digest, str) and isinstance(fetched_at, str):
            return digest, fetched_at
    return None


def _valid(credit_code: str) -> str:
    try:
        return validate(credit_code)
    except InvalidCreditCode as error:
        raise BadCreditCode(credit_code, error.reason) from None
