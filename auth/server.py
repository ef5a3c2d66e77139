"""The OAuth 2 authorisation server: authlib's grant and endpoints behind async starlette handlers.

authlib's hooks are synchronous, so each request runs in two halves. The async half reads the form,
authenticates the client (:mod:`auth.client_auth`; authlib checks no secret) and checks the token it carries
(database work), then hands a :class:`PreparedRequest` to a per-request :class:`HubAuthorizationServer`,
which runs in a worker thread (ES256 signing is CPU work) and only reads what was prepared. What authlib
decided to persist (issued tokens, revocations) comes back in the :class:`PreparedRequest` and is written by
the async half.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import InvalidRequestError, InvalidScopeError, OAuth2Request
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.client_auth import ClientAuthFailedError
from auth.clients import TOKEN_ENDPOINT_AUTH_METHODS, RegisteredClient
from auth.principal import ALL_SCOPES
from auth.tokens import AccessToken, HubTokenGenerator


@dataclass(frozen=True)
class KnownToken:
    """A token presented to introspection or revocation, already verified and looked up."""

    access_token: AccessToken
    revoked: bool

    def is_expired(self) -> bool:
        return self.access_token.is_expired()

    def is_revoked(self) -> bool:
        return self.revoked

    def check_client(self, client: RegisteredClient) -> bool:
        return self.access_token.client_id == client.client_id


@dataclass
class PreparedRequest:
    """Everything authlib may ask for, loaded up front; and what it decided, collected for the async half."""

    method: str
    uri: str
    headers: Headers
    form: dict[str, str]
    client: RegisteredClient
    auth_method: str
    tokens: dict[str, KnownToken]
    issued: list[tuple[dict[str, Any], RegisteredClient]] = field(default_factory=list)
    revoked: list[KnownToken] = field(default_factory=list)


class PreparedOAuth2Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, prepared: PreparedRequest) -> None:
        super().__init__(prepared.method, prepared.uri, headers=prepared.headers)
        self.payload = BasicOAuth2Payload(prepared.form)
        self._form = prepared.form

    @property
    def args(self) -> dict[str, str]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        return self._form


class HubClientCredentialsGrant(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_ENDPOINT_AUTH_METHODS)

    def validate_requested_scope(self) -> None:
        """A client may ask for any subset of its own scopes (none asked: all of them)."""
        requested = set((self.request.payload.scope or "").split())
        refused = sorted(requested - self.request.client.scopes)
        if refused:
            raise InvalidScopeError(
                safe_description(f"scopes not granted to this client: {' '.join(refused)}")
            )


class UnsupportedTokenTypeError(OAuth2Error):  # type: ignore[misc]
    """RFC 7009 §2.2.1: an error response as in RFC 6749 §5.2, so HTTP 400 (authlib's own one is 401)."""

    error = "unsupported_token_type"


def check_token_param(form: dict[str, str], *, hint_types: tuple[str, ...] | None) -> None:
    """``token`` is required; ``token_type_hint``, when ``hint_types`` is given, must be one of them."""
    if "token" not in form:
        raise InvalidRequestError("missing parameter 'token'")
    hint = form.get("token_type_hint")
    if hint_types is not None and hint and hint not in hint_types:
        raise UnsupportedTokenTypeError(f"token_type_hint must be one of: {', '.join(hint_types)}")


class HubIntrospectionEndpoint(IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_ENDPOINT_AUTH_METHODS)

    def check_params(self, request: OAuth2Request, client: RegisteredClient) -> None:
        # RFC 7662 §2.1 defines no error for the hint, and a server may ignore it: every token is a JWT here.
        check_token_param(request.form, hint_types=None)

    def query_token(self, token_string: str, token_type_hint: str | None) -> KnownToken | None:
        tokens: dict[str, KnownToken] = self.server.prepared.tokens
        return tokens.get(token_string)

    def check_permission(self, token: KnownToken, client: RegisteredClient, request: Any) -> bool:
        # A bank's clients may introspect its own tokens; another tenant's token reads as inactive.
        return token.access_token.tenant_id == client.tenant_id

    def introspect_token(self, token: KnownToken) -> dict[str, Any]:
        claims = token.access_token.claims
        return {
            "active": True,
            "token_type": "Bearer",
            **{
                name: claims[name]
                for name in ("scope", "client_id", "sub", "aud", "iss", "exp", "iat", "jti")
            },
            "tenant": claims["tenant"],
        }


class HubRevocationEndpoint(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_ENDPOINT_AUTH_METHODS)

    def check_params(self, request: OAuth2Request, client: RegisteredClient) -> None:
        # Both registered hints are accepted: a "refresh_token" hint on an access token extends the search.
        check_token_param(request.form, hint_types=self.SUPPORTED_TOKEN_TYPES)

    def query_token(self, token_string: str, token_type_hint: str | None) -> KnownToken | None:
        tokens: dict[str, KnownToken] = self.server.prepared.tokens
        return tokens.get(token_string)

    def revoke_token(self, token: KnownToken, request: Any) -> None:
        self.server.prepared.revoked.append(token)


class HubAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """One per request: the client is the one the async half authenticated, never read from the database."""

    def __init__(self, prepared: PreparedRequest, token_generator: HubTokenGenerator) -> None:
        super().__init__(scopes_supported=sorted(ALL_SCOPES))
        self.prepared = prepared
        self.register_grant(HubClientCredentialsGrant)
        self.register_token_generator("default", token_generator)
        self.register_endpoint(HubIntrospectionEndpoint)
        self.register_endpoint(HubRevocationEndpoint)

    def query_client(self, client_id: str) -> RegisteredClient | None:
        client = self.prepared.client
        return client if client.client_id == client_id else None

    def authenticate_client(
        self, request: OAuth2Request, methods: list[str], endpoint: str = "token"
    ) -> RegisteredClient:
        """The authenticated client, for every grant and endpoint: its secret was verified before."""
        if self.prepared.auth_method not in methods:
            raise ClientAuthFailedError()
        request.auth_method = self.prepared.auth_method
        return self.prepared.client

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.prepared.issued.append((token, request.client))

    def create_oauth2_request(self, request: PreparedRequest | OAuth2Request) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return PreparedOAuth2Request(request)

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("the hub has no JSON-bodied OAuth endpoints")

    def handle_response(
        self, status: int, body: dict[str, Any], headers: list[tuple[str, str]]
    ) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """authlib's signals are not used: the async half reads the outcome from the prepared request."""


MAX_FORM_BYTES = 16 * 1024
Outcome = tuple[int, dict[str, Any], list[tuple[str, str]]]


def safe_description(text: str) -> str:
    """``text`` with the characters RFC 6749 §5.2 forbids in ``error_description`` replaced by ``?``.

    Descriptions that quote the request (scopes, parameter names) need it: authlib raises on them.
    """
    forbidden = set(invalid_error_characters(text))
    return "".join("?" if char in forbidden else char for char in text)


def oauth_error_response(error: OAuth2Error) -> Response:
    status, body, headers = error()
    return JSONResponse(dict(body), status_code=status, headers=dict(headers))


async def read_form(request: Request) -> dict[str, str]:
    """The form as single values; a repeated parameter is an ``invalid_request`` (RFC 6749 §3.2)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise InvalidRequestError("the body must be application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InvalidRequestError("the request body is too large")
    values: dict[str, str] = {}
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequestError("the body is not a valid form") from None
    for name, value in pairs:
        if name in values:
            raise InvalidRequestError(safe_description(f"parameter {name!r} is repeated"))
        values[name] = value
    return values


async def run_in_server(
    prepared: PreparedRequest,
    token_generator: HubTokenGenerator,
    action: Callable[[HubAuthorizationServer], Outcome],
    persist: Callable[[PreparedRequest], Awaitable[None]],
) -> Response:
    """Run ``action`` on a server in a worker thread, persist what it decided, answer with its outcome."""

    def run() -> Outcome:
        server = HubAuthorizationServer(prepared, token_generator)
        try:
            return action(server)
        except OAuth2Error as error:
            # Raised outside authlib's own error handling (e.g. insecure transport).
            status, body, headers = error()
            return status, dict(body), list(headers)

    status, body, headers = await asyncio.to_thread(run)
    await persist(prepared)
    return JSONResponse(body, status_code=status, headers=dict(headers))
