"""RFC 9068 JWT access tokens: issued through authlib's generator, verified with joserfc.

Header ``typ: at+jwt`` and ``kid``; claims ``iss, sub (= client_id), aud, exp, iat, jti, client_id, scope``
and ``tenant`` (the bank the client belongs to); ``tenant_kind`` (``bank`` | ``regulator``), signed with
the rest, so a resource server knows a regulator's token without a lookup (a token without it: a bank's).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from auth.principal import TENANT_KINDS, TenantKind
from foundation.errors import Unauthenticated
from foundation.signing_keys import ALGORITHM, CLOCK_LEEWAY_S, KeyFile, SigningKeys

TOKEN_TYPE = "at+jwt"  # noqa: S105 - the RFC 9068 media type


class HubTokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc]
    """authlib's RFC 9068 generator with the hub's key file, audience, lifetime and ``tenant`` claim.

    ``client`` is an ``auth.clients.RegisteredClient``.
    """

    def __init__(self, *, issuer: str, audience: str, ttl_s: int, key_file: KeyFile) -> None:
        super().__init__(issuer=issuer, alg=ALGORITHM, expires_generator=ttl_s)
        self._audience = audience
        self._key_file = key_file

    def get_jwks(self) -> KeySet:
        return self._key_file.keys().signing_set()

    def get_audiences(self, client: Any, user: Any, scope: str) -> str:
        return self._audience

    def get_extra_claims(self, client: Any, grant_type: str, user: Any, scope: str) -> dict[str, Any]:
        return {"tenant": client.tenant_id, "tenant_kind": client.tenant_kind}


@dataclass(frozen=True, slots=True)
class AccessToken:
    """The verified claims of an access token."""

    token_id: str
    client_id: str
    tenant_id: str
    scopes: frozenset[str]
    issued_at: int
    expires_at: int
    claims: dict[str, Any]
    tenant_kind: TenantKind = "bank"

    @property
    def expires_at_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.expires_at, UTC)

    def is_expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) > self.expires_at + CLOCK_LEEWAY_S


def _claims_registry(issuer: str, audience: str) -> JWTClaimsRegistry:
    return JWTClaimsRegistry(
        leeway=CLOCK_LEEWAY_S,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        iat={"essential": True},
        jti={"essential": True},
        sub={"essential": True},
        client_id={"essential": True},
        tenant={"essential": True},
    )


def verify_access_token(
    token: str, *, keys: SigningKeys, issuer: str, audience: str, allow_expired: bool = False
) -> AccessToken:
    """Check signature (any key of the set), type, issuer, audience and, unless ``allow_expired``, expiry.

    Raises :class:`Unauthenticated` saying which check failed. Introspection and revocation pass
    ``allow_expired`` because an expired token is an answer there (inactive), not an error.
    """
    try:
        decoded = jwt.decode(token, keys.verification_set, algorithms=[ALGORITHM])
    except JoseError as error:
        raise Unauthenticated(f"access token rejected: {error.error}") from None
    except ValueError:
        raise Unauthenticated("access token rejected: malformed token") from None
    if decoded.header.get("typ") != TOKEN_TYPE:
        raise Unauthenticated(f"access token rejected: header typ must be {TOKEN_TYPE}")
    claims = decoded.claims
    expires_at = claims.get("exp")
    if not isinstance(expires_at, int | float) or isinstance(expires_at, bool):
        raise Unauthenticated("access token rejected: exp must be a NumericDate")
    try:
        # exp is checked below, so that introspection can still read an expired token's other claims.
        _claims_registry(issuer, audience).validate({k: v for k, v in claims.items() if k != "exp"})
    except JoseError as error:
        raise Unauthenticated(f"access token rejected: {error.description}") from None
    if claims["sub"] != claims["client_id"]:
        raise Unauthenticated("access token rejected: sub is not the client")
    tenant_kind = claims.get("tenant_kind", "bank")
    if tenant_kind not in TENANT_KINDS:
        raise Unauthenticated(f"access token rejected: tenant_kind must be one of {', '.join(TENANT_KINDS)}")
    access_token = AccessToken(
        token_id=str(claims["jti"]),
        client_id=str(claims["client_id"]),
        tenant_id=str(claims["tenant"]),
        scopes=frozenset(str(claims.get("scope") or "").split()),
        issued_at=int(claims["iat"]),
        expires_at=int(expires_at),
        claims=claims,
        tenant_kind=tenant_kind,
    )
    if not allow_expired and access_token.is_expired():
        raise Unauthenticated("access token rejected: token has expired")
    return access_token
