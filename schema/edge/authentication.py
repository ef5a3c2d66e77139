"""Who is calling ``/graphql``: starlette's ``AuthenticationMiddleware`` with a bearer-token backend.

Each request the edge admitted for execution (it has a :class:`~schema.edge.exchange.GraphQLExchange`
that is not the GraphiQL page) is authenticated by ``AuthService.authenticate`` before any route sees
it: its principal becomes ``scope["user"]`` (a :class:`PrincipalUser`; :func:`principal_of` reads it)
and its scopes ``scope["auth"]``. A refused token (missing, malformed, forged, expired, revoked, its
client disabled) is answered here: 401 with ``WWW-Authenticate: Bearer realm="hub"`` and an
``UNAUTHENTICATED`` GraphQL error in the negotiated media type. Everything else passes unauthenticated
(starlette's ``UnauthenticatedUser``): ``/oauth/*`` authenticates clients itself; health, metrics, the
JWKS and metadata documents, GraphiQL and its assets are public.
"""

from __future__ import annotations

from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError, BaseUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import Scope

from auth.principal import Principal
from foundation.errors import Unauthenticated
from schema.edge.exchange import exchange_of
from schema.edge.refusals import unauthenticated_response
from schema.negotiation import JSON


class PrincipalUser(BaseUser):
    """A principal as starlette's ``request.user`` (``is_authenticated`` is false for the dev-only
    anonymous principal)."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @property
    def is_authenticated(self) -> bool:
        return not self.principal.anonymous

    @property
    def display_name(self) -> str:
        return self.principal.client_id

    @property
    def identity(self) -> str:
        return self.principal.client_id


class BearerRefused(AuthenticationError):
    """The request's token was refused; ``refusal`` says why."""

    def __init__(self, refusal: Unauthenticated) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


class BearerTokens(AuthenticationBackend):
    """The caller of an admitted ``/graphql`` request, from its ``Authorization: Bearer`` header."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        exchange = exchange_of(conn.scope)
        if exchange is None or exchange.graphiql:
            return None
        try:
            principal = await exchange.services.auth.authenticate(_authorization(conn.scope))
        except Unauthenticated as refusal:
            raise BearerRefused(refusal) from refusal
        return AuthCredentials(list(principal.scopes)), PrincipalUser(principal)


def refuse(conn: HTTPConnection, error: AuthenticationError) -> Response:
    """The 401 of a refused token (``AuthenticationMiddleware``'s ``on_error``)."""
    refusal = error.refusal if isinstance(error, BearerRefused) else Unauthenticated(str(error))
    exchange = exchange_of(conn.scope)
    return unauthenticated_response(refusal, exchange.result_media_type if exchange else JSON)


def _authorization(scope: Scope) -> str | None:
    """The first Authorization header (ASGI names are lower case; starlette's ``Headers`` costs more)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return str(value.decode("latin-1"))
    return None


def principal_of(scope: Scope) -> Principal | None:
    """The caller :class:`BearerTokens` authenticated, or None for a request it did not authenticate."""
    user = scope.get("user")
    return user.principal if isinstance(user, PrincipalUser) else None


def bearer_authentication() -> Middleware:
    return Middleware(AuthenticationMiddleware, backend=BearerTokens(), on_error=refuse)
