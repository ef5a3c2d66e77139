"""AuthService.authenticate: every way a bearer token can be wrong, and key rotation."""

from __future__ import annotations

from pathlib import Path

import pytest
from joserfc.jwk import ECKey, KeySet

from auth.clients import register_client
from auth.principal import READ_SCOPES
from auth.service import AuthService
from foundation.errors import Unauthenticated
from foundation.signing_keys import read_key_file, rotate_key_file
from tests.fixtures.hub import Hub, mint


def _signing_keys(key_file: Path) -> KeySet:
    return read_key_file(key_file).signing_set()


async def _refused(auth: AuthService, header: str | None) -> str:
    with pytest.raises(Unauthenticated) as refused:
        await auth.authenticate(header)
    return refused.value.message


async def test_a_token_minted_with_the_hubs_key_is_accepted(hub: Hub, key_file: Path) -> None:
    await register_client(
        sessions=hub.services.sessions, tenant_id="bank-a", scopes=READ_SCOPES, client_id="cl-x"
    )
    principal = await hub.services.auth.authenticate(f"Bearer {mint(_signing_keys(key_file))}")
    assert (principal.tenant_id, principal.client_id, principal.scopes) == (
        "bank-a",
        "cl-x",
        frozenset({"registry:read"}),
    )


async def test_a_well_signed_token_of_an_unregistered_client_is_refused(hub: Hub, key_file: Path) -> None:
    token = mint(_signing_keys(key_file), sub="cl-ghost", client_id="cl-ghost")
    assert "not registered" in await _refused(hub.services.auth, f"Bearer {token}")


async def test_missing_or_malformed_headers(hub: Hub) -> None:
    auth = hub.services.auth
    assert "missing bearer token" in await _refused(auth, None)
    assert "Bearer" in await _refused(auth, "Basic abc")
    assert "rejected" in await _refused(auth, "Bearer not.a.jwt")


async def test_forged_signature_is_refused(hub: Hub, key_file: Path) -> None:
    real = read_key_file(key_file).current
    impostor = ECKey.import_key(
        ECKey.generate_key("P-256", private=True).as_dict(private=True, kid=real.kid, alg="ES256")
    )
    message = await _refused(hub.services.auth, f"Bearer {mint(KeySet([impostor]))}")
    assert "bad_signature" in message


async def test_unknown_kid_and_wrong_typ_are_refused(hub: Hub) -> None:
    stranger = KeySet([ECKey.generate_key("P-256", private=True, auto_kid=True)])
    assert "rejected" in await _refused(hub.services.auth, f"Bearer {mint(stranger)}")


async def test_wrong_audience_issuer_and_type_are_refused(hub: Hub, key_file: Path) -> None:
    keys = _signing_keys(key_file)
    auth = hub.services.auth
    assert "aud" in await _refused(auth, f"Bearer {mint(keys, aud='another-api')}")
    assert "iss" in await _refused(auth, f"Bearer {mint(keys, iss='https://evil.example')}")
    assert "typ" in await _refused(auth, f"Bearer {mint(keys, header={'typ': 'JWT'})}")
    assert "tenant" in await _refused(auth, f"Bearer {mint(keys, tenant=None)}")


async def test_expired_token_is_refused(hub: Hub, key_file: Path) -> None:
    token = mint(_signing_keys(key_file), iat=1_700_000_000, exp=1_700_000_900)
    assert "expired" in await _refused(hub.services.auth, f"Bearer {token}")


async def test_revoked_token_is_refused(hub: Hub) -> None:
    client = await hub.client()
    token = await hub.token(client)
    known = await hub.services.auth.known_token(token)
    assert known is not None
    await hub.services.auth.revoke([known])
    assert "revoked" in await _refused(hub.services.auth, f"Bearer {token}")


async def test_tokens_of_a_rotated_key_keep_validating(hub: Hub, key_file: Path) -> None:
    client = await hub.client()
    old_token = await hub.token(client)
    old_kid = read_key_file(key_file).current.kid
    rotate_key_file(key_file, token_ttl_s=hub.services.settings.token_ttl_s)
    hub.services.auth.keys.reload()

    new_token = await hub.token(client)
    await hub.services.auth.authenticate(f"Bearer {old_token}")
    await hub.services.auth.authenticate(f"Bearer {new_token}")
    kids = [key["kid"] for key in (await hub.http.get("/.well-known/jwks.json")).json()["keys"]]
    assert len(kids) == 2 and kids[1] == old_kid and kids[0] != old_kid
    assert (
        hub.services.auth.verify(new_token).claims["jti"] != hub.services.auth.verify(old_token).claims["jti"]
    )


async def test_anonymous_only_when_allowed(hub: Hub) -> None:
    auth = hub.services.auth
    assert "missing" in await _refused(auth, None)
    anonymous = AuthService(
        settings=auth.settings.model_copy(update={"allow_anonymous": True}),
        sessions=auth.sessions,
        keys=auth.keys,
        buckets=auth._buckets,
    )
    principal = await anonymous.authenticate(None)
    assert principal.anonymous and principal.tenant_id == "demo" and principal.scopes == READ_SCOPES


async def test_data_access_appends_one_row_per_enterprise(hub: Hub) -> None:
    auth = hub.services.auth
    principal = await auth.authenticate(f"Bearer {await hub.token(await hub.client())}")
    await auth.record_data_access(
        principal,
        operation_hash="ab" * 32,
        accesses={
            "91330100MA2B3C4D5E": {"tax": "served", "electricity": "no_consent"},
            "91330200MA2B3C4D5F": {"registry": "served"},
        },
    )
    events, _ = await auth.audit.trail(tenant_id="bank-a", first=10, after_seq=None, credit_code=None)
    rows = [
        (e.entry.credit_code, e.entry.sources, e.entry.outcome)
        for e in events
        if e.entry.event == "data_access"
    ]
    assert rows == [
        ("91330200MA2B3C4D5F", ("registry",), "served"),
        ("91330100MA2B3C4D5E", ("electricity", "tax"), "no_consent,served"),
    ]
    assert (await auth.audit.verify()).ok
