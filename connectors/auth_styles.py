"""How a connector proves who it is to its upstream: small ``httpx.Auth`` strategies in a registry.

A new style is a class here registered in :data:`AUTH_STYLES` under a new name: subclass
:class:`AuthStyle`, declare ``credential_names`` and implement ``from_config`` plus httpx's
``auth_flow`` (or ``async_auth_flow``). Secrets stay in ``SecretStr`` until the moment of signing.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
import warnings
from collections.abc import AsyncGenerator, Generator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import quote

import httpx

with warnings.catch_warnings():
    # authlib >= 1.8 prefers the httpx2 fork and warns when it falls back to httpx, which the hub uses.
    # Its deprecate module forces "always" for its warnings on import, so it is imported before the filter.
    import authlib.deprecate  # noqa: F401

    warnings.filterwarnings("ignore", message=r".*httpx2.*")
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
    from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey, RSAKey, import_key

from foundation.errors import UpstreamRejected

if TYPE_CHECKING:
    from connectors.config import SourceConfig

AuthStyleName = Literal[
    "api_key_header",
    "oauth2_client_credentials",
    "oauth2_private_key_jwt",
    "hmac_signed_headers",
    "signed_query",
]


class AuthStyle(httpx.Auth):
    """Extension point: one way of authenticating requests to an upstream."""

    credential_names: ClassVar[tuple[str, ...]]

    @classmethod
    def from_config(cls, source: str, config: SourceConfig, options: Mapping[str, str]) -> AuthStyle:
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release what the style holds (a token client); most hold nothing."""


def canonical_query(params: httpx.QueryParams, *, without: str | None = None) -> str:
    """``k=v`` pairs sorted by name (then value), RFC 3986 percent-encoded, joined by ``&``."""
    pairs = sorted((key, value) for key, value in params.multi_items() if key != without)
    return "&".join(f"{quote(key, safe='-_.~')}={quote(value, safe='-_.~')}" for key, value in pairs)


def hmac_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class ApiKeyHeader(AuthStyle):
    """A static key in a header (``options["header"]``, default ``X-API-Key``)."""

    credential_names = ("api_key",)

    def __init__(self, header: str, api_key: str) -> None:
        self._header = header
        self._api_key = api_key

    @classmethod
    def from_config(cls, source: str, config: SourceConfig, options: Mapping[str, str]) -> AuthStyle:
        return cls(options.get("header", "X-API-Key"), config.credential("api_key"))

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._api_key
        yield request


class _AppKeyAndSecret(AuthStyle):
    """Base of the styles that sign with an app key and its secret."""

    credential_names = ("app_key", "app_secret")

    def __init__(self, app_key: str, app_secret: str) -> None:
        self._app_key = app_key
        self._app_secret = app_secret

    @classmethod
    def from_config(cls, source: str, config: SourceConfig, options: Mapping[str, str]) -> AuthStyle:
        return cls(config.credential("app_key"), config.credential("app_secret"))


class HmacSignedHeaders(_AppKeyAndSecret):
    """HMAC-SHA256 over method, path, sorted query, timestamp and a fresh nonce, sent in ``X-*`` headers."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # Signed per send, so every retry carries a fresh timestamp and nonce (the server rejects replays).
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        canonical = "\n".join(
            (request.method, request.url.path, canonical_query(request.url.params), timestamp, nonce)
        )
        request.headers["X-App-Key"] = self._app_key
        request.headers["X-Timestamp"] = timestamp
        request.headers["X-Nonce"] = nonce
        request.headers["X-Signature"] = hmac_hex(self._app_secret, canonical)
        yield request


class SignedQuery(_AppKeyAndSecret):
    """``app_key``, ``ts`` and ``sign`` (HMAC-SHA256 of the other parameters, sorted) in the query."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        params = request.url.params.set("app_key", self._app_key).set("ts", str(int(time.time())))
        params = params.set("sign", hmac_hex(self._app_secret, canonical_query(params, without="sign")))
        request.url = request.url.copy_with(params=params)
        yield request


