"""GraphQL over HTTP at ``/graphql``: GET and POST, ``application/json`` and
``application/graphql-response+json``, GraphiQL for browsers when enabled.

strawberry's view executes; this subclass answers what it does not (checked against its source):
405 for other methods (with ``Allow``), 415 for a POST body that is not JSON, 400 for a body that is not
one JSON object (batches are not supported) or not UTF-8, 400 for a GET without ``query`` unless the
Accept names ``text/html`` (a browser: GraphiQL), 406 for an Accept it cannot serve, 401/429 before
anything executes, and with ``application/graphql-response+json`` a request error
(parse, validation, limits, variables: nothing executed) is 400 without a ``data`` entry, as the spec asks.
Every HTTP-level error is a GraphQL error body with ``extensions.code``.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from auth.consent import consent_today
from auth.principal import Principal
from foundation.errors import BadRequest, HubError, RateLimited, Unauthenticated
from foundation.settings import Settings
from hub.services import HubServices
from schema.answer_cache import AnswerCache, AnswerKey, CachedAnswer, all_served
from schema.build import build_schema
from schema.context import Context
from schema.data_access import DataAccessLog
from schema.errors import map_error
from schema.graphiql import with_local_assets
from schema.loaders import create_loaders

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
ALLOWED_METHODS = ("GET", "POST")


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))
    return ranges


def _json_kind(value: object) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


@lru_cache(maxsize=64)  # clients send the same few Accept headers
def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when neither JSON type is acceptable.

    ``application/graphql-response+json`` only when asked for by name (and not ranked below plain JSON);
    a missing header or a wildcard gets ``application/json``, which every client understands.
    """
    if not accept:
        return JSON
    ranges = dict(_media_ranges(accept))
    graphql_q = ranges.get(GRAPHQL_RESPONSE_JSON, 0.0)
    json_q = max(ranges.get(JSON, 0.0), ranges.get("application/*", 0.0), ranges.get("*/*", 0.0))
    if graphql_q > 0 and graphql_q >= json_q:
        return GRAPHQL_RESPONSE_JSON
    return JSON if json_q > 0 else None


def error_response(
    status: int, error: HubError, media_type: str = JSON, headers: dict[str, str] | None = None
) -> Response:
    """An HTTP-level refusal as a GraphQL response body with ``extensions.code``."""
    body = {"errors": [{"message": error.message, "extensions": {"code": error.code, **error.extensions}}]}
    return Response(json.dumps(body), status_code=status, media_type=media_type, headers=headers)


def rate_limited_response(refusal: RateLimited, media_type: str = JSON) -> Response:
    """429 with ``Retry-After`` (whole seconds, at least 1)."""
    retry_after = str(max(1, math.ceil(refusal.retry_after_s)))
    return error_response(429, refusal, media_type, {"Retry-After": retry_after})


