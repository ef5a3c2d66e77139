"""The first step of ``/graphql`` at the HTTP edge: content negotiation, before authentication.

Refusals for the method, the Accept or the body's type (:mod:`schema.negotiation`) come before anything
else, as they always have: a client told 401 first would fix its token only to be told 406. A request
that passes goes on with its :class:`~schema.edge.exchange.GraphQLExchange` in the scope; requests for
other paths (and websockets) go on untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from schema.edge.exchange import GRAPHQL_PATH, SCOPE_KEY, GraphQLExchange
from schema.edge.refusals import refusal_response
from schema.negotiation import Refusal, negotiate_request


class GraphQLAdmission:
    """ASGI middleware admitting ``/graphql`` requests.

    Parameters:
        graphiql: whether a browser's GET is admitted for the GraphiQL page (``HUB_GRAPHIQL``).
        path: the GraphQL endpoint's path.
    """

    def __init__(self, app: ASGIApp, *, graphiql: bool, path: str = GRAPHQL_PATH) -> None:
        self.app = app
        self.graphiql = graphiql
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        accept, content_type = _negotiated_headers(scope)
        admitted = negotiate_request(
            scope["method"], accept, content_type, scope["query_string"], graphiql=self.graphiql
        )
        if isinstance(admitted, Refusal):
            await refusal_response(admitted)(scope, receive, send)
            return
        scope[SCOPE_KEY] = GraphQLExchange(scope["app"].state.services, admitted)
        await self.app(scope, receive, send)


def _negotiated_headers(scope: Scope) -> tuple[str | None, str | None]:
    """The first Accept and Content-Type of the request, read in one pass (ASGI names are lower case)."""
    accept = content_type = None
    for name, value in scope["headers"]:
        if name == b"accept" and accept is None:
            accept = value.decode("latin-1")
        elif name == b"content-type" and content_type is None:
            content_type = value.decode("latin-1")
    return accept, content_type
