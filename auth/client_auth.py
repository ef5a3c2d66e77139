"""Client authentication at the OAuth endpoints: one answer for every failure, failures throttled and audited.

**One answer.** An unknown client id, a wrong secret and a disabled client get the same 401 ``invalid_client``
answer (:class:`ClientAuthFailedError`) after the same work: one scrypt verification, against the client's
hash or, for an unknown id, against :data:`auth.client_secret.DUMMY_SECRET_HASH` (same parameters), in a
worker thread; one audit row, under the client's tenant or :data:`UNKNOWN_TENANT`. So neither the answer nor
its cost tells an attacker whether a client id exists. A request that names no client id at all gets the
same answer, without verification, throttle or audit: it guesses nothing.

**Throttle.** Failures are counted in token buckets (:mod:`auth.rate_limit`, kind ``auth-failures``: Redis
when the cache is Redis, so replicas share them), one per client id as given and one per source address
(IPv6 per /64, which one subscriber usually holds). An attempt takes a token from both *before* its scrypt
verification and gives them back when it succeeds, so the buckets count failures, and no more scrypt
verifications run at once per id or address than a bucket holds. An attempt finding either bucket empty is
refused with 429 ``temporarily_unavailable`` and ``Retry-After`` (:class:`ClientAuthThrottledError`)
before any scrypt work: a flood of wrong secrets costs a bucket look-up or two each (and an audit row per
bucket a minute, below). The 429 is the same for a registered and an unknown id.

**Verified pairs.** Throttling by client id would lock a client out while someone floods its id with wrong
secrets. So each process remembers the (client id, secret) pairs it verified, keyed by an HMAC-SHA256 of the
secret under a random key of the process (never the secret, so the cache holds nothing worth stealing), for
one token lifetime after their last use (a client renewing its token before expiry stays in). A request
presenting a remembered pair skips both throttles and scrypt; the pair counts only while the client's row,
read for every request, is enabled and holds the same secret hash, so a disable or a re-issued secret ends
it at the next request on every replica (the access version would not do: re-issuing an enabled client's
secret does not move it). A client not yet remembered by a process is throttled like anyone else while its
id or its address is being flooded.

**Audit.** Every failed verification writes one ``client_auth_failed`` row (outcome ``bad_credentials``,
the endpoint and the source address; the client id as given, cut to :data:`CLIENT_ID_KEPT` characters; never
the secret or a hash of it) and a structured warning. Refusals by an empty bucket are audited once per bucket
per :data:`THROTTLE_AUDIT_WINDOW_S` per process (outcome ``throttled``, naming the bucket and how many of its
refusals went unaudited since its previous row): one row each would let a flood fill the log.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import math
import secrets
import time
from dataclasses import dataclass, field

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from cachetools import LRUCache
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers

from audit.chain import AuditEvent
from audit.log import AuditEntry, AuditLog, digest
from auth import client_secret
from auth.clients import RegisteredClient, load_client
from auth.rate_limit import Clock, TokenBuckets
from foundation.logging import get_logger

log = get_logger(__name__)

UNKNOWN_TENANT = "-"
"""The audit rows' tenant for a client id that is not registered (no tenant id can be ``-``)."""
CLIENT_ID_KEPT = 64  # the longest registered client id, and the audit column's width
ADDRESS_KEPT = 64
VERIFIED_KEPT = 10_000  # only verified pairs enter: at most one per client and live secret, per process
THROTTLE_AUDIT_WINDOW_S = 60.0
THROTTLES_KEPT = 10_000
OUTCOME_KEPT = 300  # the audit column's width


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a request presents: a client id, its secret (empty when none was sent) and how."""

    client_id: str
    secret: str = field(repr=False)  # never in a log line or a traceback
    method: str = "client_secret_basic"


class ClientAuthFailedError(InvalidClientError):  # type: ignore[misc]
    """The one answer to every failed client authentication (RFC 6749 §5.2; Basic is the scheme offered)."""

    status_code = 401
    description = "client authentication failed"

    def get_headers(self) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = OAuth2Error.get_headers(self)
        return [*headers, ("WWW-Authenticate", 'Basic realm="hub"')]


class ClientAuthThrottledError(OAuth2Error):  # type: ignore[misc]
    """Too many failed authentications for this client id or from this address; nothing was verified."""

    error = "temporarily_unavailable"
    status_code = 429
    description = "too many failed client authentications; retry later"

    def __init__(self, retry_after_s: float) -> None:
        super().__init__()
        self.retry_after_s = retry_after_s

    def get_headers(self) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = super().get_headers()
        return [*headers, ("Retry-After", str(max(1, math.ceil(self.retry_after_s))))]


def presented_credentials(headers: Headers, form: dict[str, str]) -> Credentials | None:
    """The credentials of a request (RFC 6749 §2.3.1), or None when it names no client id.

    More than one way of authenticating is an ``invalid_request`` (§2.3), as are Basic credentials that
    are not UTF-8.
    """
    try:
        basic_client_id, basic_secret = extract_basic_authorization(headers)
    except UnicodeDecodeError:
        raise InvalidRequestError("the Basic credentials are not UTF-8") from None
    if basic_client_id and "client_secret" in form:
        raise InvalidRequestError("use one client authentication method: Basic or client_secret, not both")
    if basic_client_id and form.get("client_id", basic_client_id) != basic_client_id:
        raise InvalidRequestError("client_id in the body differs from the Basic credentials")
    if basic_client_id:
        return Credentials(basic_client_id, basic_secret or "", "client_secret_basic")
    if form.get("client_id"):
        return Credentials(form["client_id"], form.get("client_secret", ""), "client_secret_post")
    return None


def source_address(host: str | None) -> str:
    """The throttle's address key: the IP address (an IPv6 one as its /64), or the host name as given."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:ADDRESS_KEPT]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True, slots=True)
