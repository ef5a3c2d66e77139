"""Failed client authentications: throttled per client id and per address, audited; verified pairs stay fast.

Attempts come from chosen source addresses (the ASGI client address, what uvicorn's proxy headers set).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from structlog.testing import capture_logs

from audit.log import AuditedEvent
from auth.client_auth import CLIENT_ID_KEPT, THROTTLE_AUDIT_WINDOW_S, UNKNOWN_TENANT, source_address
from auth.clients import IssuedClient, register_client, set_client_disabled
from auth.principal import ALL_SCOPES
from foundation.settings import Settings
from hub.app import create_app
from hub.services import HubServices
from tests.auth.client_auth_answers import FAILED, count_scrypt
from tests.fixtures.backends import Backend

THROTTLED = {
    "error": "temporarily_unavailable",
    "error_description": "too many failed client authentications; retry later",
}
TOKEN_FORM = {"grant_type": "client_credentials"}
BURST = 2


@pytest.fixture
def auth_settings(backend: Backend, key_file: Path) -> Settings:
    # Two failures per bucket, then one a minute: a test never sees a bucket refill.
    return backend.settings(signing_key_file=key_file, auth_failure_burst=BURST, auth_failures_per_minute=1)


class Gate:
    """The hub's OAuth endpoints, reached from any source address."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.services: HubServices = app.state.services

    async def client(self, tenant: str = "bank-a") -> IssuedClient:
        return await register_client(sessions=self.services.sessions, tenant_id=tenant, scopes=ALL_SCOPES)

    async def post(
        self, credentials: tuple[str, str], *, address: str, path: str = "/oauth/token", **form: str
    ) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            return await http.post(path, data={**TOKEN_FORM, **form}, auth=credentials)

    async def audited(self, tenant: str) -> list[AuditedEvent]:
        events, _ = await self.services.auth.audit.trail(
            tenant_id=tenant, first=100, after_seq=None, credit_code=None
        )
        return [event for event in reversed(events) if event.entry.event == "client_auth_failed"]


@pytest.fixture
async def gate(auth_settings: Settings, engine: object) -> AsyncIterator[Gate]:
    app = create_app(auth_settings)
    async with app.router.lifespan_context(app):
        yield Gate(app)


def address(n: int) -> str:
    return f"198.51.100.{n}"


def assert_throttled(answer: httpx.Response) -> None:
    assert answer.status_code == 429
    assert answer.json() == THROTTLED
    assert 1 <= int(answer.headers["retry-after"]) <= 60  # a failure a minute refills
    assert answer.headers["cache-control"] == "no-store"


