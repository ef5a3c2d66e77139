"""The auth service of a hub process: who is calling, may they, and what did they see (audited)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from aiocache.base import BaseCache
from cachetools import LRUCache
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import AuditEvent
from audit.checkpoints import CheckpointSigner
from audit.log import AuditEntry, AuditLog, digest
from auth.access_state import AccessState, bump_access_version
from auth.client_auth import ClientAuthenticator
from auth.clients import RegisteredClient
from auth.consent import ConsentBook, consent_today
from auth.principal import READ_SCOPES, Principal
from auth.rate_limit import TokenBuckets, build_token_buckets
from auth.server import KnownToken
from auth.tenant_consents import TenantConsentMaps
from auth.tokens import AccessToken, HubTokenGenerator, verify_access_token
from foundation.errors import RateLimited, Unauthenticated
from foundation.settings import Settings
from foundation.signing_keys import KeyFile, SigningKeys, key_file_path
from foundation.storage import as_utc
from foundation.storage.models import OAuthClient, RevokedToken

ANONYMOUS = Principal(tenant_id="demo", client_id="anonymous", scopes=READ_SCOPES, anonymous=True)
# Bounds of the per-process decision caches (entries are small: a token, a code and a few names).
TOKENS_KEPT = 10_000
CONSENTS_KEPT = 50_000
_NO_CONSENT: frozenset[str] = frozenset()


class AuthService:
    """Built once per process by :meth:`create`; every method is safe to call concurrently."""

    def __init__(
        self,
        *,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        keys: KeyFile,
        buckets: TokenBuckets,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.keys = keys
        self.audit = AuditLog(sessions, signer=CheckpointSigner(keys), anchor_file=settings.audit_anchor_file)
        self.consents = ConsentBook(sessions, self.audit)
        self.token_generator = HubTokenGenerator(
            issuer=settings.issuer_url,
            audience=settings.token_audience,
            ttl_s=settings.token_ttl_s,
            key_file=keys,
        )
        self._buckets = buckets
        # Client authentication at the OAuth endpoints; its failures throttled and audited (auth.client_auth).
        self.client_auth = ClientAuthenticator(
            sessions,
            self.audit,
            build_token_buckets(settings, "auth-failures"),
            verified_ttl_s=settings.token_ttl_s,
        )
        self.access = AccessState(sessions, max_age_s=settings.access_refresh_ms / 1000)
        # Access decisions under the access version they were made at (see auth.access_state).
        self._verified: LRUCache[str, tuple[SigningKeys, AccessToken]] = LRUCache(TOKENS_KEPT)
        self._refusals: LRUCache[str, tuple[int, str | None]] = LRUCache(TOKENS_KEPT)
        self._consents: LRUCache[tuple[str, str], tuple[int, date, frozenset[str]]] = LRUCache(CONSENTS_KEPT)
        self.tenant_consents = TenantConsentMaps(self.consents, settings.tenant_consents_held_max)

    @classmethod
    async def create(
        cls, settings: Settings, sessions: async_sessionmaker[AsyncSession], cache: BaseCache
    ) -> AuthService:
        """Load (in dev: create) the signing keys; prod without ``HUB_SIGNING_KEY_FILE`` raises ValueError.

        ``cache`` is the process's shared cache; rate limits follow its backend (via ``settings.cache_url``).
        """
        path = await asyncio.to_thread(key_file_path, settings)
        keys = await asyncio.to_thread(KeyFile, path, token_ttl_s=settings.token_ttl_s)
        return cls(settings=settings, sessions=sessions, keys=keys, buckets=build_token_buckets(settings))

    # Resource side --------------------------------------------------------------------------------------
    async def authenticate(self, authorization: str | None) -> Principal:
        """The caller of an ``Authorization: Bearer <jwt>`` header, or :class:`Unauthenticated` saying why."""
        if not authorization:
            if self.settings.allow_anonymous:
                return ANONYMOUS
            raise Unauthenticated("missing bearer token (Authorization: Bearer <access token>)")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <access token>'")
        access_token = self._verified_token(token.strip())
        refusal = await self._current_refusal(access_token)
        if refusal is not None:
            raise Unauthenticated(f"access token rejected: {refusal}")
        return Principal(
            tenant_id=access_token.tenant_id,
            client_id=access_token.client_id,
            scopes=access_token.scopes,
            token_id=access_token.token_id,
            tenant_kind=access_token.tenant_kind,
        )

    def _verified_token(self, token: str) -> AccessToken:
        """``verify`` once per token and key set: the signature of a given token cannot change, its
        expiry is checked on every use."""
        keys = self.keys.keys()
        known = self._verified.get(token)
        if known is None or known[0] is not keys:
            known = self._verified[token] = (keys, self.verify(token))
        if known[1].is_expired():
            raise Unauthenticated("access token rejected: token has expired")
        return known[1]

    def verify(self, token: str, *, allow_expired: bool = False) -> AccessToken:
        return verify_access_token(
            token,
            keys=self.keys.keys(),
            issuer=self.settings.issuer_url,
            audience=self.settings.token_audience,
            allow_expired=allow_expired,
        )

    async def check_rate_limit(self, principal: Principal, *, tokens: int = 1) -> None:
        """Take ``tokens`` from the client's bucket (all or none), or :class:`RateLimited`."""
        wait_s = await self._buckets.take(principal.client_id, tokens)
        if wait_s > 0:
            raise RateLimited(
                f"client {principal.client_id} is over its rate limit "
                f"({self.settings.rate_limit_per_minute}/min); retry in {wait_s:.1f}s",
                retry_after_s=wait_s,
            )

    async def live_consents(self, tenant_id: str, credit_codes: Sequence[str]) -> dict[str, frozenset[str]]:
        """Credit code → sources with a live consent to ``tenant_id`` today; the database is asked only for
        codes not decided at the current access version."""
        version, today = await self.access.version(), consent_today()
        held = self.tenant_consents.get(tenant_id, version, today)
        if held is not None:
            return {code: held.get(code, _NO_CONSENT) for code in credit_codes}
        live: dict[str, frozenset[str]] = {}
        unknown = []
        for code in credit_codes:
            known = self._consents.get((tenant_id, code))
            if known is not None and known[0] == version and known[1] == today:
                live[code] = known[2]
            else:
                unknown.append(code)
        if unknown:
            self.tenant_consents.want(tenant_id, version, today)  # the tenant's next firms from memory
            for code, sources in (await self.consents.live(tenant_id, unknown, today)).items():
                self._consents[(tenant_id, code)] = (version, today, sources)
                live[code] = sources
        return live

    async def record_data_access(
        self,
        principal: Principal,
        *,
        operation_hash: str,
        accesses: Mapping[str, Mapping[str, str]],
        also: Sequence[AuditEntry] = (),
    ) -> None:
        """One audit row per enterprise: its sources (sorted) and each one's outcome, comma-aligned; then
        ``also`` (what the operation did with the data, e.g. assessments), in the same append."""
        entries = []
        for credit_code in sorted(accesses):
            by_source = accesses[credit_code]
            sources = tuple(sorted(by_source))
            entries.append(
                AuditEntry(
                    event=AuditEvent.DATA_ACCESS,
                    tenant_id=principal.tenant_id,
                    client_id=principal.client_id,
                    credit_code=credit_code,
                    sources=sources,
                    operation_hash=operation_hash,
                    outcome=",".join(by_source[source] for source in sources),
                )
            )
        await self.audit.append([*entries, *also])

    # Authorisation-server side ----------------------------------------------------------------------
    async def known_token(self, token: str) -> KnownToken | None:
        """A token this hub issued (expired ones included); ``revoked`` also when its client is disabled."""
        try:
            access_token = self.verify(token, allow_expired=True)
        except Unauthenticated:
            return None
        return KnownToken(access_token, revoked=await self._refusal(access_token) is not None)

    async def issue_token(self, client: RegisteredClient, scope: str | None = None) -> dict[str, Any]:
        """A token response for ``client`` without the token endpoint (``hub demo``); audited."""
        token: dict[str, Any] = await asyncio.to_thread(
            self.token_generator.generate,
            grant_type="client_credentials",
            client=client,
            scope=scope,
            include_refresh_token=False,
        )
        await self.record_issued([(token, client)])
        return token

    async def record_issued(self, issued: Sequence[tuple[dict[str, Any], RegisteredClient]]) -> None:
        entries = []
        for token, client in issued:
            access_token = self.verify(token["access_token"])
            entries.append(
                AuditEntry(
                    event=AuditEvent.TOKEN_ISSUED,
                    tenant_id=client.tenant_id,
                    client_id=client.client_id,
                    credit_code=None,
                    sources=(),
                    operation_hash=digest(access_token.token_id),
                    outcome=f"scope {token.get('scope', '')}",
                )
            )
        await self.audit.append(entries)

    async def revoke(self, tokens: Sequence[KnownToken]) -> None:
        """Refuse these tokens from now on, on every replica; forget revocations of long-expired tokens."""
        now = datetime.now(UTC)
        fresh = [token for token in tokens if not token.revoked]
        if not fresh:
            return
        try:
            async with self.sessions.begin() as session:
                await session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
                await bump_access_version(session)
                session.add_all(
                    RevokedToken(
                        jti=token.access_token.token_id,
                        expires_at=token.access_token.expires_at_datetime,
                        revoked_at=now,
                    )
                    for token in fresh
                )
        except IntegrityError:
            pass  # revoked concurrently by another request: the outcome is the same
        await self.audit.append(
            [
                AuditEntry(
                    event=AuditEvent.TOKEN_REVOKED,
                    tenant_id=token.access_token.tenant_id,
                    client_id=token.access_token.client_id,
                    credit_code=None,
                    sources=(),
                    operation_hash=digest(token.access_token.token_id),
                    outcome="revoked",
                )
                for token in fresh
            ]
        )

    async def _current_refusal(self, access_token: AccessToken) -> str | None:
        """:meth:`_refusal`, decided once per token and access version."""
        version = await self.access.version()
        known = self._refusals.get(access_token.token_id)
        if known is None or known[0] != version:
            known = self._refusals[access_token.token_id] = (version, await self._refusal(access_token))
        return known[1]

    async def _refusal(self, access_token: AccessToken) -> str | None:
        """Why a well-signed token is refused now: revoked, or its client disabled (since) or gone."""
        revoked = select(RevokedToken.jti).where(RevokedToken.jti == access_token.token_id).exists()
        query = select(revoked, OAuthClient.disabled_at, OAuthClient.tokens_not_before).where(
            OAuthClient.client_id == access_token.client_id
        )
        async with self.sessions() as session:
            client = (await session.execute(query)).first()
        if client is None:
            return "its client is not registered"
        is_revoked, disabled_at, tokens_not_before = client
        if is_revoked:
            return "token has been revoked"
        if disabled_at is not None:
            return "its client is disabled"
        if tokens_not_before is not None and access_token.issued_at < as_utc(tokens_not_before).timestamp():
            return "it was issued before its client was disabled"
        return None

    async def aclose(self) -> None:
        await self.tenant_consents.aclose()
        await self.audit.aclose()
        await self._buckets.aclose()
        await self.client_auth.aclose()
