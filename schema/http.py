"""GraphQL over HTTP at ``/graphql``: GET and POST, ``application/json`` and
``application/graphql-response+json``, GraphiQL for browsers when enabled.

The edge answers first (:mod:`schema.edge`): 405, 406 and 415 (:mod:`schema.negotiation`), then 401 and
the rate limit's 429, so this view sees only admitted, authenticated requests. It executes them through
the answer cache (:mod:`schema.cached_execution`) with strawberry's view, and answers what strawberry does
not (checked against its source): 400 for a body that is not one JSON object (batches are not supported)
or not UTF-8, 400 for a GET without ``query``, 405 for a mutation over GET, 429 for a request whose cost
is over the rate limit once known (:mod:`schema.limits`), and with ``application/graphql-response+json``
a request error (parse, validation, limits, variables: nothing executed) is 400 without a ``data`` entry,
as the spec asks. Every HTTP-level error is a GraphQL error body with ``extensions.code``.
"""

from __future__ import annotations

import json

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

from auth.principal import Principal
from connectors.deadline import read_deadline
from foundation.errors import BadRequest
from foundation.settings import Settings
from schema.answer_cache import AnswerCache
from schema.build import build_schema
from schema.cached_execution import CachedExecution
from schema.context import Context
from schema.data_access import DataAccessLog
from schema.edge.authentication import principal_of
from schema.edge.exchange import GRAPHQL_PATH, GraphQLExchange, exchange_of
from schema.edge.refusals import error_response, rate_limited_response
from schema.errors import map_error
from schema.graphiql import with_local_assets
from schema.loaders import create_loaders
from schema.negotiation import GRAPHQL_RESPONSE_JSON


def _json_kind(value: object) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def _exchange(scope: Scope) -> GraphQLExchange:
    """The request's exchange; a request the edge did not admit is refused (fail closed)."""
    exchange = exchange_of(scope)
    if exchange is None:
        raise RuntimeError("/graphql reached without its edge middleware (schema.edge.graphql_edge)")
    return exchange


def _principal(scope: Scope) -> Principal:
    """The request's caller; a request nobody authenticated is refused (fail closed)."""
    principal = principal_of(scope)
    if principal is None:
        raise RuntimeError("/graphql reached without a principal (schema.edge.authentication)")
    return principal


class GraphQLView(GraphQL[Context, None]):
    """The ``/graphql`` endpoint (an ASGI app behind :func:`schema.edge.graphql_edge`)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            allow_queries_via_get=True,
            subscription_protocols=(),
        )
        self.settings = settings
        answers = AnswerCache(
            ttl_s=settings.response_cache_ttl_s,
            max_bytes=settings.response_cache_mib * 1024 * 1024,
            recheck_after_s=settings.access_refresh_ms / 1000,
        )
        self.execution = CachedExecution(answers, self.execute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await WebSocket(scope, receive, send).close(code=1003)
            return
        exchange = _exchange(scope)
        request = Request(scope, receive)
        if exchange.graphiql:
            response = await self.render_graphql_ide(request)
        else:
            response = await self.execution(request, exchange, _principal(scope))
        await response(scope, receive, send)

    async def execute(self, request: Request, exchange: GraphQLExchange) -> Response:
        """Run the request with strawberry's view; the answer's status and content type set."""
        media_type = exchange.result_media_type
        try:
            with read_deadline(self.settings.request_deadline_s):
                response = await self.run(request)
        except HTTPException as refusal:
            if isinstance(refusal.__cause__, InvalidOperationTypeError):
                # A mutation over GET: the spec's answer is 405, pointing at POST.
                return error_response(405, BadRequest(refusal.reason), media_type, {"Allow": "POST"})
            return error_response(refusal.status_code, BadRequest(refusal.reason), media_type)
        if exchange.context is not None and exchange.context.rate_refusal is not None:
            # Over the limit once its cost was known (schema/limits.py): nothing executed.
            return rate_limited_response(exchange.context.rate_refusal, media_type)
        if media_type == GRAPHQL_RESPONSE_JSON and exchange.request_error:
            response.status_code = 400
        response.headers["content-type"] = f"{media_type}; charset=utf-8"
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(with_local_assets(self.graphql_ide_html))

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # strawberry would render GraphiQL for ``Accept: */*`` too, labelled as JSON by then; the page is
        # admitted at the edge (schema.negotiation), so anything reaching strawberry is a request.
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
        exchange, principal = _exchange(request.scope), _principal(request.scope)
        services = exchange.services
        context = exchange.context = Context(
            request=request,
            response=response,
            services=services,
            principal=principal,
            loaders=create_loaders(
                reader=services.sources,
                consents=services.auth,
                principal=principal,
                max_batch=self.settings.max_batch_size,
                deadline_s=self.settings.read_deadline_s,
            ),
            accesses=DataAccessLog(),
        )
        return context

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        exchange = _exchange(request.scope)
        exchange.had_errors = bool(result.errors)
        if result.errors:
            production = self.settings.env == "prod"
            result.errors = [map_error(error, production=production) for error in result.errors]
        body = process_result(result)
        if result.data is None and result.errors and all(error.path is None for error in result.errors):
            # Nothing executed: a request error. The spec's response has no "data" entry then.
            exchange.request_error = True
            body.pop("data", None)
        return body


def graphql_route(settings: Settings) -> BaseRoute:
    """``/graphql``, every method routed to the view (the edge answers other methods with 405 first)."""
    return Route(GRAPHQL_PATH, GraphQLView(settings))


__all__ = ["GraphQLView", "graphql_route"]
