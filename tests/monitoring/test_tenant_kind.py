"""Tenant kinds: a regulator's token says so (signed), its kind cannot change, its clients hold
monitoring:read only; ``hub clients create --kind``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from joserfc import jwt
from typer.testing import CliRunner

from auth.clients import register_client
from foundation.errors import BadRequest
from hub.cli.commands import app
from tests.fixtures.hub import Hub


async def test_a_regulators_token_carries_its_kind(hub: Hub) -> None:
    issued = await register_client(
        sessions=hub.services.sessions,
        tenant_id="pboc",
        scopes=frozenset({"monitoring:read"}),
        kind="regulator",
    )
    assert issued.tenant_kind == "regulator"
    token = await hub.token(issued)
    assert (
        jwt.decode(token, hub.services.auth.keys.keys().verification_set).claims["tenant_kind"] == "regulator"
    )
    principal = await hub.services.auth.authenticate(f"Bearer {token}")
    assert principal.aggregates_only and principal.tenant_kind == "regulator"
    bank = await hub.services.auth.authenticate(f"Bearer {await hub.token(await hub.client())}")
    assert bank.tenant_kind == "bank" and not bank.aggregates_only


async def test_a_kind_cannot_change_and_a_regulator_holds_monitoring_only(hub: Hub) -> None:
    sessions = hub.services.sessions
    await register_client(sessions=sessions, tenant_id="bank-a", scopes=frozenset({"registry:read"}))
    with pytest.raises(BadRequest, match="bank-a is a bank; its kind cannot change to regulator"):
        await register_client(
            sessions=sessions, tenant_id="bank-a", scopes=frozenset({"monitoring:read"}), kind="regulator"
        )
    with pytest.raises(BadRequest, match="regulator's client may hold only monitoring:read"):
        await register_client(
            sessions=sessions, tenant_id="cbirc", scopes=frozenset({"registry:read"}), kind="regulator"
        )
    again = await register_client(
        sessions=sessions, tenant_id="pboc", scopes=frozenset({"monitoring:read"}), kind="regulator"
    )
    second = await register_client(sessions=sessions, tenant_id="pboc", scopes=frozenset({"monitoring:read"}))
    assert again.tenant_kind == second.tenant_kind == "regulator"  # no --kind: the tenant's own


def test_the_cli_creates_a_regulator_and_refuses_a_kind_change(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    created = runner.invoke(
        app,
        [
            "clients",
            "create",
            "--tenant",
            "pboc",
            "--kind",
            "regulator",
            "--scopes",
            "monitoring:read",
            "--json",
        ],
        env=env,
    )
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["tenant_kind"] == "regulator"
    refused = runner.invoke(
        app,
        ["clients", "create", "--tenant", "pboc", "--kind", "bank", "--scopes", "monitoring:read"],
        env=env,
    )
    assert refused.exit_code == 2
    assert "pboc is a regulator; its kind cannot change to bank" in refused.output
    unknown = runner.invoke(
        app, ["clients", "create", "--tenant", "x", "--kind", "insurer", "--scopes", "tax:read"], env=env
    )
    assert unknown.exit_code == 2 and "unknown tenant kind" in unknown.output
