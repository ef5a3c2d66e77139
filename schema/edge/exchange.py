"""One ``/graphql`` request as the edge and the view learn about it, kept in its ASGI scope.

:class:`~schema.edge.admission.GraphQLAdmission` puts it there when it admits a request (with the media
type negotiated and the app's services); the view fills in what execution finds. The caller is not in it:
that is starlette's ``scope["user"]`` (:func:`schema.edge.authentication.principal_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from starlette.types import Scope

from schema.negotiation import GRAPHQL_RESPONSE_JSON, HTML, JSON, MediaType, ResultMediaType

if TYPE_CHECKING:
    from hub.services import HubServices
    from schema.context import Context

GRAPHQL_PATH: Final = "/graphql"
SCOPE_KEY: Final = "hub.graphql"
"""The scope entry holding a request's :class:`GraphQLExchange`."""


@dataclass(slots=True)
class GraphQLExchange:
    """Per-request state of ``/graphql``: set by the edge, then by the view while it executes."""

    services: HubServices
    """The services of the app answering (``app.state.services``), looked up once per request."""
    media_type: MediaType
    context: Context | None = None
    """The resolvers' context, once the view built it."""
    had_errors: bool = True
    """Whether the result had errors; until there is a result, assume so (nothing is cached)."""
    request_error: bool = False
    """Nothing executed (parse, validation, limits, variables): 400 with ``graphql-response+json``."""

    @property
    def graphiql(self) -> bool:
        """A browser asking for the GraphiQL page, not a GraphQL request."""
        return self.media_type == HTML

    @property
    def result_media_type(self) -> ResultMediaType:
        """What a result or an HTTP-level refusal of this request is answered in."""
        return GRAPHQL_RESPONSE_JSON if self.media_type == GRAPHQL_RESPONSE_JSON else JSON


def exchange_of(scope: Scope) -> GraphQLExchange | None:
    """The request's exchange, or None when the edge did not admit it (another route, a websocket)."""
    exchange = scope.get(SCOPE_KEY)
    return exchange if isinstance(exchange, GraphQLExchange) else None
