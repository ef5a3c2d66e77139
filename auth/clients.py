"""Tenants (banks, regulators) and their OAuth clients: registration, and the client as authlib sees it."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from authlib.oauth2.rfc6749 import ClientMixin
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import AuditEvent
from audit.log import AuditEntry, AuditLog, digest
from auth.access_state import bump_access_version
from auth.client_secret import generate_client_secret, hash_client_secret, verify_client_secret
from auth.principal import ALL_SCOPES, REGULATOR_SCOPES, TENANT_KINDS, TenantKind
from foundation.errors import BadRequest
from foundation.storage import as_utc
from foundation.storage.models import OAuthClient, Tenant

TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
GRANT_TYPES = ("client_credentials",)
_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class RegisteredClient(ClientMixin):  # type: ignore[misc]
    """An OAuth client loaded from the database, answering authlib's (synchronous) questions."""

    client_id: str
    tenant_id: str
    name: str
    secret_hash: str
    scopes: frozenset[str]
    disabled: bool
    tenant_kind: TenantKind = "bank"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        """No ``scope`` asks for every scope of the client (RFC 6749 §3.3 lets the server pick a default)."""
        requested = set(scope.split()) if scope else set(self.scopes)
        return " ".join(sorted(requested & self.scopes))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return not self.disabled and verify_client_secret(client_secret, self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in TOKEN_ENDPOINT_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


@dataclass(frozen=True)
class IssuedClient:
    """A client just registered: the only moment its secret exists in clear."""

    client_id: str
    client_secret: str
    tenant_id: str
    scopes: frozenset[str]
    tenant_created: bool
    tenant_kind: TenantKind = "bank"


def parse_scopes(text: str) -> frozenset[str]:
    """Scopes from a space- or comma-separated list; unknown names raise :class:`BadRequest`."""
    scopes = frozenset(part for part in re.split(r"[\s,]+", text) if part)
    unknown = sorted(scopes - ALL_SCOPES)
    if unknown:
        raise BadRequest(f"unknown scopes: {', '.join(unknown)}; known: {', '.join(sorted(ALL_SCOPES))}")
    if not scopes:
        raise BadRequest("a client needs at least one scope")
    return scopes


def check_identifier(value: str, what: str) -> str:
    if not _IDENTIFIER.match(value):
        raise BadRequest(f"{what} {value!r} must be 1-64 of a-z, 0-9, '.', '_', '-' (starting alphanumeric)")
    return value


def parse_tenant_kind(text: str) -> TenantKind:
    """``bank`` or ``regulator``; anything else raises :class:`BadRequest`."""
    for kind in TENANT_KINDS:
        if text == kind:
            return kind
    raise BadRequest(f"unknown tenant kind {text!r}; known: {', '.join(TENANT_KINDS)}")


async def ensure_tenant(
    session: AsyncSession, tenant_id: str, name: str | None = None, kind: TenantKind | None = None
) -> bool:
    """Create the tenant (of ``kind``, default bank) if it does not exist; True when it was created.

    An existing tenant keeps its kind: asking for another one raises :class:`BadRequest` (a bank's clients
    and data do not become a regulator's, nor the other way round).
    """
    check_identifier(tenant_id, "tenant")
    existing = await session.get(Tenant, tenant_id)
    if existing is not None:
        if kind is not None and existing.kind != kind:
            raise BadRequest(
                f"tenant {tenant_id} is a {existing.kind}; its kind cannot change to {kind} "
                f"(register the {kind} as a tenant of its own)"
            )
        return False
    session.add(
        Tenant(id=tenant_id, name=name or tenant_id, created_at=datetime.now(UTC), kind=kind or "bank")
    )
    await session.flush()
    return True


async def register_client(
    *,
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: str,
    scopes: frozenset[str],
    name: str | None = None,
    client_id: str | None = None,
    kind: TenantKind | None = None,
) -> IssuedClient:
    """Register a client of ``tenant_id`` (created if new, of ``kind``: default bank) with a fresh secret.

    Passing the ``client_id`` of an existing client re-issues it: new secret, new scopes, enabled. A
    ``kind`` other than the existing tenant's, or a regulator's client with scopes beyond
    :data:`auth.principal.REGULATOR_SCOPES`, raises :class:`BadRequest`.
    """
    unknown = sorted(scopes - ALL_SCOPES)
    if unknown or not scopes:
        raise BadRequest(f"scopes must be a non-empty subset of {sorted(ALL_SCOPES)}; unknown: {unknown}")
    client_id = check_identifier(client_id, "client id") if client_id else f"cl-{secrets.token_hex(10)}"
    secret = generate_client_secret()
    secret_hash = await asyncio.to_thread(hash_client_secret, secret)
    async with sessions.begin() as session:
        tenant_created = await ensure_tenant(session, tenant_id, kind=kind)
        tenant = await session.get(Tenant, tenant_id)
        assert tenant is not None
        tenant_kind = parse_tenant_kind(tenant.kind)
        if tenant_kind == "regulator" and not scopes <= REGULATOR_SCOPES:
            raise BadRequest(
                f"a regulator's client may hold only {', '.join(sorted(REGULATOR_SCOPES))} "
                f"(aggregates only); refused: {', '.join(sorted(scopes - REGULATOR_SCOPES))}"
            )
        client = await session.get(OAuthClient, client_id)
        if client is None:
            client = OAuthClient(client_id=client_id, created_at=datetime.now(UTC))
            session.add(client)
        elif client.tenant_id != tenant_id:
            raise BadRequest(f"client {client_id} belongs to another tenant")
        client.tenant_id = tenant_id
        client.name = name or client_id
        client.secret_hash = secret_hash
        client.scopes = " ".join(sorted(scopes))
        if client.disabled_at is not None:
            await bump_access_version(session)  # re-issued, so enabled again: its refusals are outdated
        client.disabled_at = None
    return IssuedClient(client_id, secret, tenant_id, scopes, tenant_created, tenant_kind)


async def set_client_disabled(
    *, sessions: async_sessionmaker[AsyncSession], audit: AuditLog, client_id: str, disabled: bool
) -> bool:
    """Disable a client (or enable it again); True when its state changed, which is audited.

    A disabled client gets no token (``invalid_client``) and its unexpired tokens are refused from the next
    request in this process and within ``HUB_ACCESS_REFRESH_MS`` on others (:mod:`auth.access_state`), also
    after it is enabled again: only tokens issued later count.
    Raises :class:`BadRequest` for an unknown client.
    """
    async with sessions.begin() as session:
        client = await session.get(OAuthClient, client_id, with_for_update=True)
        if client is None:
            raise BadRequest(f"no client {client_id!r}")
        if (client.disabled_at is not None) == disabled:
            return False
        now = datetime.now(UTC)
        client.disabled_at = now if disabled else None
        if disabled:
            # ``iat`` has one-second resolution: every token of the disable's second is refused, so the
            # cutoff is the next whole second.
            client.tokens_not_before = now.replace(microsecond=0) + timedelta(seconds=1)
        await bump_access_version(session)
        cutoff, tenant_id = client.tokens_not_before, client.tenant_id
    state = "disabled" if disabled else "enabled"
    event = AuditEvent.CLIENT_DISABLED if disabled else AuditEvent.CLIENT_ENABLED
    entry = AuditEntry(event, tenant_id, client_id, None, (), digest(client_id), state)
    await audit.append([entry])
    if not disabled and cutoff is not None:
        # Enabled within the disable's second: report it done once the client's next token will be accepted.
        await asyncio.sleep(max(0.0, (as_utc(cutoff) - datetime.now(UTC)).total_seconds()))
    return True


async def load_client(sessions: async_sessionmaker[AsyncSession], client_id: str) -> RegisteredClient | None:
    query = (
        select(OAuthClient, Tenant.kind)
        .join(Tenant, Tenant.id == OAuthClient.tenant_id)
        .where(OAuthClient.client_id == client_id)
    )
    async with sessions() as session:
        found = (await session.execute(query)).one_or_none()
    if found is None:
        return None
    row, kind = found
    return RegisteredClient(
        client_id=row.client_id,
        tenant_id=row.tenant_id,
        name=row.name,
        secret_hash=row.secret_hash,
        scopes=frozenset(row.scopes.split()),
        disabled=row.disabled_at is not None,
        tenant_kind=parse_tenant_kind(kind),
    )
