"""What an operation disclosed, collected while it resolves and written to the audit log at its end."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from graphql import strip_ignored_characters
from strawberry.extensions import SchemaExtension

from schema.answer_cache import reads_source_data_only

if TYPE_CHECKING:
    from schema.context import Context

AccessOutcome = Literal["served", "stale", "not_found", "unavailable", "forbidden", "no_consent"]

# When one operation touches the same (enterprise, source) twice (aliases), the log keeps the outcome that
# disclosed the most: the audit must never under-report what left the hub.
_DISCLOSURE_RANK: dict[AccessOutcome, int] = {
    "served": 5,
    "stale": 4,
    "not_found": 3,
    "unavailable": 2,
    "no_consent": 1,
    "forbidden": 0,
}


class DataAccessLog:
    """Every (enterprise, source, outcome) one operation touched."""

    def __init__(self) -> None:
        self._outcomes: dict[str, dict[str, AccessOutcome]] = {}

    def record(self, credit_code: str, source: str, outcome: AccessOutcome) -> None:
        by_source = self._outcomes.setdefault(credit_code, {})
        previous = by_source.get(source)
        if previous is None or _DISCLOSURE_RANK[outcome] > _DISCLOSURE_RANK[previous]:
            by_source[source] = outcome

    def as_mapping(self) -> Mapping[str, Mapping[str, str]]:
        return {code: dict(sources) for code, sources in self._outcomes.items()}

    def __bool__(self) -> bool:
        return bool(self._outcomes)


OPERATION_HASHES_KEPT = 256
"""Operation hashes remembered (LRU) by query text: clients repeat the same few documents."""


@lru_cache(maxsize=OPERATION_HASHES_KEPT)
def operation_hash(query: str, operation_name: str | None) -> str:
    """sha256 of the normalised query text (whitespace and comments stripped, so they do not count) and
    the operation's name."""
    return hashlib.sha256(f"{strip_ignored_characters(query)}\n{operation_name or ''}".encode()).hexdigest()


class RecordDataAccess(SchemaExtension):
    """At the end of each operation, hands what it touched to the audit log (``auth.record_data_access``)."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        accesses: DataAccessLog | None = getattr(context, "accesses", None)
        query = self.execution_context.query
        if accesses is None or query is None:
            return
        typed_context: Context = context
        typed_context.operation_hash = operation_hash(query, self.execution_context.operation_name)
        typed_context.reads_source_data_only = reads_source_data_only(self.execution_context)
        if accesses or typed_context.audit_entries:
            await typed_context.services.auth.record_data_access(
                typed_context.principal,
                operation_hash=typed_context.operation_hash,
                accesses=accesses.as_mapping(),
                also=typed_context.audit_entries,
            )