class Authenticated:
    """A client whose credentials were verified, and the method it used (authlib checks it per endpoint)."""

    client: RegisteredClient
    method: str


@dataclass(frozen=True, slots=True)
class _Verified:
    secret_hash: str
    until: float


@dataclass(frozen=True, slots=True)
class _Attempt:
    """One authentication attempt, as the throttle, the audit and the log see it (no secret)."""

    credentials: Credentials
    address: str
    endpoint: str

    @property
    def client_id(self) -> str:
        return self.credentials.client_id[:CLIENT_ID_KEPT]

    @property
    def bucket_keys(self) -> tuple[str, str]:
        # The address first: a flood from one source is refused by the first look-up.
        return f"address:{self.address}", f"client:{self.client_id}"


class ClientAuthenticator:
    """Authenticates the clients of the OAuth endpoints; one per process (its cache and audit windows).

    Parameters:
        sessions: the process's session factory (clients are read per request).
        audit: the process's audit log.
        failures: the failure buckets (``build_token_buckets(settings, "auth-failures")``); closed with it.
        verified_ttl_s: how long after its last use a verified pair skips scrypt and the throttle.
        clock: monotonic seconds (tests move it).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditLog,
        failures: TokenBuckets,
        *,
        verified_ttl_s: float,
        clock: Clock = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._audit = audit
        self._failures = failures
        self._verified_ttl_s = verified_ttl_s
        self.clock = clock
        self._pair_key = secrets.token_bytes(32)
        self._verified: LRUCache[tuple[str, bytes], _Verified] = LRUCache(VERIFIED_KEPT)
        # bucket key → (when its last "throttled" row was written, refusals since)
        self._throttle_rows: LRUCache[str, tuple[float, int]] = LRUCache(THROTTLES_KEPT)

    async def authenticate(
        self, credentials: Credentials | None, *, address: str, endpoint: str
    ) -> Authenticated:
        """The client ``credentials`` prove, or :class:`ClientAuthFailedError` /
        :class:`ClientAuthThrottledError`."""
        if credentials is None:
            raise ClientAuthFailedError()
        attempt = _Attempt(credentials, address, endpoint)
        pair = (credentials.client_id, self._mac(credentials.secret))
        remembered = await self._remembered(pair)
        if remembered is not None:
            return Authenticated(remembered, credentials.method)
        refusal = await self._reserve(attempt.bucket_keys)
        if refusal is not None:
            bucket, wait_s = refusal
            await self._throttled(attempt, bucket)
            raise ClientAuthThrottledError(wait_s)
        client = await load_client(self._sessions, credentials.client_id)
        stored_hash = client.secret_hash if client is not None else client_secret.DUMMY_SECRET_HASH
        verify = client_secret.verify_client_secret
        verified = await asyncio.to_thread(verify, credentials.secret, stored_hash)
        if client is None or not verified or client.disabled:
            await self._failed(attempt, client)
            raise ClientAuthFailedError()
        for key in attempt.bucket_keys:
            await self._failures.refund(key)
        self._verified[pair] = _Verified(client.secret_hash, self.clock() + self._verified_ttl_s)
        return Authenticated(client, credentials.method)

    async def aclose(self) -> None:
        await self._failures.aclose()

    def _mac(self, secret: str) -> bytes:
        return hmac.new(self._pair_key, secret.encode(), hashlib.sha256).digest()

    async def _remembered(self, pair: tuple[str, bytes]) -> RegisteredClient | None:
        """The client of a pair this process verified, if its row is still enabled with the same hash."""
        known = self._verified.get(pair)
        if known is None:
            return None
        now = self.clock()
        client = await load_client(self._sessions, pair[0]) if known.until > now else None
        if client is None or client.disabled or client.secret_hash != known.secret_hash:
            self._verified.pop(pair, None)
            return None
        self._verified[pair] = _Verified(known.secret_hash, now + self._verified_ttl_s)
        return client

    async def _reserve(self, keys: tuple[str, ...]) -> tuple[str, float] | None:
        """One token from each bucket, or none and the (first) empty bucket with its wait."""
        taken: list[str] = []
        for key in keys:
            wait_s = await self._failures.take(key)
            if wait_s > 0:
                for done in taken:
                    await self._failures.refund(done)
                return key, wait_s
            taken.append(key)
        return None

    async def _failed(self, attempt: _Attempt, client: RegisteredClient | None) -> None:
        tenant_id = client.tenant_id if client is not None else UNKNOWN_TENANT
        await self._record(attempt, tenant_id, "bad_credentials")

    async def _throttled(self, attempt: _Attempt, bucket: str) -> None:
        """Audit the first refusal of ``bucket`` per window; count the others into its next row."""
        now = self.clock()
        last = self._throttle_rows.get(bucket)
        if last is not None and now - last[0] < THROTTLE_AUDIT_WINDOW_S:
            self._throttle_rows[bucket] = (last[0], last[1] + 1)
            return
        self._throttle_rows[bucket] = (now, 0)
        client = await load_client(self._sessions, attempt.credentials.client_id)
        tenant_id = client.tenant_id if client is not None else UNKNOWN_TENANT
        detail: dict[str, str | int] = {"bucket": bucket.partition(":")[0]}
        if last is not None:
            detail["refused_unaudited"] = last[1]  # since this bucket's previous row
        await self._record(attempt, tenant_id, "throttled", **detail)

    async def _record(self, attempt: _Attempt, tenant_id: str, outcome: str, **detail: str | int) -> None:
        """One audit row and one warning; ``detail`` (the bucket, the refusals since) goes into both."""
        where = {"endpoint": attempt.endpoint, "address": attempt.address}
        log.warning(
            "client_auth_failed",
            tenant=tenant_id,
            client_id=attempt.client_id,
            method=attempt.credentials.method,
            outcome=outcome,
            **where,
            **detail,
        )
        described = " ".join(f"{name}={value}" for name, value in {**where, **detail}.items())
        entry = AuditEntry(
            event=AuditEvent.CLIENT_AUTH_FAILED,
            tenant_id=tenant_id,
            client_id=attempt.client_id,
            credit_code=None,
            sources=(),
            operation_hash=digest(attempt.credentials.client_id),
            outcome=f"{outcome} {described}"[:OUTCOME_KEPT],
        )
        await self._audit.append([entry])
