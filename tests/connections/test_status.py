"""A tenant's view of a connection: its consents override the fetch status; details only with a live one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from auth.consent import ConsentRecord
from connectors.records import ElectricityMonth, ElectricityRecord, RegistryRecord
from hub.connections.coverage import coverage_of
from hub.connections.status import ConnectionStatus, FetchState, connection_view

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 4, tzinfo=UTC)
CODE = "91330100MA27XL0T5K"
WINDOW = timedelta(days=3)


def consent(
    valid_from: date, valid_until: date, withdrawn_at: datetime | None = None, source: str = "tax"
) -> ConsentRecord:
    return ConsentRecord(
        id=1,
        tenant_id="bank-a",
        credit_code=CODE,
        source=source,
        valid_from=valid_from,
        valid_until=valid_until,
        evidence_ref="doc-1",
        granted_at=datetime(2026, 1, 1, tzinfo=UTC),
        withdrawn_at=withdrawn_at,
    )


def state(status: ConnectionStatus, last_success_at: datetime | None = NOW) -> FetchState:
    return FetchState(
        credit_code=CODE,
        source="tax",
        status=status,
        status_since=NOW - timedelta(hours=1),
        last_attempt_at=NOW,
        last_success_at=last_success_at,
        last_error_code="SOURCE_UNAVAILABLE" if status is ConnectionStatus.SOURCE_ERROR else None,
        first_month=date(2025, 1, 1),
        last_month=date(2026, 11, 1),
        content_hash="h",
        consent_ended_at=None,
    )


LIVE = consent(date(2026, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("fetch", "consents", "status", "details"),
    [
        (state(ConnectionStatus.LINKED), [], ConnectionStatus.PENDING_CONSENT, False),
        (None, [consent(date(2027, 1, 1), date(2027, 6, 1))], ConnectionStatus.PENDING_CONSENT, False),
        (state(ConnectionStatus.LINKED), [LIVE], ConnectionStatus.LINKED, True),
        (state(ConnectionStatus.SOURCE_ERROR), [LIVE], ConnectionStatus.SOURCE_ERROR, True),
        (state(ConnectionStatus.NOT_FOUND_AT_SOURCE), [LIVE], ConnectionStatus.NOT_FOUND_AT_SOURCE, True),
        (None, [LIVE], ConnectionStatus.STALE, False),
        (state(ConnectionStatus.LINKED, NOW - timedelta(days=4)), [LIVE], ConnectionStatus.STALE, True),
        (state(ConnectionStatus.LINKED), [consent(TODAY, TODAY + timedelta(days=6))], "EXPIRING", True),
        (state(ConnectionStatus.LINKED), [consent(TODAY, TODAY + timedelta(days=7))], "LINKED", True),
        (state(ConnectionStatus.LINKED), [consent(date(2026, 1, 1), date(2026, 11, 30))], "WITHDRAWN", False),
        (
            state(ConnectionStatus.LINKED),
            [consent(date(2026, 1, 1), date(2026, 12, 31), NOW)],
            "WITHDRAWN",
            False,
        ),
    ],
)
def test_consents_decide_then_the_fetch(
    fetch: FetchState | None, consents: list[ConsentRecord], status: str, details: bool
) -> None:
    view = connection_view(CODE, "tax", fetch, consents, today=TODAY, now=NOW, stale_after=WINDOW)
    assert view.status.value.endswith(status)
    assert (view.fetch is not None) is details


def test_a_withdrawn_consent_since_its_withdrawal_and_an_ended_one_since_the_next_day() -> None:
    withdrawn = consent(date(2026, 1, 1), date(2026, 12, 31), NOW - timedelta(days=2))
    view = connection_view(CODE, "tax", None, [withdrawn], today=TODAY, now=NOW, stale_after=WINDOW)
    assert view.status_since == NOW - timedelta(days=2)
    ended = consent(date(2026, 1, 1), date(2026, 11, 29))
    view = connection_view(CODE, "tax", None, [ended], today=TODAY, now=NOW, stale_after=WINDOW)
    assert view.status_since == datetime(2026, 11, 29, 16, tzinfo=UTC)  # 30 Nov 00:00 in China


def test_an_expiring_consent_says_until_when_and_the_newest_live_one_counts() -> None:
    soon = consent(date(2026, 1, 1), TODAY + timedelta(days=2))
    later = consent(date(2026, 1, 1), TODAY + timedelta(days=60))
    view = connection_view(CODE, "tax", None, [soon], today=TODAY, now=NOW, stale_after=WINDOW)
    assert (view.status, view.consent_expires_on) == (ConnectionStatus.CONSENT_EXPIRING, soon.valid_until)
    view = connection_view(CODE, "tax", None, [soon, later], today=TODAY, now=NOW, stale_after=WINDOW)
    assert (view.status, view.consent_expires_on) == (ConnectionStatus.STALE, later.valid_until)


def test_coverage_is_the_first_and_last_month_of_the_series() -> None:
    def month(day: date) -> ElectricityMonth:
        return ElectricityMonth.model_construct(month=day)  # type: ignore[call-arg]  # only the month matters

    record = ElectricityRecord.model_construct(  # type: ignore[call-arg]  # only the months matter
        months=(month(date(2025, 3, 1)), month(date(2026, 10, 1)), month(date(2025, 12, 1)))
    )
    assert coverage_of(record) == (date(2025, 3, 1), date(2026, 10, 1))
    assert coverage_of(RegistryRecord.model_construct()) == (None, None)  # type: ignore[call-arg]