async def test_failures_for_one_client_id_are_throttled_before_any_scrypt(
    gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await gate.client()
    scrypt = count_scrypt(monkeypatch)
    for target in (client.client_id, "cl-nobody"):  # a registered id and an unknown one alike
        for n in range(BURST):
            answer = await gate.post((target, "wrong"), address=address(n))
            assert (answer.status_code, answer.json()) == (401, FAILED)
        scrypt.clear()
        assert_throttled(await gate.post((target, "wrong"), address=address(50)))
        assert scrypt == []
    # The refusal took nothing from the address's bucket: another id from there is verified (and fails).
    answer = await gate.post(("cl-other", "wrong"), address=address(50))
    assert (answer.status_code, len(scrypt)) == (401, 1)


async def test_failures_from_one_address_are_throttled_for_every_client_id(
    gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await gate.client()
    for n in range(BURST):
        assert (await gate.post((f"cl-guess-{n}", "wrong"), address=address(1))).status_code == 401
    scrypt = count_scrypt(monkeypatch)
    assert_throttled(await gate.post(("cl-guess-new", "wrong"), address=address(1)))
    # A client this process has not verified yet is refused there too, before its secret is checked.
    assert_throttled(await gate.post((client.client_id, client.client_secret), address=address(1)))
    assert scrypt == []
    assert (await gate.post((client.client_id, client.client_secret), address=address(2))).status_code == 200


async def test_successful_authentications_do_not_count_as_failures(gate: Gate) -> None:
    clients = [await gate.client() for _ in range(BURST + 2)]
    for client in clients:  # each verified for the first time, from one address
        answer = await gate.post((client.client_id, client.client_secret), address=address(1))
        assert answer.status_code == 200, answer.text


async def test_a_verified_client_stays_fast_while_its_id_is_flooded(
    gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await gate.client()
    credentials = (client.client_id, client.client_secret)
    assert (await gate.post(credentials, address=address(1))).status_code == 200
    scrypt = count_scrypt(monkeypatch)
    flood = [await gate.post((client.client_id, f"guess-{n}"), address=address(n)) for n in range(20)]
    assert [answer.status_code for answer in flood] == [401] * BURST + [429] * (20 - BURST)
    assert len(scrypt) == BURST  # the refused ones cost no verification
    scrypt.clear()
    for source in (address(1), address(0)):  # also from an address whose bucket is empty
        assert (await gate.post(credentials, address=source)).status_code == 200
    assert scrypt == []  # the pair was verified before: no scrypt, no throttle


async def test_a_remembered_pair_ends_with_a_disable_or_a_new_secret(
    gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await gate.client()
    old = (client.client_id, client.client_secret)
    assert (await gate.post(old, address=address(1))).status_code == 200
    services = gate.services
    await set_client_disabled(
        sessions=services.sessions, audit=services.auth.audit, client_id=client.client_id, disabled=True
    )
    scrypt = count_scrypt(monkeypatch)
    answer = await gate.post(old, address=address(2))
    assert (answer.status_code, answer.json(), len(scrypt)) == (401, FAILED, 1)
    reissued = await register_client(
        sessions=services.sessions, tenant_id="bank-a", scopes=ALL_SCOPES, client_id=client.client_id
    )
    new = (reissued.client_id, reissued.client_secret)
    assert (await gate.post(new, address=address(3))).status_code == 200
    assert (await gate.post(old, address=address(4))).status_code == 401


async def test_a_remembered_pair_is_verified_again_a_token_lifetime_after_its_last_use(
    gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await gate.client()
    credentials = (client.client_id, client.client_secret)
    authenticator = gate.services.auth.client_auth
    now = [1000.0]
    authenticator.clock = lambda: now[0]
    ttl = gate.services.settings.token_ttl_s
    assert (await gate.post(credentials, address=address(1))).status_code == 200
    scrypt = count_scrypt(monkeypatch)
    now[0] += ttl - 1
    assert (await gate.post(credentials, address=address(1))).status_code == 200
    now[0] += ttl - 1  # within a lifetime of its last use
    assert (await gate.post(credentials, address=address(1))).status_code == 200
    assert scrypt == []
    now[0] += ttl + 1
    assert (await gate.post(credentials, address=address(1))).status_code == 200
    assert len(scrypt) == 1


async def test_every_failed_verification_is_audited_and_logged_without_secrets(gate: Gate) -> None:
    client = await gate.client()
    long_id = "cl-" + "x" * 100
    with capture_logs() as logs:
        await gate.post((client.client_id, "wrong-secret-1"), address=address(1))
        await gate.post((long_id, "wrong-secret-2"), address=address(2))
    known, unknown = await gate.audited("bank-a"), await gate.audited(UNKNOWN_TENANT)
    assert [event.entry.client_id for event in known] == [client.client_id]
    assert [event.entry.client_id for event in unknown] == [long_id[:CLIENT_ID_KEPT]]
    for event, source in ((known[0], address(1)), (unknown[0], address(2))):
        assert event.entry.outcome == f"bad_credentials endpoint=/oauth/token address={source}"
    warnings = [line for line in logs if line["event"] == "client_auth_failed"]
    assert [(line["log_level"], line["tenant"], line["outcome"]) for line in warnings] == [
        ("warning", "bank-a", "bad_credentials"),
        ("warning", UNKNOWN_TENANT, "bad_credentials"),
    ]
    written = repr([event.entry for event in known + unknown]) + repr(warnings)
    for secret in ("wrong-secret-1", "wrong-secret-2", client.client_secret):
        assert secret not in written
        assert hashlib.sha256(secret.encode()).hexdigest() not in written
    assert (await gate.services.auth.audit.verify()).ok


async def test_failures_at_introspection_and_revocation_count_and_are_audited(gate: Gate) -> None:
    client = await gate.client()
    for path in ("/oauth/introspect", "/oauth/revoke"):
        answer = await gate.post((client.client_id, "wrong"), address=address(1), path=path, token="t")
        assert (answer.status_code, answer.json()) == (401, FAILED)
    assert_throttled(await gate.post((client.client_id, "wrong"), address=address(2)))
    outcomes = [event.entry.outcome.split()[:2] for event in await gate.audited("bank-a")]
    assert outcomes[:2] == [
        ["bad_credentials", "endpoint=/oauth/introspect"],
        ["bad_credentials", "endpoint=/oauth/revoke"],
    ]


async def test_throttled_refusals_are_audited_once_per_bucket_per_window(gate: Gate) -> None:
    authenticator = gate.services.auth.client_auth
    now = [1000.0]
    authenticator.clock = lambda: now[0]
    target = f"cl-{uuid.uuid4().hex[:8]}"
    for n in range(BURST):
        await gate.post((target, "wrong"), address=address(n))
    for _ in range(5):
        assert_throttled(await gate.post((target, "wrong"), address=address(9)))
    now[0] += THROTTLE_AUDIT_WINDOW_S
    assert_throttled(await gate.post((target, "wrong"), address=address(9)))
    outcomes = [event.entry.outcome for event in await gate.audited(UNKNOWN_TENANT)]
    assert outcomes == [
        f"bad_credentials endpoint=/oauth/token address={address(0)}",
        f"bad_credentials endpoint=/oauth/token address={address(1)}",
        f"throttled endpoint=/oauth/token address={address(9)} bucket=client",
        f"throttled endpoint=/oauth/token address={address(9)} bucket=client refused_unaudited=4",
    ]


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),  # one subscriber's /64 is one address
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
        (None, "unknown"),
    ],
)
def test_the_source_address_key(host: str | None, key: str) -> None:
    assert source_address(host) == key
