"""Who may be told what: no event about data the subscribing client's scopes and its tenant's consents do
not cover.

- A subscription hears only the event types it named, and only about the firms it named (if it named any).
- A tenant-bound event (``tenant_id`` set: its consents, alerts, assessments) goes to that tenant only, and
  only to a client holding a scope that reads what the event is about (:data:`TENANT_EVENT_SCOPES`).
- A source-bound event (:attr:`hub.events.EventType.source_bound`) needs the source's read scope
  (:func:`auth.source_access.access_rule`) and, unless it is bound to the tenant itself (a state of the
  tenant's own consent), a live consent of the firm to the tenant for that source.

A disabled client's subscriptions hear nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from auth.source_access import access_rule
from connectors.catalog import load_catalog
from hub.events import EVENT_TYPES, Event

TENANT_EVENT_SCOPES: Final[Mapping[str, frozenset[str]]] = {
    "consent.granted": frozenset({"consent:read", "consent:write"}),
    "consent.withdrawn": frozenset({"consent:read", "consent:write"}),
    "consent.expiring": frozenset({"consent:read", "consent:write"}),
    "assessment.changed": frozenset({"products:read", "products:assess"}),
}
"""A tenant-bound event type → the scopes of which the client needs one (a type not named needs none
beyond ``webhooks:write``, which created the subscription)."""


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A live subscription with what bounds it: its tenant and its client's scopes."""

    id: str
    tenant_id: str
    scopes: frozenset[str]
    events: frozenset[str]
    credit_codes: frozenset[str] | None

    def wants(self, event: Event) -> bool:
        """Named the event's type (and its firm, if it named firms), and the event is not another tenant's."""
        if event.type not in self.events:
            return False
        if self.credit_codes is not None and event.credit_code not in self.credit_codes:
            return False
        return event.tenant_id is None or event.tenant_id == self.tenant_id

    def needs_consent(self, event: Event) -> bool:
        return EVENT_TYPES[event.type].source_bound and event.tenant_id is None

    def may_be_told(self, event: Event, live_sources: frozenset[str]) -> bool:
        """Whether its scopes and (for source-bound events) the firm's live consents to its tenant cover
        the event; ``live_sources`` are the consent names live for (tenant, firm)."""
        if not self.wants(event):
            return False
        kind = EVENT_TYPES[event.type]
        if kind.source_bound:
            if event.source not in load_catalog():
                return False
            rule = access_rule(event.source)
            if rule.scope not in self.scopes:
                return False
            return not self.needs_consent(event) or rule.consented(live_sources)
        needed = TENANT_EVENT_SCOPES.get(event.type)
        return needed is None or bool(needed & self.scopes)