class OAuth2ClientCredentials(AuthStyle):
    """Bearer tokens from the client-credentials grant (authlib), cached and renewed before expiry.

    Options: ``token_path`` (default ``/oauth/token``) relative to the base URL. A 401 on a data request
    (a token revoked or expired early) renews the token once and resends.
    """

    credential_names = ("client_id", "client_secret")
    requires_response_body = True

    def __init__(
        self, source: str, token_url: str, client_id: str, client_secret: str, timeout: float
    ) -> None:
        self._source = source
        self._token_url = token_url
        self._oauth = self._token_client(token_url, client_id, client_secret, timeout)
        self._lock = asyncio.Lock()
        self._leeway_s = 30
        self._failure: tuple[float, Exception] | None = None  # the last token fetch's failure, and when

    def _token_client(self, token_url: str, client_id: str, secret: Any, timeout: float) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=client_id,
            client_secret=secret,
            token_endpoint=token_url,
            grant_type="client_credentials",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name, not a secret
            timeout=timeout,
        )

    @classmethod
    def from_config(cls, source: str, config: SourceConfig, options: Mapping[str, str]) -> AuthStyle:
        token_url = config.base_url + options.get("token_path", "/oauth/token")
        return cls(
            source,
            token_url,
            config.credential("client_id"),
            config.credential("client_secret"),
            config.timeout_s,
        )

    async def _access_token(self, *, renew_if: str | None = None) -> str:
        asked_at = time.monotonic()
        async with self._lock:
            # Requests that waited for a token fetch which failed share its failure instead of each asking
            # the token endpoint again (side-by-side listings would multiply its load in an outage).
            if self._failure is not None and self._failure[0] >= asked_at:
                raise self._failure[1]
            token: Any = self._oauth.token
            stale = not token or token.is_expired(leeway=self._leeway_s) or token["access_token"] == renew_if
            if stale:
                try:
                    token = await self._oauth.fetch_token(self._token_url, grant_type="client_credentials")
                except OAuthError as error:
                    rejected = UpstreamRejected(self._source, 401, str(error.error))
                    self._failure = (time.monotonic(), rejected)
                    raise rejected from None
                except Exception as error:
                    self._failure = (time.monotonic(), error)
                    raise
            return str(token["access_token"])

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        access_token = await self._access_token()
        request.headers["Authorization"] = f"Bearer {access_token}"
        response = yield request
        if response.status_code == httpx.codes.UNAUTHORIZED:
            request.headers["Authorization"] = f"Bearer {await self._access_token(renew_if=access_token)}"
            yield request

    async def aclose(self) -> None:
        await self._oauth.aclose()


class _ShortLivedPrivateKeyJWT(PrivateKeyJWT):  # type: ignore[misc]
    """authlib's ``private_key_jwt`` with the key's algorithm and assertions living one minute (authlib's
    default is an hour; a provider may refuse more than a few minutes). A fresh ``jti`` every time."""

    def __init__(self, token_endpoint: str, key: ECKey | RSAKey | OKPKey, alg: str) -> None:
        super().__init__(token_endpoint, alg=alg)
        self._key = key

    def sign(self, auth: Any, token_endpoint: str) -> str:
        assertion: str = private_key_jwt_sign(
            self._key,
            client_id=auth.client_id,
            token_endpoint=token_endpoint,
            alg=self.alg,
            expires_in=ASSERTION_TTL_S,
        )
        return assertion


ASSERTION_TTL_S = 60


def _private_key(source: str, text: str) -> ECKey | RSAKey | OKPKey:
    """A JWK (JSON: its ``kty`` says the type) or a PEM private key, of the types JWT signatures use."""
    found: object = None
    if text.lstrip().startswith("{"):
        try:
            found = import_key(json.loads(text))
        except (JoseError, ValueError, TypeError):
            found = None
    else:
        for key_type in (ECKey, RSAKey, OKPKey):
            try:
                found = key_type.import_key(text)
                break
            except (JoseError, ValueError, TypeError):
                continue
    if not isinstance(found, ECKey | RSAKey | OKPKey):
        raise ValueError(f"{source}: private_key is not a usable JWK or PEM key (EC, RSA or OKP)")
    return found


_ALGORITHMS = {"EC": "ES256", "RSA": "RS256", "OKP": "EdDSA"}


class OAuth2PrivateKeyJWT(OAuth2ClientCredentials):
    """Bearer tokens from the client-credentials grant, the client authenticated by a JWT it signs with its
    own private key (``private_key_jwt``: RFC 7523 §2.2, OpenID Connect Core §9): the provider verifies it
    against the public key the client registered. No shared secret is sent.

    Credentials: ``client_id`` and ``private_key`` (a JWK, as JSON, or PEM). Options: ``token_path``
    (default ``/oauth2/token``); the assertion's audience is the token endpoint's URL.
    """

    credential_names = ("client_id", "private_key")

    def _token_client(self, token_url: str, client_id: str, secret: Any, timeout: float) -> AsyncOAuth2Client:
        key = _private_key(self._source, secret)
        client = AsyncOAuth2Client(
            client_id=client_id,
            client_secret=None,
            token_endpoint=token_url,
            grant_type="client_credentials",
            token_endpoint_auth_method="private_key_jwt",  # noqa: S106 - a method name, not a secret
            timeout=timeout,
        )
        client.register_client_auth_method(
            _ShortLivedPrivateKeyJWT(token_url, key, _ALGORITHMS[key.key_type])
        )
        return client

    @classmethod
    def from_config(cls, source: str, config: SourceConfig, options: Mapping[str, str]) -> AuthStyle:
        token_url = config.base_url + options.get("token_path", "/oauth2/token")
        return cls(
            source,
            token_url,
            config.credential("client_id"),
            config.credential("private_key"),
            config.timeout_s,
        )


AUTH_STYLES: dict[AuthStyleName, type[AuthStyle]] = {
    "api_key_header": ApiKeyHeader,
    "oauth2_client_credentials": OAuth2ClientCredentials,
    "oauth2_private_key_jwt": OAuth2PrivateKeyJWT,
    "hmac_signed_headers": HmacSignedHeaders,
    "signed_query": SignedQuery,
}


def missing_credentials(style: AuthStyleName, config: SourceConfig) -> list[str]:
    return [name for name in AUTH_STYLES[style].credential_names if name not in config.credentials]


def build_auth(
    source: str, style: AuthStyleName, config: SourceConfig, options: Mapping[str, str]
) -> AuthStyle:
    return AUTH_STYLES[style].from_config(source, config, {**options, **config.auth_options})
