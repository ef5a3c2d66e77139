"""The consent and audit fields (schema/consent, schema/audit) over a schema of just these fields."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import strawberry
from strawberry.tools import merge_types

from auth.consent import consent_today
from auth.principal import Principal
from foundation.credit_code import generate
from schema.audit.query import AuditQuery
from schema.audit.types import AUDIT_CURSOR
from schema.consent.query import ConsentMutation, ConsentQuery
from schema.context import Context
from schema.data_access import DataAccessLog
from schema.errors import map_error
from schema.pagination import encode_cursor
from tests.fixtures.hub import Hub

FIRM = generate("330100", random.Random(11))
SCHEMA = strawberry.Schema(
    query=merge_types("Query", (ConsentQuery, AuditQuery)),
    mutation=ConsentMutation,
)
GRANT = """mutation($input: GrantConsentInput!) {
  grantConsent(input: $input) { id creditCode source validFrom validUntil evidenceRef live withdrawnAt }
}"""
WITHDRAW = """mutation($code: ID!, $sources: [SourceName!]!) {
  withdrawConsent(creditCode: $code, sources: $sources) { source live withdrawnAt }
}"""
TRAIL = """query($first: Int!, $after: String, $code: ID) {
  auditTrail(first: $first, after: $after, creditCode: $code) {
    pageInfo { hasNextPage endCursor } nodes { seq event clientId creditCode sources outcome }
  }
}"""


async def run(
    hub: Hub, principal: Principal, query: str, **variables: Any
) -> tuple[Any, list[dict[str, Any]]]:
    context = Context(
        request=None,  # type: ignore[arg-type]
        response=None,  # type: ignore[arg-type]
        services=hub.services,
        principal=principal,
        loaders=None,  # type: ignore[arg-type]
        accesses=DataAccessLog(),
    )
    result = await SCHEMA.execute(query, variable_values=variables, context_value=context)
    return result.data, [dict(map_error(error, production=False).formatted) for error in result.errors or []]


def grant_input(**overrides: Any) -> dict[str, Any]:
    today = consent_today()
    values = {
        "creditCode": FIRM,
        "sources": ["electricity", "tax"],
        "validFrom": today.isoformat(),
        "validUntil": (today + timedelta(days=90)).isoformat(),
        "evidenceRef": "form-2026-17",
    }
    return {**values, **overrides}


def bank(tenant: str, *scopes: str) -> Principal:
    return Principal(tenant, f"cl-{tenant}", frozenset(scopes), token_id="t")


async def _tenants(hub: Hub) -> None:
    await hub.token(await hub.client("bank-a"))  # its issuance is bank-a's first audit entry
    await hub.client("bank-b")


async def test_grant_list_and_withdraw(hub: Hub) -> None:
    await _tenants(hub)
    writer = bank("bank-a", "consent:write")
    data, errors = await run(hub, writer, GRANT, input=grant_input())
    assert errors == []
    assert [(c["source"], c["live"]) for c in data["grantConsent"]] == [("electricity", True), ("tax", True)]
    data, _ = await run(hub, writer, WITHDRAW, code=FIRM, sources=["tax"])
    assert [(c["source"], c["live"]) for c in data["withdrawConsent"]] == [("tax", False)]
    assert await hub.services.auth.live_consents("bank-a", [FIRM]) == {FIRM: frozenset({"electricity"})}
    reader = bank("bank-b", "consent:read")
    data, _ = await run(hub, reader, "query($c: ID!) { consents(creditCode: $c) { source } }", c=FIRM)
    assert data["consents"] == []  # another tenant sees none of bank-a's consents


async def test_consents_need_a_consent_scope(hub: Hub) -> None:
    await _tenants(hub)
    await run(hub, bank("bank-a", "consent:write"), GRANT, input=grant_input())
    listing = "query($c: ID!) { consents(creditCode: $c) { source evidenceRef } }"
    data, errors = await run(hub, bank("bank-a", "tax:read", "electricity:read"), listing, c=FIRM)
    assert data is None
    assert errors[0]["extensions"] == {"code": "FORBIDDEN", "scope": "consent:read or consent:write"}
    for scope in ("consent:read", "consent:write"):
        data, errors = await run(hub, bank("bank-a", scope), listing, c=FIRM)
        assert errors == [] and {c["source"] for c in data["consents"]} == {"electricity", "tax"}


async def test_a_grant_is_bounded_in_time_and_cites_a_document(hub: Hub) -> None:
    await _tenants(hub)
    writer = bank("bank-a", "consent:write")
    today = consent_today()
    refused = {
        "validFrom": grant_input(validFrom="1900-01-01", validUntil="9999-12-31"),
        "validUntil": grant_input(validUntil=(today + timedelta(days=367)).isoformat()),
        "evidenceRef": grant_input(evidenceRef="I, the bank, say they agreed"),
    }
    for argument, values in refused.items():
        data, errors = await run(hub, writer, GRANT, input=values)
        assert data is None
        assert errors[0]["extensions"] == {"code": "BAD_REQUEST", "argument": argument}, errors
    assert await hub.services.auth.live_consents("bank-a", [FIRM]) == {FIRM: frozenset()}
    longest = grant_input(validUntil=(today + timedelta(days=366)).isoformat(), evidenceRef="CF-2026/0042")
    _, errors = await run(hub, writer, GRANT, input=longest)
    assert errors == []


async def test_mutations_need_consent_write(hub: Hub) -> None:
    await _tenants(hub)
    data, errors = await run(hub, bank("bank-a", "tax:read"), GRANT, input=grant_input())
    assert data is None
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert "consent:write" in errors[0]["message"]


async def test_bad_input_has_typed_codes(hub: Hub) -> None:
    await _tenants(hub)
    writer = bank("bank-a", "consent:write")
    today = consent_today()
    cases = {
        "BAD_CREDIT_CODE": grant_input(creditCode="91330100MA2B3C4D5X"),
        "BAD_REQUEST": grant_input(sources=["weather"]),
    }
    cases_reversed = grant_input(validUntil=(today - timedelta(days=1)).isoformat())
    for code, values in [*cases.items(), ("BAD_REQUEST", cases_reversed)]:
        _, errors = await run(hub, writer, GRANT, input=values)
        assert errors[0]["extensions"]["code"] == code, errors


async def test_audit_trail_is_tenant_scoped_paged_and_needs_admin(hub: Hub) -> None:
    await _tenants(hub)
    for tenant in ("bank-a", "bank-b"):
        await run(hub, bank(tenant, "consent:write"), GRANT, input=grant_input())
    auditor = bank("bank-a", "admin")
    data, errors = await run(hub, auditor, TRAIL, first=1)
    assert errors == []
    page = data["auditTrail"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert [node["event"] for node in page["nodes"]] == ["consent_granted"]
    rest, _ = await run(hub, auditor, TRAIL, first=10, after=page["pageInfo"]["endCursor"])
    assert {node["event"] for node in rest["auditTrail"]["nodes"]} == {"token_issued"}
    assert rest["auditTrail"]["pageInfo"]["hasNextPage"] is False
    by_firm, _ = await run(hub, auditor, TRAIL, first=10, code=FIRM)
    assert [node["clientId"] for node in by_firm["auditTrail"]["nodes"]] == ["cl-bank-a"]
    _, errors = await run(hub, bank("bank-a", "tax:read"), TRAIL, first=1)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    for garbage in ("garbage", encode_cursor(10**30, AUDIT_CURSOR), encode_cursor(-5, AUDIT_CURSOR)):
        _, errors = await run(hub, auditor, TRAIL, first=1, after=garbage)
        assert errors[0]["extensions"] == {"code": "BAD_REQUEST", "argument": "after"}, garbage
