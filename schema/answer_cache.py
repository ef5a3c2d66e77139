"""Whole answers of source-data queries, kept in process for a few seconds.

A warm profile query otherwise executes every field again over records already in memory; most of a warm
request's time was that execution (see BENCHMARKS.md, "Profile"). An answer is reused only when nothing it
depends on can differ, so the key holds all of it:

- the access version and the consent day (:mod:`auth.access_state`): a consent granted or withdrawn, a
  token revoked or a client disabled makes every entry stale, in this process at once;
- the caller's tenant and scopes (what it may read) and the response's media type;
- the request's method and its raw parameters: the query string of a GET, the body of a POST. The same
  bytes always carry the same document, operation name and variables, so nothing is parsed to look an
  answer up; the same request spelt differently only misses.

Only answers of queries whose root fields read source data (:data:`SOURCE_DATA_ROOT_FIELDS`; ``consents``
and ``auditTrail`` read live tables and never qualify), without any error, whose every data access was
served fresh (not stale, not denied) are kept, with the version (content hash, fetch time) of every record
they were built from. A hit counts only while the source cache still holds those very versions: an entry
expired, refreshed by ``hub sync`` or another replica, or cleared sends the request down the normal path.
That is checked on the first hit after this process wrote the source cache, and otherwise at most every
``recheck_after_s`` (``HUB_ACCESS_REFRESH_MS``, the bound access decisions already have): reading every
record's head back on every hit was the largest cost left of a hit. So a cached answer is never older than
the source cache would make it by more than that interval, and not at all for changes made in this process.
A hit is audited exactly like the execution it repeats (same operation hash, enterprises, sources and
outcomes) before it is answered, under its own client. Entries live ``HUB_RESPONSE_CACHE_TTL_S`` at most,
within ``HUB_RESPONSE_CACHE_MIB`` of answer bodies and keys, least recently used out first.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from cachetools import TTLCache
from graphql import FieldNode, OperationDefinitionNode, OperationType
from prometheus_client import Counter
from strawberry.types import ExecutionContext

from auth.principal import Principal
from connectors.source import SourceName
from schema.loaders import RecordVersions

SOURCE_DATA_ROOT_FIELDS = frozenset(
    {"enterprise", "enterprises", "supplyChain", "_entities", "_service", "__typename", "__schema", "__type"}
)
"""Root fields whose answers depend only on source records, consents and the caller's scopes."""

ANSWER_CACHE = Counter("hub_answer_cache_total", "Whole-answer cache lookups of /graphql", ["outcome"])
_HITS, _MISSES, _OUTDATED = (ANSWER_CACHE.labels(outcome) for outcome in ("hit", "miss", "outdated"))
_ENTRY_OVERHEAD = 512  # bytes an entry costs beside its body (key, accesses), for the size bound

AnswerKey = tuple[int, date, str, frozenset[str], bool, str, str, bytes]
"""Access version, consent day, tenant, scopes, anonymous, media type, method, raw parameters."""


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """An answer body with what its execution disclosed (re-audited on every hit)."""

    body: bytes
    operation_hash: str
    accesses: Mapping[str, Mapping[str, str]]
    records: RecordVersions
    rate_tokens: int = 1  # what the execution took from the client's rate limit; a hit takes as much


class CachedVersions(Protocol):
    """What the cache needs of the read path (``hub.sources.SourceReader``)."""

    @property
    def cache_writes(self) -> int:
        """Writes of this process to the source cache so far: when it moves, answers are checked again."""
        ...

    async def cached_versions(
        self, records: Sequence[tuple[SourceName, str]], *, tenant: str | None = None
    ) -> list[tuple[str, str] | None]: ...


def reads_source_data_only(execution_context: ExecutionContext) -> bool:
    """The executed operation is a query whose root selections are all plain fields of
    :data:`SOURCE_DATA_ROOT_FIELDS` (fragments at the root are not looked into: not cached)."""
    document = execution_context.graphql_document
    if document is None:
        return False
    operations = [
        node
        for node in document.definitions
        if isinstance(node, OperationDefinitionNode)
        and (execution_context.operation_name is None or _name(node) == execution_context.operation_name)
    ]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return False
    return all(
        isinstance(selection, FieldNode) and selection.name.value in SOURCE_DATA_ROOT_FIELDS
        for selection in operations[0].selection_set.selections
    )


def _name(node: OperationDefinitionNode) -> str | None:
    return node.name.value if node.name else None


async def _still_current(records: RecordVersions, reader: CachedVersions, tenant: str) -> bool:
    keys = list(records)
    return [records[key] for key in keys] == await reader.cached_versions(keys, tenant=tenant)


def all_served(accesses: Mapping[str, Mapping[str, str]]) -> bool:
    return all(outcome == "served" for by_source in accesses.values() for outcome in by_source.values())


@dataclass(slots=True)
class _Entry:
    answer: CachedAnswer
    size: int  # bytes it counts against the bound: body, raw request parameters and a fixed overhead
    checked_at: float  # monotonic time of the last check that its records are current
    checked_writes: int  # the reader's ``cache_writes`` at that check


class AnswerCache:
    """Per-process answers (see the module's docstring); ``ttl_s = 0`` keeps none.

    Parameters:
        ttl_s: how long an answer is kept at most.
        max_bytes: bound of the answers kept (bodies, keys and a fixed overhead each).
        recheck_after_s: how long a check that an answer's records are still in the source cache holds
            while this process writes nothing there (``0``: checked on every hit).
    """

    def __init__(self, *, ttl_s: float, max_bytes: int, recheck_after_s: float) -> None:
        self.enabled = ttl_s > 0
        self._recheck_after_s = recheck_after_s
        self._answers: TTLCache[AnswerKey, _Entry] = TTLCache(
            maxsize=max_bytes,
            ttl=ttl_s or 1.0,
            timer=time.monotonic,
            getsizeof=lambda entry: entry.size,
        )

    @staticmethod
    def key(
        *,
        method: str,
        raw_parameters: bytes,
        principal: Principal,
        media_type: str,
        access_version: int,
        consent_day: date,
    ) -> AnswerKey:
        """``raw_parameters``: a GET's query string or a POST's body, as received."""
        return (
            access_version,
            consent_day,
            principal.tenant_id,
            principal.scopes,
            principal.anonymous,
            media_type,
            method,
            raw_parameters,
        )

    async def get(self, key: AnswerKey, reader: CachedVersions) -> CachedAnswer | None:
        """The answer under ``key`` if the source cache still holds every record version it was built from."""
        entry = self._answers.get(key)
        if entry is None:
            _MISSES.inc()
            return None
        now, writes = time.monotonic(), reader.cache_writes
        if writes != entry.checked_writes or now - entry.checked_at >= self._recheck_after_s:
            if not await _still_current(entry.answer.records, reader, tenant=key[2]):
                self._answers.pop(key, None)
                _OUTDATED.inc()
                _MISSES.inc()
                return None
            entry.checked_at, entry.checked_writes = now, writes
        _HITS.inc()
        return entry.answer

    def put(self, key: AnswerKey, answer: CachedAnswer, cache_writes_before: int) -> None:
        """Keep ``answer``, just built from the records it names; ``cache_writes_before``: the reader's
        ``cache_writes`` before they were read (a write since makes the first hit check them)."""
        size = len(answer.body) + len(key[-1]) + _ENTRY_OVERHEAD
        entry = _Entry(answer, size, time.monotonic(), cache_writes_before)
        if size <= self._answers.maxsize:
            self._answers[key] = entry
