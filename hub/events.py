"""What happened that a tenant may want to be told: the hub's events and the bus they go out on.

Producers (consent changes, connection states, refreshes, indicators, alerts, assessments) ``emit`` events;
sinks (the webhook deliveries, hub.webhooks) receive every event and decide who is told. An event carries
no source data: ids, codes, months, content hashes and states only (a receiver re-fetches through GraphQL,
under its own scopes and consents). :data:`EVENT_TYPES` is the catalogue (``/webhooks/events.json`` is made
from it).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from foundation.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class EventType:
    name: str
    description: str
    data: Mapping[str, str]  # field → what it holds (the catalogue's schema of ``data``)
    source_bound: bool = True  # about one source's data: told only to tenants that may read it


EVENT_TYPES: Final[Mapping[str, EventType]] = {
    kind.name: kind
    for kind in (
        EventType(
            "consent.granted",
            "A firm granted the tenant a consent for sources.",
            {"sources": "the sources", "validUntil": "the last day (YYYY-MM-DD)"},
            source_bound=False,
        ),
        EventType(
            "consent.withdrawn",
            "A firm withdrew the tenant's consent for sources.",
            {"sources": "the sources"},
            source_bound=False,
        ),
        EventType(
            "consent.expiring",
            "A consent of the tenant ends within 7 days.",
            {"sources": "the sources", "validUntil": "the last day (YYYY-MM-DD)"},
            source_bound=False,
        ),
        EventType(
            "connection.status_changed",
            "The state of a (firm, source) connection changed, an error clearing included.",
            {"status": "the new status", "previous": "the status before", "errorCode": "the error, if any"},
        ),
        EventType(
            "profile.changed",
            "A firm's record of a source changed (no data: re-fetch it through GraphQL).",
            {"month": "the last month held (YYYY-MM)", "contentHash": "the new record's content hash"},
        ),
        EventType(
            "indicator.flag_raised",
            "An indicator of a firm raised a flag.",
            {"flag": "the flag's code"},
        ),
        EventType(
            "indicator.flag_cleared",
            "A flag of a firm's indicator cleared.",
            {"flag": "the flag's code"},
        ),
        EventType(
            "alert.created",
            "An early-warning rule of the tenant fired for a firm on its watchlist.",
            {"alertId": "the alert's id", "rule": "the rule's name", "severity": "LOW, MEDIUM or HIGH"},
            source_bound=False,
        ),
        EventType(
            "assessment.changed",
            "A firm's decision under one of the tenant's products changed.",
            {
                "product": "the product's key",
                "version": "the version that decided",
                "decision": "the new decision",
                "previous": "the decision of the tenant's assessment before",
            },
            source_bound=False,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Event:
    """One event. ``tenant_id`` None: about a firm and source, for every tenant that may read it."""

    type: str
    credit_code: str
    data: Mapping[str, Any]
    tenant_id: str | None = None
    source: str | None = None
    id: str = field(default_factory=lambda: f"evt_{uuid.uuid4().hex}")
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        kind = EVENT_TYPES.get(self.type)
        if kind is None:
            raise ValueError(f"unknown event type {self.type!r}")
        if kind.source_bound and self.source is None:
            raise ValueError(f"a {self.type} event names its source")


class EventSink(Protocol):
    async def receive(self, events: Sequence[Event]) -> None: ...


class EventBus:
    """Hands every emitted event to every sink, in order; a failing sink is logged, not the emitter's."""

    def __init__(self) -> None:
        self._sinks: list[EventSink] = []

    def subscribe(self, sink: EventSink) -> None:
        self._sinks.append(sink)

    async def emit(self, events: Sequence[Event]) -> None:
        for sink in self._sinks:
            try:
                await sink.receive(events)
            except Exception as error:  # a sink's failure must not undo what the emitter did
                log.error("event_sink_failed", error=type(error).__name__)
