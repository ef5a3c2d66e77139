"""Execution through the answer cache, with stand-ins for the services: a hit never executes, is audited
and charged like its execution; only clean 200 answers of source data are kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import Response

from auth.principal import Principal
from foundation.errors import RateLimited
from hub.services import HubServices
from schema.answer_cache import AnswerCache
from schema.cached_execution import CachedExecution
from schema.context import Context
from schema.data_access import DataAccessLog
from schema.edge.exchange import GraphQLExchange
from schema.negotiation import JSON

PRINCIPAL = Principal(tenant_id="bank-a", client_id="client-1", scopes=frozenset({"tax:read"}))
CODE = "91330106AY4CL12T2M"
RECORD = ("tax", CODE)
VERSION = ("hash-1", "2026-12-01T00:00:00+00:00")


class StandIns:
    """The services an execution through the cache touches, recording what it asked of them."""

    def __init__(self) -> None:
        self.audited: list[tuple[str, Mapping[str, Mapping[str, str]]]] = []
        self.taken: list[int] = []
        self.refusal: RateLimited | None = None
        self.cache_writes = 0
        self.auth = SimpleNamespace(
            access=SimpleNamespace(version=self.version),
            check_rate_limit=self.check_rate_limit,
            record_data_access=self.record_data_access,
        )
        self.sources = self

    async def version(self) -> int:
        return 7

    async def check_rate_limit(self, principal: Principal, *, tokens: int = 1) -> None:
        if self.refusal is not None:
            raise self.refusal
        self.taken.append(tokens)

    async def record_data_access(
        self, principal: Principal, *, operation_hash: str, accesses: Mapping[str, Mapping[str, str]]
    ) -> None:
        self.audited.append((operation_hash, accesses))

    async def cached_versions(
        self, records: Sequence[tuple[str, str]], *, tenant: str | None = None
    ) -> list[tuple[str, str] | None]:
        return [VERSION for _ in records]


class Execution:
    """Executes by answering ``body``; its context as a source-data query that served tax for CODE."""

    def __init__(self, *, status: int = 200, had_errors: bool = False, rate_tokens: int = 1) -> None:
        self.status, self.had_errors, self.rate_tokens = status, had_errors, rate_tokens
        self.runs = 0

    async def __call__(self, request: Request, exchange: GraphQLExchange) -> Response:
        self.runs += 1
        accesses = DataAccessLog()
        accesses.record(CODE, "tax", "served")
        context = SimpleNamespace(
            reads_source_data_only=True,
            operation_hash="op-1",
            accesses=accesses,
            loaders=SimpleNamespace(read={RECORD: VERSION}),
            rate_tokens=self.rate_tokens,
            answer_cacheable=True,
        )
        exchange.context = cast(Context, context)
        exchange.had_errors = self.had_errors
        return Response(b'{"data": {}}', status_code=self.status, media_type=JSON)


def _cache(ttl_s: float = 10.0) -> AnswerCache:
    return AnswerCache(ttl_s=ttl_s, max_bytes=1 << 20, recheck_after_s=60.0)


async def _ask(cached: CachedExecution, services: StandIns) -> Response:
    scope: dict[str, Any] = {"type": "http", "method": "GET", "query_string": b"query=q", "headers": []}
    exchange = GraphQLExchange(cast(HubServices, services), JSON)
    return await cached(Request(scope), exchange, PRINCIPAL)


async def test_a_repeat_is_answered_without_executing_and_audited() -> None:
    services, execution = StandIns(), Execution()
    cached = CachedExecution(_cache(), execution)
    first = await _ask(cached, services)
    again = await _ask(cached, services)
    assert execution.runs == 1
    assert again.body == first.body
    assert again.headers["content-type"] == "application/json; charset=utf-8"
    # The hit is audited as its execution was (which audits itself in RecordDataAccess, not run here).
    assert services.audited == [("op-1", {CODE: {"tax": "served"}})]


async def test_only_clean_200_answers_are_kept() -> None:
    for execution in (Execution(status=400), Execution(had_errors=True)):
        cached = CachedExecution(_cache(), execution)
        for _ in range(2):
            await _ask(cached, StandIns())
        assert execution.runs == 2


async def test_a_hit_takes_what_its_execution_took_or_is_429() -> None:
    services, execution = StandIns(), Execution(rate_tokens=4)
    cached = CachedExecution(_cache(), execution)
    await _ask(cached, services)
    await _ask(cached, services)
    assert services.taken == [3]  # beyond the edge's token
    services.refusal = RateLimited("over", retry_after_s=0.2)
    refused = await _ask(cached, services)
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "1")
    assert len(services.audited) == 1  # a refused hit discloses nothing


async def test_a_zero_ttl_executes_every_request() -> None:
    execution = Execution()
    cached = CachedExecution(_cache(ttl_s=0), execution)
    for _ in range(2):
        await _ask(cached, StandIns())
    assert execution.runs == 2
