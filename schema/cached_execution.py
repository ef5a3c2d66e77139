"""Execution through the whole-answer cache (:mod:`schema.answer_cache`): look the request up, answer a
hit, or execute it and keep what qualifies.

A hit is answered as its execution was: it takes from the client's rate limit what the execution took
(the edge took one token already; over the limit it is 429 with ``Retry-After``), and it is audited like
the execution it repeats (same operation hash, enterprises, sources and outcomes), under its own client,
before it is answered. A miss executes; its answer is kept when it is a 200 of a query reading source data
only, without any error, every data access served fresh.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from auth.consent import consent_today
from auth.principal import Principal
from foundation.errors import RateLimited
from hub.services import HubServices
from schema.answer_cache import AnswerCache, AnswerKey, CachedAnswer, all_served
from schema.edge.exchange import GraphQLExchange
from schema.edge.refusals import rate_limited_response

Execute = Callable[[Request, GraphQLExchange], Awaitable[Response]]
"""Runs a request and gives its final HTTP answer (status and content type set)."""


class CachedExecution:
    """``execute`` wrapped in the answer cache.

    Parameters:
        answers: the process's answer cache (disabled: every request executes).
        execute: the execution it wraps (the view's).
    """

    def __init__(self, answers: AnswerCache, execute: Execute) -> None:
        self.answers = answers
        self.execute = execute

    async def __call__(self, request: Request, exchange: GraphQLExchange, principal: Principal) -> Response:
        if not self.answers.enabled:
            return await self.execute(request, exchange)
        services = exchange.services
        key = await self.key(request, services, principal, exchange)
        cached = await self.answers.get(key, services.sources)
        if cached is not None:
            return await self.replay(cached, services, principal, exchange)
        cache_writes_before = services.sources.cache_writes
        response = await self.execute(request, exchange)
        if response.status_code == 200:
            self.keep(key, exchange, response, cache_writes_before)
        return response

    async def key(
        self, request: Request, services: HubServices, principal: Principal, exchange: GraphQLExchange
    ) -> AnswerKey:
        method = request.method
        raw_parameters: bytes = request.scope["query_string"] if method == "GET" else await request.body()
        return self.answers.key(
            method=method,
            raw_parameters=raw_parameters,
            principal=principal,
            media_type=exchange.media_type,
            access_version=await services.auth.access.version(),
            consent_day=consent_today(),
        )

    async def replay(
        self, cached: CachedAnswer, services: HubServices, principal: Principal, exchange: GraphQLExchange
    ) -> Response:
        if cached.rate_tokens > 1:  # a hit costs the client what the execution cost it
            try:
                await services.auth.check_rate_limit(principal, tokens=cached.rate_tokens - 1)
            except RateLimited as refusal:
                return rate_limited_response(refusal, exchange.result_media_type)
        await services.auth.record_data_access(
            principal, operation_hash=cached.operation_hash, accesses=cached.accesses
        )
        return Response(cached.body, media_type=f"{exchange.media_type}; charset=utf-8")

    def keep(
        self, key: AnswerKey, exchange: GraphQLExchange, response: Response, cache_writes_before: int
    ) -> None:
        """Cache the answer just executed if it qualifies (see :mod:`schema.answer_cache`)."""
        context = exchange.context
        if context is None or not context.reads_source_data_only or exchange.had_errors:
            return
        if not context.answer_cacheable:
            return
        accesses = context.accesses.as_mapping()
        if not all_served(accesses) or context.operation_hash is None:
            return
        answer = CachedAnswer(
            bytes(response.body),
            context.operation_hash,
            accesses,
            dict(context.loaders.read),
            rate_tokens=context.rate_tokens,
        )
        self.answers.put(key, answer, cache_writes_before)
