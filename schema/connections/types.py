"""GraphQL types of connections."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from hub.connections.status import ConnectionStatus, ConnectionView

# The hub's own enum, exposed as is (one list of statuses).
strawberry.enum(
    ConnectionStatus,
    description="Where a (firm, source) connection stands for your tenant. Your consents decide first: "
    "PENDING_CONSENT (you never held one), CONSENT_WITHDRAWN (yours was withdrawn or ended), "
    "CONSENT_EXPIRING (yours ends within 7 days); with a live consent, the hub's refresh: LINKED, "
    "SOURCE_ERROR (the last refresh failed), NOT_FOUND_AT_SOURCE (the source does not know the firm), "
    "STALE (nothing held yet, or not refreshed within the source's window).",
)


@strawberry.type(description="Why the last refresh failed.")
class RefreshError:
    code: str = strawberry.field(description="The error's code (SOURCE_UNAVAILABLE, RATE_LIMITED, …).")


@strawberry.type(description="The months of the source's record the hub holds.")
class Coverage:
    first_month: str | None = strawberry.field(description="The first month held (YYYY-MM); null: none.")
    last_month: str | None = strawberry.field(description="The last month held (YYYY-MM); null: none.")


@strawberry.type(
    description="One source's connection of an enterprise, as your tenant sees it. The refresh details "
    "(attempts, errors, coverage) are shown only while your tenant holds a live consent."
)
class SourceConnection:
    source: str = strawberry.field(description="The source (registry, electricity, …).")
    status: ConnectionStatus = strawberry.field(description="Where the connection stands.")
    status_since: datetime | None = strawberry.field(
        description="Since when it has stood so; null when not known (PENDING_CONSENT, nothing fetched)."
    )
    last_attempt_at: datetime | None = strawberry.field(description="The hub's last refresh attempt.")
    last_success_at: datetime | None = strawberry.field(description="The hub's last successful refresh.")
    last_error: RefreshError | None = strawberry.field(description="The last refresh's error; null if none.")
    coverage: Coverage | None = strawberry.field(description="The months held; null when nothing is held.")
    consent_expires_on: date | None = strawberry.field(
        description="The last day of your tenant's live consent (China Standard Time); null without one."
    )

    @classmethod
    def of(cls, view: ConnectionView) -> SourceConnection:
        fetch = view.fetch
        if fetch is None:
            return cls(
                source=view.source,
                status=view.status,
                status_since=view.status_since,
                last_attempt_at=None,
                last_success_at=None,
                last_error=None,
                coverage=None,
                consent_expires_on=view.consent_expires_on,
            )
        held = fetch.first_month is not None or fetch.last_month is not None
        return cls(
            source=view.source,
            status=view.status,
            status_since=view.status_since,
            last_attempt_at=fetch.last_attempt_at,
            last_success_at=fetch.last_success_at,
            last_error=RefreshError(code=fetch.last_error_code) if fetch.last_error_code else None,
            coverage=Coverage(first_month=_month(fetch.first_month), last_month=_month(fetch.last_month))
            if held
            else None,
            consent_expires_on=view.consent_expires_on,
        )


def _month(month: date | None) -> str | None:
    return month.strftime("%Y-%m") if month is not None else None
