"""Document validation off the event loop, cached per query text.

graphql-core's rules are not all linear in the document: comparing fields that share a response name
(OverlappingFieldsCanBeMerged) is quadratic, and a document within the token limit can keep it busy for
half a second. Run on the event loop, that would stop every other request (and ``/healthz``) meanwhile.
So a document not validated before is validated in one dedicated thread: the loop keeps answering (it
gets the GIL back at every switch interval), and one thread bounds what unvalidated documents can take
of the CPU together. Known documents (the overwhelming majority: clients send the same few queries) are
answered from the cache without a thread hop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from threading import Lock

from cachetools import LRUCache
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

_VALIDATOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphql-validation")


class ValidationResults:
    """Validation errors by (query text, rule classes), least recently used out first; thread-safe."""

    def __init__(self, maxsize: int) -> None:
        self._results: LRUCache[tuple[str, tuple[type, ...]], list[GraphQLError]] = LRUCache(maxsize)
        self._lock = Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple[str, tuple[type, ...]]) -> list[GraphQLError] | None:
        with self._lock:
            found = self._results.get(key)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
            return found

    def put(self, key: tuple[str, tuple[type, ...]], errors: list[GraphQLError]) -> None:
        with self._lock:
            self._results[key] = errors


class ThreadedValidation(SchemaExtension):
    """Validates the request's document in the validation thread unless its result is cached."""

    def __init__(self, results: ValidationResults) -> None:
        self.results = results

    async def on_validate(self) -> AsyncIterator[None]:
        execution = self.execution_context
        document, query = execution.graphql_document, execution.query
        if document is not None and query is not None and execution.pre_execution_errors is None:
            rules = tuple(execution.validation_rules)
            key = (query, rules)
            errors = self.results.get(key)
            if errors is None:
                # Validation needs the graphql-core schema strawberry built (its Date, DateTime and Decimal
                # check literals: one rebuilt from the SDL would take any). strawberry 0.341 has no public
                # accessor for it: its own validation, ValidationCache and printer read ``_schema`` too.
                schema = execution.schema._schema
                errors = await asyncio.get_running_loop().run_in_executor(
                    _VALIDATOR, validate_document, schema, document, rules
                )
                self.results.put(key, errors)
            execution.pre_execution_errors = list(errors)
        yield
