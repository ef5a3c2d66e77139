"""Whole answers of source-data queries, kept in process for a few seconds.

A warm profile query otherwise executes every field again over records already in memory; most of a warm
request's time was that execution (see BENCHMARKS.md, "Profile"). An answer is reused only when nothing it
depends on can differ, so the key holds all of it:

- the access version and the consent day (:mod:`auth.access_state`): a consent granted or withdrawn, a
  token revoked or a client disabled makes every entry stale, in this process at once;
- the caller's tenant and scopes (what it may read) and the response's media type;
- the document text, the operation name and the variables (canonical JSON).

Only answers of queries whose root fields read source data (:data:`SOURCE_DATA_ROOT_FIELDS`; ``consents``
and ``auditTrail`` read live tables and never qualify), without any error, whose every data access was
served fresh (not stale, not denied) are kept, with the version (content hash, fetch time) of every record
they were built from. A hit counts only while the source cache still holds those very versions: an entry
expired, refreshed by ``hub sync`` or cleared sends the request down the normal path, so a cached answer is
never older than the source cache would make it. A hit is audited exactly like the execution it repeats
(same operation hash, enterprises, sources and outcomes) before it is answered, under its own client.
Entries live ``HUB_RESPONSE_CACHE_TTL_S`` at most, within ``HUB_RESPONSE_CACHE_MIB`` of answer bodies,
least recently used out first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from cachetools import TTLCache
from graphql import FieldNode, OperationDefinitionNode, OperationType
from prometheus_client import Counter
from starlette.requests import Request
from strawberry.types import ExecutionContext

from auth.principal import Principal
from connectors.records import SourceName
from schema.loaders import RecordVersions

SOURCE_DATA_ROOT_FIELDS = frozenset(
    {"enterprise", "enterprises", "supplyChain", "_entities", "_service", "__typename", "__schema", "__type"}
)
"""Root fields whose answers depend only on source records, consents and the caller's scopes."""

ANSWER_CACHE = Counter("hub_answer_cache_total", "Whole-answer cache lookups of /graphql", ["outcome"])
_ENTRY_OVERHEAD = 512  # bytes an entry costs beside its body (key, accesses), for the size bound

AnswerKey = tuple[Hashable, ...]


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """An answer body with what its execution disclosed (re-audited on every hit)."""

    body: bytes
    operation_hash: str
    accesses: Mapping[str, Mapping[str, str]]
    records: RecordVersions


class CachedVersions(Protocol):
    """What the cache needs of the read path (``hub.sources.SourceReader.cached_versions``)."""

    async def cached_versions(
        self, records: Sequence[tuple[SourceName, str]]
    ) -> list[tuple[str, str] | None]: ...


@dataclass(frozen=True, slots=True)
class GraphQLParams:
    """The request's document, operation name and canonical variables, as far as a key needs them."""

    query: str
    operation_name: str | None
    variables: str

    @classmethod
    async def of(cls, request: Request) -> GraphQLParams | None:
        """The parameters of a GET or a JSON POST, or None when they are not plain enough to key on (let
        the normal path answer those, with its own errors)."""
        if request.method == "GET":
            query_params = request.query_params
            if "extensions" in query_params:
                return None
            params: Mapping[str, object] = query_params
            variables: object = _json_or_none(query_params.get("variables"))
        else:
            try:
                body = json.loads(await request.body())
            except (ValueError, RecursionError):
                return None
            if not isinstance(body, dict) or body.get("extensions"):
                return None
            params, variables = body, body.get("variables")
        query, operation_name = params.get("query"), params.get("operationName")
        if not isinstance(query, str) or not isinstance(operation_name, str | None):
            return None
        if variables is not None and not isinstance(variables, dict):
            return None
        canonical = json.dumps(variables, sort_keys=True, separators=(",", ":")) if variables else ""
        return cls(query, operation_name or None, canonical)


def _json_or_none(text: str | None) -> object:
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return False  # not a dict: the key is refused and the normal path reports the error


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


async def _still_current(records: RecordVersions, reader: CachedVersions) -> bool:
    keys = list(records)
    return [records[key] for key in keys] == await reader.cached_versions(keys)


def all_served(accesses: Mapping[str, Mapping[str, str]]) -> bool:
    return all(outcome == "served" for by_source in accesses.values() for outcome in by_source.values())


class AnswerCache:
    """Per-process answers (see the module's docstring); ``ttl_s = 0`` keeps none."""

    def __init__(self, *, ttl_s: float, max_bytes: int) -> None:
        self.enabled = ttl_s > 0
        self._answers: TTLCache[AnswerKey, CachedAnswer] = TTLCache(
            maxsize=max_bytes,
            ttl=ttl_s or 1.0,
            timer=time.monotonic,
            getsizeof=lambda answer: len(answer.body) + _ENTRY_OVERHEAD,
        )

    @staticmethod
    def key(
        params: GraphQLParams, principal: Principal, media_type: str, access_version: int, consent_day: date
    ) -> AnswerKey:
        return (
            access_version,
            consent_day,
            principal.tenant_id,
            principal.scopes,
            principal.anonymous,
            media_type,
            params.query,
            params.operation_name,
            params.variables,
        )

    async def get(self, key: AnswerKey, reader: CachedVersions) -> CachedAnswer | None:
        """The answer under ``key`` if the source cache still holds every record version it was built from."""
        answer = self._answers.get(key)
        if answer is not None and not await _still_current(answer.records, reader):
            self._answers.pop(key, None)
            answer = None
            ANSWER_CACHE.labels("outdated").inc()
        ANSWER_CACHE.labels("hit" if answer is not None else "miss").inc()
        return answer

    def put(self, key: AnswerKey, answer: CachedAnswer) -> None:
        if len(answer.body) + _ENTRY_OVERHEAD <= self._answers.maxsize:
            self._answers[key] = answer
