"""A tenant's connections of a batch of firms, from the stored states and its consents alone: two queries
(states, consents) per batch, no upstream asked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from auth.consent import consent_today
from foundation.settings import Settings
from hub.connections.refresh import stale_after
from hub.connections.status import ConnectionView, connection_view
from hub.connections.store import ConnectionBook, covering


async def tenant_connections(
    book: ConnectionBook,
    settings: Settings,
    *,
    tenant_id: str,
    credit_codes: Sequence[str],
    sources: Sequence[str],
    today: date | None = None,
    now: datetime | None = None,
) -> dict[str, list[ConnectionView]]:
    """Each firm's connection of each of ``sources`` (in that order) as ``tenant_id`` sees it."""
    today, now = today or consent_today(), now or datetime.now(UTC)
    states = await book.states(credit_codes)
    consents = await book.consents_of(tenant_id, credit_codes)
    return {
        code: [
            connection_view(
                code,
                source,
                states.get((code, source)),
                covering(source, consents.get(code, [])),
                today=today,
                now=now,
                stale_after=stale_after(settings, source),
            )
            for source in sources
        ]
        for code in credit_codes
    }
