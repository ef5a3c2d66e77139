"""``GET /webhooks/events.json``: the machine-readable catalogue of the events a webhook may name, made
from :data:`hub.events.EVENT_TYPES` (name, description, its ``data`` fields, whether it is bound to a
source, and an example body as a receiver gets it), with how deliveries are signed."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.events import EVENT_TYPES, Event, EventType
from hub.webhooks.sink import envelope

EXAMPLE_CODE: Final = "91330100MA27XL8X2H"
EXAMPLE_SOURCE: Final = "electricity"
EXAMPLE_AT: Final = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
EXAMPLE_VALUES: Final[dict[str, Any]] = {
    "sources": ["electricity", "tax"],
    "validUntil": "2027-06-30",
    "status": "SOURCE_ERROR",
    "previous": "LINKED",
    "errorCode": "SOURCE_UNAVAILABLE",
    "month": "2026-11",
    "contentHash": "9f2c4e1ab3d5…",
    "flag": "ELEC_USAGE_DROP",
    "alertId": "al_2f9c…",
    "rule": "electricity-drop",
    "severity": "HIGH",
    "product": "electricity-loan",
    "version": 3,
    "decision": "REFER",
}
"""Example values by data field name; a field not here shows its description."""

SIGNATURE: Final = {
    "format": "Standard Webhooks (https://www.standardwebhooks.com)",
    "headers": ["webhook-id", "webhook-timestamp", "webhook-signature"],
    "scheme": "v1: HMAC-SHA256 of '{webhook-id}.{webhook-timestamp}.{body}' under the whsec_ secret",
    "retries": "the same webhook-id on every retry: deduplicate by it",
}


def _example(kind: EventType) -> dict[str, Any]:
    event = Event(
        type=kind.name,
        credit_code=EXAMPLE_CODE,
        data={name: EXAMPLE_VALUES.get(name, description) for name, description in kind.data.items()},
        source=EXAMPLE_SOURCE if kind.source_bound else None,
        occurred_at=EXAMPLE_AT,
    )
    return envelope(event)


@cache
def event_catalogue() -> dict[str, Any]:
    """The catalogue as JSON-ready data."""
    return {
        "envelope": {
            "type": "the event type",
            "timestamp": "when it happened (RFC 3339, UTC)",
            "data": "creditCode, source (source-bound events), then the type's fields",
        },
        "signature": SIGNATURE,
        "events": [
            {
                "name": kind.name,
                "description": kind.description,
                "sourceBound": kind.source_bound,
                "data": dict(kind.data),
                "example": _example(kind),
            }
            for kind in EVENT_TYPES.values()
        ],
    }


async def events_json(request: Request) -> JSONResponse:
    return JSONResponse(event_catalogue(), headers={"Cache-Control": "public, max-age=300"})
