"""``/graphql`` at the HTTP edge: ASGI middleware that answer what they can before the view runs.

Outermost first (:func:`graphql_edge`): content negotiation (405, 406, 415; the GraphiQL page admitted
unauthenticated), authentication (401), the rate limit's first token (429). The view sees only requests
that passed all three, each with its typed :class:`~schema.edge.exchange.GraphQLExchange` and principal.
"""

from __future__ import annotations

from starlette.middleware import Middleware

from foundation.settings import Settings
from schema.edge.admission import GraphQLAdmission
from schema.edge.authentication import bearer_authentication
from schema.edge.rate_limit import RateLimit


def graphql_edge(settings: Settings) -> list[Middleware]:
    """The edge's middleware in their order, to follow the body limits (:mod:`hub.http_limits`)."""
    return [
        Middleware(GraphQLAdmission, graphiql=settings.graphiql_enabled),
        bearer_authentication(),
        Middleware(RateLimit),
    ]


__all__ = ["graphql_edge"]
