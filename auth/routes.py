"""HTTP endpoints of the authorisation server (RFC 6749 token, RFC 7662, RFC 7009, RFC 8414, JWKS)."""

from __future__ import annotations

from typing import Any

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from auth.client_auth import presented_credentials, source_address
from auth.clients import GRANT_TYPES, TOKEN_ENDPOINT_AUTH_METHODS
from auth.principal import ALL_SCOPES
from auth.server import (
    HubAuthorizationServer,
    KnownToken,
    Outcome,
    PreparedRequest,
    oauth_error_response,
    read_form,
    run_in_server,
)
from auth.service import AuthService

_PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


def _auth(request: Request) -> AuthService:
    auth: AuthService = request.app.state.services.auth
    return auth


async def _prepare(request: Request, auth: AuthService, *, with_token: bool) -> PreparedRequest:
    """The form, the authenticated client and the token it presents; every failure an OAuth2Error."""
    form = await read_form(request)
    authenticated = await auth.client_auth.authenticate(
        presented_credentials(request.headers, form),
        address=source_address(request.client.host if request.client else None),
        endpoint=request.url.path,
    )
    tokens: dict[str, KnownToken] = {}
    if with_token and form.get("token"):
        known = await auth.known_token(form["token"])
        if known is not None:
            tokens[form["token"]] = known
    return PreparedRequest(
        method=request.method,
        uri=str(request.url),
        headers=request.headers,
        form=form,
        client=authenticated.client,
        auth_method=authenticated.method,
        tokens=tokens,
    )


async def token(request: Request) -> Response:
    """RFC 6749 §4.4 client credentials grant; errors per §5.2."""
    auth = _auth(request)
    try:
        prepared = await _prepare(request, auth, with_token=False)
    except OAuth2Error as error:
        return oauth_error_response(error)
    if not prepared.form.get("grant_type"):
        return oauth_error_response(_missing("grant_type"))

    def create(server: HubAuthorizationServer) -> Outcome:
        outcome: Outcome = server.create_token_response(prepared)
        return outcome

    async def persist(done: PreparedRequest) -> None:
        await auth.record_issued(done.issued)

    return await run_in_server(prepared, auth.token_generator, create, persist)


async def introspect(request: Request) -> Response:
    """RFC 7662: a client of the same tenant learns whether a token is active and its claims."""
    return await _token_endpoint(request, "introspection")


async def revoke(request: Request) -> Response:
    """RFC 7009: the client a token was issued to revokes it; /graphql refuses it from then on."""
    return await _token_endpoint(request, "revocation")


async def _token_endpoint(request: Request, name: str) -> Response:
    auth = _auth(request)
    try:
        prepared = await _prepare(request, auth, with_token=True)
    except OAuth2Error as error:
        return oauth_error_response(error)

    def respond(server: HubAuthorizationServer) -> Outcome:
        outcome: Outcome = server.create_endpoint_response(name, prepared)
        return outcome

    async def persist(done: PreparedRequest) -> None:
        await auth.revoke(done.revoked)

    return await run_in_server(prepared, auth.token_generator, respond, persist)


def _missing(parameter: str) -> OAuth2Error:
    return InvalidRequestError(f"missing parameter {parameter!r}")


def authorization_server_metadata(issuer: str) -> dict[str, Any]:
    """RFC 8414 metadata of the hub's authorisation server."""
    methods = list(TOKEN_ENDPOINT_AUTH_METHODS)
    return {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/oauth/token",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "scopes_supported": sorted(ALL_SCOPES),
        # Required by RFC 8414; empty because client credentials need no authorisation endpoint.
        "response_types_supported": [],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": methods,
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "introspection_endpoint_auth_methods_supported": methods,
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "revocation_endpoint_auth_methods_supported": methods,
    }


async def metadata(request: Request) -> Response:
    return JSONResponse(
        authorization_server_metadata(_auth(request).settings.issuer_url), headers=_PUBLIC_CACHE
    )


async def jwks(request: Request) -> Response:
    """The public keys verifying access tokens, current first; retired ones stay until their tokens expire."""
    return JSONResponse(_auth(request).keys.keys().public_jwks(), headers=_PUBLIC_CACHE)


def oauth_routes() -> list[BaseRoute]:
    return [
        Route("/oauth/token", token, methods=["POST"]),
        Route("/oauth/introspect", introspect, methods=["POST"]),
        Route("/oauth/revoke", revoke, methods=["POST"]),
        Route("/.well-known/oauth-authorization-server", metadata, methods=["GET"]),
        Route("/.well-known/jwks.json", jwks, methods=["GET"]),
    ]
