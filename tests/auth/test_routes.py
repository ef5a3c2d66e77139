"""The authorisation server's HTTP endpoints: success and the RFC error answers."""

from __future__ import annotations

import base64

import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from joserfc import jwt
from joserfc.jwk import KeySet

from auth.client_secret import hash_client_secret
from auth.clients import set_client_disabled
from auth.principal import ALL_SCOPES, Principal
from tests.auth.client_auth_answers import FAILED, count_scrypt
from tests.fixtures.hub import Hub


async def test_client_secret_basic_issues_an_rfc9068_token(hub: Hub) -> None:
    client = await hub.client(scopes=frozenset({"registry:read", "tax:read"}))
    answer = await hub.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.client_secret),
    )
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == hub.services.settings.token_ttl_s
    assert body["scope"] == "registry:read tax:read"
    assert "refresh_token" not in body
    jwks = (await hub.http.get("/.well-known/jwks.json")).json()
    token = jwt.decode(body["access_token"], KeySet.import_key_set(jwks))
    assert token.header["typ"] == "at+jwt"
    assert token.header["kid"] == jwks["keys"][0]["kid"]
    claims = token.claims
    assert claims["sub"] == claims["client_id"] == client.client_id
    assert claims["aud"] == "enterprise-data-hub"
    assert claims["tenant"] == "bank-a"
    assert claims["exp"] - claims["iat"] == hub.services.settings.token_ttl_s
    principal = await hub.services.auth.authenticate(f"Bearer {body['access_token']}")
    assert principal == Principal(
        "bank-a", client.client_id, frozenset({"registry:read", "tax:read"}), claims["jti"]
    )


async def test_client_secret_post_with_a_narrower_scope(hub: Hub) -> None:
    client = await hub.client()
    answer = await hub.http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "scope": "electricity:read",
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["scope"] == "electricity:read"


async def test_token_issuance_is_audited(hub: Hub) -> None:
    client = await hub.client()
    await hub.token(client)
    events, _ = await hub.services.auth.audit.trail(
        tenant_id="bank-a", first=10, after_seq=None, credit_code=None
    )
    assert [(event.entry.event, event.entry.client_id) for event in events] == [
        ("token_issued", client.client_id)
    ]
    assert (await hub.services.auth.audit.verify()).ok


async def test_wrong_secret_is_invalid_client_with_401_for_basic(hub: Hub) -> None:
    client = await hub.client()
    answer = await hub.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, "not-the-secret")
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert answer.headers["www-authenticate"].startswith("Basic")


async def test_unknown_client_is_invalid_client(hub: Hub) -> None:
    answer = await hub.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "cl-nobody", "client_secret": "x"},
    )
    assert answer.status_code == 401
    assert answer.json() == FAILED


FORMS = {
    "/oauth/token": {"grant_type": "client_credentials"},
    "/oauth/introspect": {"token": "not-a-jwt"},
    "/oauth/revoke": {"token": "not-a-jwt"},
}


@pytest.mark.parametrize("path", sorted(FORMS))
async def test_unknown_id_wrong_secret_and_disabled_client_look_the_same(
    hub: Hub, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, disabled = await hub.client(), await hub.client()
    await set_client_disabled(
        sessions=hub.services.sessions,
        audit=hub.services.auth.audit,
        client_id=disabled.client_id,
        disabled=True,
    )
    own_cost = tuple(int(part) for part in hash_client_secret("s").split("$")[1:4])
    scrypt = count_scrypt(monkeypatch)
    attempts = {
        "unknown client id": ("cl-nobody", client.client_secret),
        "wrong secret": (client.client_id, "not-the-secret"),
        "disabled client": (disabled.client_id, disabled.client_secret),
    }
    seen = set()
    for case, (client_id, secret) in attempts.items():
        basic = await hub.http.post(path, data=FORMS[path], auth=(client_id, secret))
        post = await hub.http.post(
            path, data={**FORMS[path], "client_id": client_id, "client_secret": secret}
        )
        for answer in (basic, post):
            assert answer.status_code == 401, case
            assert answer.json() == FAILED, case
            seen.add(tuple(sorted(answer.headers.items())))
        # The same work: one scrypt verification each, at the cost of a registered client's hash.
        assert scrypt == [own_cost, own_cost], case
        scrypt.clear()
    (headers,) = seen  # byte for byte the same answer, headers included
    assert dict(headers)["www-authenticate"] == 'Basic realm="hub"'


async def test_a_request_without_credentials_gets_the_same_answer(hub: Hub) -> None:
    for path, form in FORMS.items():
        answer = await hub.http.post(path, data=form)
        assert (answer.status_code, answer.json()) == (401, FAILED)
        assert answer.headers["www-authenticate"] == 'Basic realm="hub"'


async def test_scope_beyond_the_clients_is_invalid_scope(hub: Hub) -> None:
    client = await hub.client(scopes=frozenset({"registry:read"}))
    answer = await hub.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "registry:read admin"},
        auth=(client.client_id, client.client_secret),
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"
    assert "admin" in answer.json()["error_description"]


