"""``hub clients create`` registers a client whose secret obtains tokens; bad scopes are refused.
``hub clients disable|enable`` switch a client, audited; an unknown client is an error."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner, Result

from audit.log import AuditLog
from auth.clients import load_client, register_client
from foundation.storage.models import Tenant
from hub.cli import app
from tests.fixtures.backends import Backend


async def run_hub(backend: Backend, *args: str, **env: str) -> Result:
    """The CLI in a worker thread (its commands start their own event loop), on the test's backend."""
    env = {"HUB_DATABASE_URL": backend.database_url, "HUB_CACHE_URL": backend.cache_url, **env}
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)


async def test_create_prints_json_once_and_the_secret_verifies(
    backend: Backend, sessions: async_sessionmaker[AsyncSession]
) -> None:
    result = await run_hub(
        backend, "clients", "create", "--tenant", "bank-a", "--scopes", "tax:read, admin", "--json"
    )
    assert result.exit_code == 0, result.output
    issued = json.loads(result.stdout)
    assert issued["tenant_id"] == "bank-a"
    assert issued["scopes"] == ["admin", "tax:read"]
    client = await load_client(sessions, issued["client_id"])
    assert client is not None and client.tenant_id == "bank-a"
    assert issued["client_secret"] not in client.secret_hash
    assert await asyncio.to_thread(client.check_client_secret, issued["client_secret"])
    async with sessions() as session:
        assert (await session.scalars(select(Tenant.id))).all() == ["bank-a"]


async def test_human_output_names_the_new_tenant(
    backend: Backend, sessions: async_sessionmaker[AsyncSession]
) -> None:
    result = await run_hub(backend, "clients", "create", "--tenant", "bank-b", "--scopes", "registry:read")
    assert result.exit_code == 0, result.output
    assert "bank-b (new)" in result.stdout and "client_secret" in result.stdout


async def test_unknown_scope_is_refused(backend: Backend, sessions: async_sessionmaker[AsyncSession]) -> None:
    result = await run_hub(backend, "clients", "create", "--tenant", "bank-a", "--scopes", "tax:write")
    assert result.exit_code == 2
    assert "unknown scopes: tax:write" in result.stderr


async def test_disable_and_enable_switch_the_client_and_are_audited(
    backend: Backend, sessions: async_sessionmaker[AsyncSession]
) -> None:
    issued = await register_client(sessions=sessions, tenant_id="bank-a", scopes=frozenset({"tax:read"}))
    disabled = await run_hub(backend, "clients", "disable", "--client-id", issued.client_id)
    assert disabled.exit_code == 0, disabled.output
    assert disabled.stdout.strip() == f"client {issued.client_id} disabled"
    client = await load_client(sessions, issued.client_id)
    assert client is not None and client.disabled
    assert not await asyncio.to_thread(client.check_client_secret, issued.client_secret)
    again = await run_hub(backend, "clients", "disable", "--client-id", issued.client_id)
    assert "already disabled" in again.stdout
    enabled = await run_hub(backend, "clients", "enable", "--client-id", issued.client_id)
    assert enabled.exit_code == 0 and "enabled" in enabled.stdout
    client = await load_client(sessions, issued.client_id)
    assert client is not None and not client.disabled
    events, _ = await AuditLog(sessions).trail(tenant_id="bank-a", first=10, after_seq=None, credit_code=None)
    assert [event.entry.event for event in reversed(events)] == ["client_disabled", "client_enabled"]


async def test_disabling_an_unknown_client_fails(
    backend: Backend, sessions: async_sessionmaker[AsyncSession]
) -> None:
    result = await run_hub(backend, "clients", "disable", "--client-id", "cl-nobody")
    assert result.exit_code == 2
    assert "no client 'cl-nobody'" in result.stderr
