"""A bare app behind the /graphql edge, with a stand-in for the auth service: what reaches the route."""

from __future__ import annotations

from types import SimpleNamespace

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from auth.principal import Principal
from foundation.errors import RateLimited, Unauthenticated
from foundation.settings import Settings
from schema.edge import graphql_edge
from schema.edge.authentication import PrincipalUser, principal_of

PRINCIPAL = Principal(tenant_id="bank-a", client_id="client-1", scopes=frozenset({"tax:read", "admin"}))
GOOD = "Bearer good"
EXPIRED = "access token rejected: token has expired"


class StandInAuth:
    """``authenticate`` knows one token; ``check_rate_limit`` records what it takes, or refuses."""

    def __init__(self) -> None:
        self.taken: list[int] = []
        self.refusal: RateLimited | None = None

    async def authenticate(self, authorization: str | None) -> Principal:
        if authorization == GOOD:
            return PRINCIPAL
        raise Unauthenticated(EXPIRED)

    async def check_rate_limit(self, principal: Principal, *, tokens: int = 1) -> None:
        if self.refusal is not None:
            raise self.refusal
        self.taken.append(tokens)


async def _reached(request: Request) -> JSONResponse:
    """What the route sees of its caller."""
    user = request.user
    return JSONResponse(
        {
            "principal": principal_of(request.scope) == PRINCIPAL,
            "user": isinstance(user, PrincipalUser) and user.identity,
            "authenticated": user.is_authenticated,
            "scopes": sorted(request.auth.scopes),
        }
    )


def edge_app(auth: StandInAuth) -> Starlette:
    routes = [Route("/graphql", _reached, methods=["GET", "POST"]), Route("/healthz", _reached)]
    app = Starlette(routes=routes, middleware=graphql_edge(Settings.model_construct(graphiql=True)))
    app.state.services = SimpleNamespace(auth=auth)
    return app
