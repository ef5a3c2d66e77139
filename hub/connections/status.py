"""Where a (firm, source) connection stands for one tenant: the refresh jobs' fetch state, overridden by the
tenant's own consents.

    tenant's consents of the (firm, source)            status
      none ever in force                                PENDING_CONSENT
      none live, one was (withdrawn or ended)           CONSENT_WITHDRAWN
      live, the last one ends within 7 days             CONSENT_EXPIRING
      live                                              the fetch status: LINKED | SOURCE_ERROR |
                                                        NOT_FOUND_AT_SOURCE | STALE (nothing held yet, or
                                                        the last success older than the source's window)

The registry is a public register read without consent: its row follows the tenant's consents of the
firm's other sources (any of them). A tenant without a live consent sees no fetch details (when the hub
last tried, what it holds): those would tell it that another bank holds a consent of the firm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Final

from auth.consent import CONSENT_TIMEZONE, ConsentRecord
from hub.sources.reader import RefreshOutcome

EXPIRING_WITHIN: Final = timedelta(days=7)


class ConnectionStatus(StrEnum):
    LINKED = "LINKED"
    PENDING_CONSENT = "PENDING_CONSENT"
    CONSENT_EXPIRING = "CONSENT_EXPIRING"
    CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN"
    SOURCE_ERROR = "SOURCE_ERROR"
    STALE = "STALE"
    NOT_FOUND_AT_SOURCE = "NOT_FOUND_AT_SOURCE"


FETCH_STATUS: Final[dict[RefreshOutcome, ConnectionStatus]] = {
    "fetched": ConnectionStatus.LINKED,
    "unchanged": ConnectionStatus.LINKED,
    "not_found": ConnectionStatus.NOT_FOUND_AT_SOURCE,
    "failed": ConnectionStatus.SOURCE_ERROR,
}


@dataclass(frozen=True, slots=True)
class FetchState:
    """A ``connection_state`` row: what the refresh jobs last found for a (firm, source)."""

    credit_code: str
    source: str
    status: ConnectionStatus
    status_since: datetime
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error_code: str | None
    first_month: date | None
    last_month: date | None
    content_hash: str | None
    consent_ended_at: datetime | None

    def as_of(self, now: datetime, stale_after: timedelta) -> FetchState:
        """This state at ``now``: LINKED turns STALE once the last success is older than ``stale_after``."""
        if self.status is not ConnectionStatus.LINKED or self.last_success_at is None:
            return self
        if now - self.last_success_at <= stale_after:
            return self
        return replace(self, status=ConnectionStatus.STALE, status_since=self.last_success_at + stale_after)


@dataclass(frozen=True, slots=True)
class ConnectionView:
    """One (firm, source) as one tenant sees it; ``fetch`` None when the tenant holds no live consent."""

    credit_code: str
    source: str
    status: ConnectionStatus
    status_since: datetime | None
    consent_expires_on: date | None
    fetch: FetchState | None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), CONSENT_TIMEZONE).astimezone(UTC)


def connection_view(
    credit_code: str,
    source: str,
    fetch: FetchState | None,
    consents: Sequence[ConsentRecord],
    *,
    today: date,
    now: datetime,
    stale_after: timedelta,
) -> ConnectionView:
    """The tenant's view of one (firm, source) from its ``consents`` that cover it (see the module)."""
    live = [consent for consent in consents if consent.is_live(today)]
    if live:
        expires_on = max(consent.valid_until for consent in live)
        if _start_of(expires_on) - _start_of(today) < EXPIRING_WITHIN:
            since = max(_start_of(expires_on) - EXPIRING_WITHIN, min(c.granted_at for c in live))
            return ConnectionView(
                credit_code, source, ConnectionStatus.CONSENT_EXPIRING, since, expires_on, fetch
            )
        if fetch is None:
            return ConnectionView(credit_code, source, ConnectionStatus.STALE, None, expires_on, None)
        current = fetch.as_of(now, stale_after)
        return ConnectionView(credit_code, source, current.status, current.status_since, expires_on, current)
    ended = [
        consent.withdrawn_at or _start_of(consent.valid_until + timedelta(days=1))
        for consent in consents
        if consent.valid_from <= today or consent.withdrawn_at is not None
    ]
    if ended:
        return ConnectionView(credit_code, source, ConnectionStatus.CONSENT_WITHDRAWN, max(ended), None, None)
    return ConnectionView(credit_code, source, ConnectionStatus.PENDING_CONSENT, None, None, None)
