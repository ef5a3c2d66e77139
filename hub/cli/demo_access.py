"""Access for ``hub demo``: a demo bank, its client, its firms' consents and a token, ready to paste."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from auth.clients import load_client, register_client
from auth.consent import consent_today
from auth.principal import ALL_SCOPES
from connectors.catalog import load_catalog
from foundation.errors import NotFound
from hub.products.templates import templates

if TYPE_CHECKING:
    from hub.services import HubServices

DEMO_TENANT = "demo-bank"
DEMO_CLIENT = "demo-bank-console"
DEMO_EVIDENCE = "demo:sandbox-universe-consent"


@dataclass(frozen=True)
class DemoAccess:
    """The demo client's credentials (re-issued each run, so the secret can be shown) and a fresh token."""

    tenant_id: str
    client_id: str
    client_secret: str
    access_token: str


async def prepare_demo(services: HubServices, credit_codes: Sequence[str]) -> DemoAccess:
    """Idempotent: the tenant and client are re-used (with a new secret); firms already consenting to every
    source are left alone, the others get all five sources for one year."""
    auth = services.auth
    issued = await register_client(
        sessions=services.sessions,
        tenant_id=DEMO_TENANT,
        scopes=ALL_SCOPES,
        name="demo bank console",
        client_id=DEMO_CLIENT,
    )
    everything = frozenset(load_catalog().consent_names())
    live = await auth.consents.live(DEMO_TENANT, credit_codes)
    missing = [code for code in credit_codes if live[code] != everything]
    if missing:
        today = consent_today()
        await auth.consents.grant_many(
            tenant_id=DEMO_TENANT,
            client_id=DEMO_CLIENT,
            credit_codes=missing,
            sources=sorted(everything),
            valid_from=today,
            valid_until=today + timedelta(days=365),
            evidence_ref=DEMO_EVIDENCE,
        )
    await publish_templates(services)
    client = await load_client(services.sessions, DEMO_CLIENT)
    if client is None:
        raise RuntimeError(f"demo client {DEMO_CLIENT} vanished right after registration")
    token = await auth.issue_token(client)
    return DemoAccess(DEMO_TENANT, issued.client_id, issued.client_secret, token["access_token"])


async def publish_templates(services: HubServices) -> None:
    """The shipped product templates as the demo bank's own products (version 1), unless it has them."""
    for template in templates().values():
        try:
            await services.products.products.version(DEMO_TENANT, template.key)
        except NotFound:
            await services.products.publish(
                tenant_id=DEMO_TENANT,
                client_id=DEMO_CLIENT,
                key=template.key,
                name=template.name,
                kind=template.kind,
                document=template.document,
            )
