"""Client authentication by a signed JWT: ``private_key_jwt`` (RFC 7523 §2.2, OpenID Connect Core §9).

:class:`ClientAssertionCheck` holds the registered clients' public keys and the ``jti`` values already used,
and tells which client an assertion authenticates, or why it does not (:class:`AssertionRejected`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import ECKey

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHM = "ES256"
MAX_LIFETIME_S = 300  # exp at most this long after iat
CLOCK_SKEW_S = 60  # how far ahead of the server's clock iat and nbf may be
MAX_JTI_LENGTH = 256
_DEFAULT_PORTS = {"http": 80, "https": 443}


class AssertionRejected(Exception):
    """The assertion authenticates no client; the message says why (``error_description``)."""


def public_key(jwk_json: str) -> ECKey:
    """The public part of an EC P-256 JWK given as JSON text; ``ValueError`` for anything else."""
    try:
        key = ECKey.import_key(json.loads(jwk_json))
    except (ValueError, TypeError, JoseError) as error:
        raise ValueError(f"not an EC JWK: {error}") from None
    if key.curve_name != "P-256":
        raise ValueError(f"the client key must be on P-256 for ES256, not {key.curve_name}")
    return ECKey.import_key(key.as_dict(private=False))


def endpoint_url(url: str) -> str:
    """A URL as ``aud`` compares it: scheme and host lower case, a default port dropped, no trailing slash,
    no query or fragment (``HTTP://Sandbox:80/oauth2/token/`` is ``http://sandbox/oauth2/token``)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def _claims_unverified(assertion: str) -> dict[str, object]:
    try:
        compact = jws.extract_compact(assertion.encode())
        claims = json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeDecodeError):
        raise AssertionRejected(
            "the client assertion is not a signed JWT (JWS compact serialisation)"
        ) from None
    if not isinstance(claims, dict):
        raise AssertionRejected("the client assertion's claims are not a JSON object")
    if compact.protected.get("alg") != ALGORITHM:
        raise AssertionRejected(f"the client assertion must be signed with {ALGORITHM}")
    return claims


def _number(claims: Mapping[str, object], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AssertionRejected(f"the client assertion needs a numeric {name} claim")
    return float(value)


class ClientAssertionCheck:
    """Verifies client assertions for one token endpoint.

    Parameters:
        clients: client id → its registered public key (ES256, P-256).
    """

    def __init__(self, clients: Mapping[str, ECKey]) -> None:
        self.clients = dict(clients)
        self._used: dict[tuple[str, str], float] = {}  # (client id, jti) → the assertion's exp

    def __call__(self, assertion: str, token_endpoint: str, client_id: str | None = None) -> str:
        """The client id that ``assertion`` authenticates at ``token_endpoint`` (its URL as the client
        addressed it); ``client_id`` is the request's optional ``client_id`` parameter. Real clock."""
        unverified = _claims_unverified(assertion)
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or issuer not in self.clients:
            raise AssertionRejected("iss is not a registered client id")
        key = self.clients[issuer]
        try:
            token = jwt.decode(assertion, key, algorithms=[ALGORITHM])
        except BadSignatureError:
            raise AssertionRejected(
                "the signature does not verify with the client's registered key"
            ) from None
        except (JoseError, ValueError):
            raise AssertionRejected("the client assertion cannot be verified") from None
        kid = token.header.get("kid")
        if kid is not None and kid != key.kid:
            raise AssertionRejected("kid names no key of this client")
        claims = token.claims
        if claims.get("sub") != issuer or (client_id is not None and client_id != issuer):
            raise AssertionRejected("iss, sub and client_id must all be the client id")
        audience, expected = claims.get("aud"), endpoint_url(token_endpoint)
        given = audience if isinstance(audience, list) else [audience]
        if not any(isinstance(value, str) and endpoint_url(value) == expected for value in given):
            raise AssertionRejected(f"aud must be the token endpoint URL {expected}")
        self._check_times(claims)
        return self._spend(issuer, claims)

    def _check_times(self, claims: Mapping[str, object]) -> None:
        now = time.time()
        expires, issued = _number(claims, "exp"), _number(claims, "iat")
        if expires <= now:
            raise AssertionRejected("the client assertion has expired")
        if issued > now + CLOCK_SKEW_S:
            raise AssertionRejected("iat is in the future")
        if expires - issued > MAX_LIFETIME_S:
            raise AssertionRejected(f"exp must be at most {MAX_LIFETIME_S} s after iat")
        if "nbf" in claims and _number(claims, "nbf") > now + CLOCK_SKEW_S:
            raise AssertionRejected("the client assertion is not valid yet (nbf)")

    def _spend(self, client_id: str, claims: Mapping[str, object]) -> str:
        """Remember the assertion's jti until it expires: an assertion authenticates once."""
        jti = claims.get("jti")
        if not isinstance(jti, str) or not 1 <= len(jti) <= MAX_JTI_LENGTH:
            raise AssertionRejected(f"the client assertion needs a jti of 1 to {MAX_JTI_LENGTH} characters")
        now = time.time()
        self._used = {used: expires for used, expires in self._used.items() if expires > now}
        if (client_id, jti) in self._used:
            raise AssertionRejected("the client assertion was already used (jti replayed)")
        self._used[(client_id, jti)] = _number(claims, "exp")
        return client_id