async def test_other_grant_types_are_unsupported(hub: Hub) -> None:
    client = await hub.client()
    answer = await hub.http.post(
        "/oauth/token", data={"grant_type": "password"}, auth=(client.client_id, client.client_secret)
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


async def test_malformed_requests_are_invalid_request(hub: Hub) -> None:
    client = await hub.client()
    basic = "Basic " + base64.b64encode(f"{client.client_id}:{client.client_secret}".encode()).decode()
    missing = await hub.http.post("/oauth/token", data={}, headers={"Authorization": basic})
    repeated = await hub.http.post(
        "/oauth/token",
        content="grant_type=client_credentials&scope=a&scope=b",
        headers={"Authorization": basic, "Content-Type": "application/x-www-form-urlencoded"},
    )
    as_json = await hub.http.post(
        "/oauth/token", json={"grant_type": "client_credentials"}, headers={"Authorization": basic}
    )
    for answer in (missing, repeated, as_json):
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_request"


async def test_metadata_follows_rfc8414(hub: Hub) -> None:
    answer = await hub.http.get("/.well-known/oauth-authorization-server")
    assert answer.status_code == 200
    metadata = answer.json()
    # RFC 8414 requires response_types_supported; with no authorisation endpoint it is empty.
    assert metadata["response_types_supported"] == []
    AuthorizationServerMetadata({**metadata, "response_types_supported": ["none"]}).validate()
    assert metadata["issuer"] == hub.services.settings.issuer_url
    assert metadata["token_endpoint"].endswith("/oauth/token")
    assert set(metadata["scopes_supported"]) == ALL_SCOPES
    assert metadata["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]


async def test_jwks_publishes_public_keys_only(hub: Hub) -> None:
    keys = (await hub.http.get("/.well-known/jwks.json")).json()["keys"]
    assert len(keys) == 1
    assert keys[0]["alg"] == "ES256" and keys[0]["kid"]
    assert "d" not in keys[0]


async def test_introspection_answers_active_with_claims(hub: Hub) -> None:
    client = await hub.client()
    token = await hub.token(client, "tax:read")
    answer = await hub.http.post(
        "/oauth/introspect", data={"token": token}, auth=(client.client_id, client.client_secret)
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["active"] is True
    assert body["scope"] == "tax:read"
    assert body["client_id"] == client.client_id
    assert body["tenant"] == "bank-a"


async def test_introspection_answers_inactive_for_garbage_other_tenants_and_revoked(hub: Hub) -> None:
    client = await hub.client()
    other = await hub.client(tenant="bank-b")
    token = await hub.token(client)
    auth = (client.client_id, client.client_secret)
    garbage = await hub.http.post("/oauth/introspect", data={"token": "not-a-jwt"}, auth=auth)
    foreign = await hub.http.post(
        "/oauth/introspect", data={"token": token}, auth=(other.client_id, other.client_secret)
    )
    await hub.http.post("/oauth/revoke", data={"token": token}, auth=auth)
    revoked = await hub.http.post("/oauth/introspect", data={"token": token}, auth=auth)
    for answer in (garbage, foreign, revoked):
        assert answer.status_code == 200
        assert answer.json() == {"active": False}


async def test_introspection_needs_client_authentication(hub: Hub) -> None:
    client = await hub.client()
    token = await hub.token(client)
    answer = await hub.http.post("/oauth/introspect", data={"token": token})
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    missing = await hub.http.post("/oauth/introspect", data={}, auth=(client.client_id, client.client_secret))
    assert missing.json()["error"] == "invalid_request"


async def test_revoked_token_is_refused_by_the_resource_side(hub: Hub) -> None:
    client = await hub.client()
    token = await hub.token(client)
    await hub.services.auth.authenticate(f"Bearer {token}")
    answer = await hub.http.post(
        "/oauth/revoke", data={"token": token}, auth=(client.client_id, client.client_secret)
    )
    assert answer.status_code == 200
    again = await hub.http.post(
        "/oauth/revoke", data={"token": token}, auth=(client.client_id, client.client_secret)
    )
    assert again.status_code == 200
    try:
        await hub.services.auth.authenticate(f"Bearer {token}")
    except Exception as error:
        assert "revoked" in str(error)
    else:
        raise AssertionError("a revoked token was accepted")


async def test_only_the_owning_client_may_revoke(hub: Hub) -> None:
    owner = await hub.client()
    colleague = await hub.client()
    token = await hub.token(owner)
    answer = await hub.http.post(
        "/oauth/revoke", data={"token": token}, auth=(colleague.client_id, colleague.client_secret)
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    await hub.services.auth.authenticate(f"Bearer {token}")


async def test_revoking_an_unknown_token_is_a_no_op(hub: Hub) -> None:
    client = await hub.client()
    answer = await hub.http.post(
        "/oauth/revoke", data={"token": "whatever"}, auth=(client.client_id, client.client_secret)
    )
    assert answer.status_code == 200


async def test_revocation_refuses_an_unknown_token_type_with_400(hub: Hub) -> None:
    client = await hub.client()
    token = await hub.token(client)
    auth = (client.client_id, client.client_secret)
    answer = await hub.http.post("/oauth/revoke", data={"token": token, "token_type_hint": "saml"}, auth=auth)
    assert answer.status_code == 400  # RFC 7009 §2.2.1: an RFC 6749 §5.2 error response
    assert answer.json()["error"] == "unsupported_token_type"
    await hub.services.auth.authenticate(f"Bearer {token}")
    # A registered hint that does not fit extends the search (RFC 7009 §2.1): the token is revoked.
    hinted = await hub.http.post(
        "/oauth/revoke", data={"token": token, "token_type_hint": "refresh_token"}, auth=auth
    )
    assert hinted.status_code == 200
    assert (await hub.http.post("/oauth/introspect", data={"token": token}, auth=auth)).json() == {
        "active": False
    }


async def test_introspection_ignores_the_hint(hub: Hub) -> None:
    client = await hub.client()
    token = await hub.token(client)
    answer = await hub.http.post(
        "/oauth/introspect",
        data={"token": token, "token_type_hint": "saml"},
        auth=(client.client_id, client.client_secret),
    )
    assert answer.status_code == 200 and answer.json()["active"] is True


async def test_two_authentication_methods_at_once_are_invalid_request(hub: Hub) -> None:
    client, other = await hub.client(), await hub.client()
    form = {"grant_type": "client_credentials"}
    both = await hub.http.post(
        "/oauth/token",
        data={**form, "client_id": client.client_id, "client_secret": client.client_secret},
        auth=(client.client_id, client.client_secret),
    )
    differing = await hub.http.post(
        "/oauth/token",
        data={**form, "client_id": other.client_id},
        auth=(client.client_id, client.client_secret),
    )
    for answer in (both, differing):
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_request"


async def test_hostile_input_gets_an_oauth_error_not_a_500(hub: Hub) -> None:
    client = await hub.client(scopes=frozenset({"registry:read"}))
    auth = (client.client_id, client.client_secret)
    quoted_scope = await hub.http.post(
        "/oauth/token", data={"grant_type": "client_credentials", "scope": 'tax:read "x\\'}, auth=auth
    )
    assert quoted_scope.status_code == 400 and quoted_scope.json()["error"] == "invalid_scope"
    repeated = await hub.http.post(
        "/oauth/token",
        content="grant_type=client_credentials&%C3%A9%22=1&%C3%A9%22=2",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=auth,
    )
    assert repeated.status_code == 400 and repeated.json()["error"] == "invalid_request"
    not_utf8 = "Basic " + base64.b64encode(b"\xff\xfe:secret").decode()
    garbled = await hub.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": not_utf8}
    )
    assert garbled.status_code == 400 and garbled.json()["error"] == "invalid_request"
