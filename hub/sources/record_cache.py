"""The cache entries of fetched records, kept apart per tenant.

A record one bank's request fetched is not served to another bank from the cache. Otherwise the second
bank would see the first one's fetch time (``freshness.fetchedAt``) and a warm answer where its own would
be cold: both tell it that another bank looked at the firm a moment ago, which a bank must not learn
(and each bank's query of a provider is its own, under its own consent). So entries live in a partition
per tenant; what the operator fetches (``hub sync``, the CLI) goes to a shared partition that every tenant
reads too, since its timing follows the operator's schedule, not any bank's interest. A read takes the
newer of its tenant's entry and the shared one. The decoded records (:class:`RecordMemo`, by content hash)
and the snapshots stay shared: they tell nothing about who asked.

A cached record is two entries written together with the same TTL: a small head (source, code, fetch time,
content hash) and the entry with the record's canonical JSON text. A read fetches the heads only; the
record comes from the memo when its content is there, and only otherwise is the full entry fetched and
decoded. So a warm read moves and parses a few hundred bytes, not the record (a core enterprise's is over
a megabyte).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

from aiocache.base import BaseCache
from pydantic import ValidationError

from connectors.records import Fetched, Record
from connectors.source import SourceName
from foundation.logging import get_logger
from hub.sources.memo import RecordMemo

SHARED: Final = "~"
"""The partition of what the operator fetched (``hub sync``): read by every tenant."""
HEAD_FIELDS = ("source", "credit_code", "fetched_at", "content_hash")
log = get_logger(__name__)

Decoder = Callable[[str], Record]
"""A record from its JSON text (the connector's ``load_record_json``)."""


def partition_of(tenant: str | None) -> str:
    """The cache partition of a tenant's reads (the shared one for the operator's)."""
    return SHARED if tenant is None else quote(tenant, safe="")


def _entry_key(partition: str, source: str, credit_code: str) -> str:
    return f"source:{partition}:{source}:{credit_code}"


def _head_key(partition: str, source: str, credit_code: str) -> str:
    return f"head:{partition}:{source}:{credit_code}"


def _partitions(partition: str) -> tuple[str, ...]:
    return (partition,) if partition == SHARED else (partition, SHARED)


class RecordCache:
    """Cached records of every source in one cache (memory or Redis), by partition."""

    def __init__(self, cache: BaseCache, memo: RecordMemo) -> None:
        self._cache = cache
        self._memo = memo
        self.writes = 0

    async def put(self, fetched: Fetched[Any], document: str, *, partition: str, ttl_s: float) -> None:
        """Cache ``fetched`` (whose canonical JSON is ``document``) in ``partition``; failures are logged."""
        await self.put_many([(fetched, document)], partition=partition, ttl_s=ttl_s)

    async def put_many(
        self, records: Sequence[tuple[Fetched[Any], str]], *, partition: str, ttl_s: float
    ) -> None:
        """:meth:`put` of several records of one source, in one write."""
        if not records:
            return
        pairs: list[tuple[str, dict[str, str]]] = []
        for fetched, document in records:
            entry = {
                "source": fetched.source,
                "credit_code": fetched.credit_code,
                "fetched_at": fetched.fetched_at.isoformat(),
                "content_hash": fetched.content_hash,
                "record_json": document,
            }
            pairs.append((_entry_key(partition, fetched.source, fetched.credit_code), entry))
            head = {name: entry[name] for name in HEAD_FIELDS}
            pairs.append((_head_key(partition, fetched.source, fetched.credit_code), head))
        self.writes += len(records)
        try:
            await self._cache.multi_set(pairs, ttl=ttl_s)
        except Exception as error:
            log.error("cache_write_failed", source=records[0][0].source, error=type(error).__name__)

    async def get_many(
        self, source: SourceName, credit_codes: Sequence[str], *, partition: str, decode: Decoder
    ) -> list[Fetched[Any] | None]:
        """Cached records of these codes (None: a miss) as ``partition`` sees them: heads first, full
        entries only for what the memo does not hold."""
        if not credit_codes:
            return []
        try:
            heads = await self._heads(source, credit_codes, partition)
            found = [None if head is None else self._from_memo(head) for head in heads]
            undecoded = [
                (index, head) for index, head in enumerate(heads) if head is not None and found[index] is None
            ]
            if undecoded:
                keys = [_entry_key(head["partition"], source, credit_codes[i]) for i, head in undecoded]
                entries = await self._cache.multi_get(keys)
                for (index, _), entry in zip(undecoded, entries, strict=True):
                    found[index] = None if entry is None else self._from_entry(entry, decode)
        except Exception as error:
            log.error("cache_read_failed", source=source, error=type(error).__name__)
            return [None] * len(credit_codes)
        return found

    async def versions(
        self, records: Sequence[tuple[SourceName, str]], *, partition: str
    ) -> list[tuple[str, str] | None]:
        """What ``partition`` would read now for each (source, credit code): (content hash, fetched at, ISO
        8601), or None; in one round trip, nothing fetched or decoded."""
        if not records:
            return []
        partitions = _partitions(partition)
        keys = [_head_key(part, source, code) for source, code in records for part in partitions]
        try:
            values = await self._cache.multi_get(keys)
        except Exception as error:
            log.error("cache_read_failed", source="(versions)", error=type(error).__name__)
            return [None] * len(records)
        width = len(partitions)
        newest = [_newest(values[i * width : (i + 1) * width], partitions) for i in range(len(records))]
        return [None if head is None else _version_of(head) for head in newest]

    async def _heads(
        self, source: SourceName, credit_codes: Sequence[str], partition: str
    ) -> list[dict[str, Any] | None]:
        """Each code's newest head among the partitions ``partition`` reads, tagged with its partition."""
        partitions = _partitions(partition)
        keys = [_head_key(part, source, code) for code in credit_codes for part in partitions]
        values = await self._cache.multi_get(keys)
        width = len(partitions)
        return [_newest(values[i * width : (i + 1) * width], partitions) for i in range(len(credit_codes))]

    def _from_memo(self, head: dict[str, Any]) -> Fetched[Any] | None:
        try:
            record = self._memo.get((head["source"], head["credit_code"], head["content_hash"]))
            return None if record is None else _fetched(head, record)
        except (KeyError, TypeError, ValueError):
            return None

    def _from_entry(self, value: dict[str, Any], decode: Decoder) -> Fetched[Any] | None:
        """The cached entry, or ``None`` (a miss) when it no longer reads as a record, e.g. after an
        upgrade. Content already decoded (same source, code and hash) comes from the memo.
        """
        try:
            key = (value["source"], value["credit_code"], value["content_hash"])
            record = self._memo.get(key)
            if record is None:
                document = value["record_json"]
                record = decode(document)
                self._memo.put(key, record, len(document))
            return _fetched(value, record)
        except (ValidationError, KeyError, TypeError, ValueError):
            return None


def _newest(values: Sequence[object], partitions: Sequence[str]) -> dict[str, Any] | None:
    """The head fetched last among ``values`` (one per partition, None where missing), with its partition."""
    best: dict[str, Any] | None = None
    best_at: datetime | None = None
    for value, part in zip(values, partitions, strict=True):
        if not isinstance(value, dict):
            continue
        try:
            at = datetime.fromisoformat(value["fetched_at"])
        except (KeyError, TypeError, ValueError):
            continue
        if best_at is None or at > best_at:
            best, best_at = {**value, "partition": part}, at
    return best


def _fetched(head: dict[str, Any], record: Record) -> Fetched[Any]:
    """A cached record as the read path hands it out (``head``: a cache head or entry)."""
    return Fetched(
        source=head["source"],
        credit_code=head["credit_code"],
        record=record,
        fetched_at=datetime.fromisoformat(head["fetched_at"]),
        stale=False,
        content_hash=head["content_hash"],
    )


def _version_of(value: dict[str, Any]) -> tuple[str, str] | None:
    digest, fetched_at = value.get("content_hash"), value.get("fetched_at")
    if isinstance(digest, str) and isinstance(fetched_at, str):
        return digest, fetched_at
    return None