class GraphQLView(GraphQL[Context, None]):
    """The ``/graphql`` endpoint (an ASGI app)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            allow_queries_via_get=True,
            subscription_protocols=(),
        )
        self.settings = settings
        self.answers = AnswerCache(
            ttl_s=settings.response_cache_ttl_s,
            max_bytes=settings.response_cache_mib * 1024 * 1024,
            recheck_after_s=settings.access_refresh_ms / 1000,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await WebSocket(scope, receive, send).close(code=1003)
            return
        response = await self.answer(Request(scope, receive))
        await response(scope, receive, send)

    async def answer(self, request: Request) -> Response:
        if request.method not in ALLOWED_METHODS:
            refusal = BadRequest(f"GraphQL over HTTP takes GET or POST, not {request.method}")
            return error_response(405, refusal, headers={"Allow": ", ".join(ALLOWED_METHODS)})
        if self.wants_graphiql(request):
            return await self.render_graphql_ide(request)
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None:
            return error_response(406, BadRequest(f"cannot answer with any of {request.headers['accept']}"))
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != JSON:
                refusal = BadRequest(f"POST a JSON body ({JSON}), not {content_type or 'no content type'}")
                return error_response(415, refusal, media_type)
        services: HubServices = request.app.state.services
        try:
            request.state.principal = await services.auth.authenticate(request.headers.get("authorization"))
            await services.auth.check_rate_limit(request.state.principal)
        except Unauthenticated as refusal:
            return error_response(401, refusal, media_type, {"WWW-Authenticate": 'Bearer realm="hub"'})
        except RateLimited as refusal:
            return rate_limited_response(refusal, media_type)
        principal: Principal = request.state.principal
        answer_key = await self.answer_key(request, services, principal, media_type)
        if (
            answer_key is not None
            and (cached := await self.answers.get(answer_key, services.sources)) is not None
        ):
            if cached.rate_tokens > 1:  # a hit costs the client what the execution cost it
                try:
                    await services.auth.check_rate_limit(principal, tokens=cached.rate_tokens - 1)
                except RateLimited as refusal:
                    return rate_limited_response(refusal, media_type)
            await services.auth.record_data_access(
                principal, operation_hash=cached.operation_hash, accesses=cached.accesses
            )
            return Response(cached.body, media_type=f"{media_type}; charset=utf-8")
        cache_writes_before = services.sources.cache_writes
        try:
            response = await self.run(request)
        except HTTPException as refusal:
            if isinstance(refusal.__cause__, InvalidOperationTypeError):
                # A mutation over GET: the spec's answer is 405, pointing at POST.
                return error_response(405, BadRequest(refusal.reason), media_type, {"Allow": "POST"})
            return error_response(refusal.status_code, BadRequest(refusal.reason), media_type)
        context: Context | None = getattr(request.state, "context", None)
        if context is not None and context.rate_refusal is not None:
            # Over the limit once its cost was known (schema/limits.py): nothing executed.
            return rate_limited_response(context.rate_refusal, media_type)
        if media_type == GRAPHQL_RESPONSE_JSON and getattr(request.state, "request_error", False):
            response.status_code = 400
        response.headers["content-type"] = f"{media_type}; charset=utf-8"
        if answer_key is not None and response.status_code == 200:
            self.keep_answer(request, answer_key, response, cache_writes_before)
        return response

    async def answer_key(
        self, request: Request, services: HubServices, principal: Principal, media_type: str
    ) -> AnswerKey | None:
        """The whole-answer cache's key of this request, or None when it cannot be cached."""
        if not self.answers.enabled:
            return None
        method = request.method
        raw_parameters: bytes = request.scope["query_string"] if method == "GET" else await request.body()
        return self.answers.key(
            method=method,
            raw_parameters=raw_parameters,
            principal=principal,
            media_type=media_type,
            access_version=await services.auth.access.version(),
            consent_day=consent_today(),
        )

    def keep_answer(
        self, request: Request, key: AnswerKey, response: Response, cache_writes_before: int
    ) -> None:
        """Cache the answer just executed if it qualifies (see :mod:`schema.answer_cache`)."""
        context: Context | None = getattr(request.state, "context", None)
        if (
            context is None
            or not context.reads_source_data_only
            or getattr(request.state, "had_errors", True)
        ):
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

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(with_local_assets(self.graphql_ide_html))

    def wants_graphiql(self, request: Request) -> bool:
        """A browser asking for the page: GET without ``query``, with an Accept naming ``text/html``."""
        accept = request.headers.get("accept", "")
        return (
            self.graphql_ide is not None
            and request.method == "GET"
            and "text/html" in accept.lower()  # cheap test first: API clients never ask for HTML
            and "query" not in request.query_params
            and dict(_media_ranges(accept)).get("text/html", 0.0) > 0
        )

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # strawberry would render GraphiQL for ``Accept: */*`` too, labelled as JSON by then; the page is
        # answered in ``answer`` (before authentication), so anything reaching strawberry is a request.
        return False

    def decode_json(self, data: str | bytes) -> object:
        """A JSON value of the request (the POST body, or GET's ``variables``/``extensions``): an object."""
        try:
            value = json.loads(data)
        except UnicodeDecodeError as error:
            raise HTTPException(400, "the request body is not UTF-8 JSON") from error
        except RecursionError as error:
            raise HTTPException(400, "the request's JSON is nested too deeply") from error
        if not isinstance(value, dict):
            batch = (
                " (one operation per request: batches are not supported)" if isinstance(value, list) else ""
            )
            raise HTTPException(400, f"expected a JSON object, not {_json_kind(value)}{batch}")
        return value

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        assert isinstance(request, Request) and isinstance(response, Response), "HTTP only"
        services: HubServices = request.app.state.services
        principal = request.state.principal
        context = request.state.context = Context(
            request=request,
            response=response,
            services=services,
            principal=principal,
            loaders=create_loaders(
                reader=services.sources,
                consents=services.auth,
                principal=principal,
                max_batch=self.settings.max_batch_size,
            ),
            accesses=DataAccessLog(),
        )
        return context

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        request.state.had_errors = bool(result.errors)
        if result.errors:
            production = self.settings.env == "prod"
            result.errors = [map_error(error, production=production) for error in result.errors]
        body = process_result(result)
        if result.data is None and result.errors and all(error.path is None for error in result.errors):
            # Nothing executed: a request error. The spec's response has no "data" entry then.
            request.state.request_error = True
            body.pop("data", None)
        return body


def graphql_route(settings: Settings) -> BaseRoute:
    """``/graphql``, every method routed to the view (it answers 405 itself, in GraphQL form)."""
    return Route("/graphql", GraphQLView(settings))


__all__ = ["GraphQLView", "graphql_route", "negotiate"]
