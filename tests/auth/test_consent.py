"""Consent: live, expired, future and withdrawn; input validation; every change audited."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.log import AuditLog
from auth.clients import ensure_tenant
from auth.consent import ConsentBook, consent_today
from foundation.credit_code import generate
from foundation.errors import BadCreditCode, BadRequest

RNG = random.Random(7)
FIRM_A, FIRM_B = generate("330100", RNG), generate("330200", RNG)


@pytest.fixture
async def book(sessions: async_sessionmaker[AsyncSession]) -> ConsentBook:
    async with sessions.begin() as session:
        await ensure_tenant(session, "bank-a")
        await ensure_tenant(session, "bank-b")
    return ConsentBook(sessions, AuditLog(sessions))


async def _grant(
    book: ConsentBook, firm: str, sources: list[str], start: date, end: date, tenant: str = "bank-a"
) -> None:
    await book.grant(
        tenant_id=tenant,
        client_id="cl-1",
        credit_code=firm,
        sources=sources,
        valid_from=start,
        valid_until=end,
        evidence_ref="contract-2026-001",
    )


async def test_live_consents_by_tenant_date_and_withdrawal(book: ConsentBook) -> None:
    today = consent_today()
    year = timedelta(days=365)
    await _grant(book, FIRM_A, ["electricity", "tax"], today, today + year)
    await _grant(book, FIRM_A, ["trade"], today - 2 * year, today - year)  # expired
    await _grant(book, FIRM_A, ["logistics"], today + timedelta(days=1), today + year)  # not yet
    await _grant(
        book, FIRM_B, ["registry"], today, today, tenant="bank-b"
    )  # live for bank-b only, today only

    live = await book.live("bank-a", [FIRM_A, FIRM_B])
    assert live == {FIRM_A: frozenset({"electricity", "tax"}), FIRM_B: frozenset()}
    assert await book.live("bank-b", [FIRM_B]) == {FIRM_B: frozenset({"registry"})}

    withdrawn = await book.withdraw(tenant_id="bank-a", client_id="cl-1", credit_code=FIRM_A, sources=["tax"])
    assert [(record.source, record.withdrawn_at is not None) for record in withdrawn] == [("tax", True)]
    assert (await book.live("bank-a", [FIRM_A]))[FIRM_A] == frozenset({"electricity"})


async def test_every_change_is_audited(book: ConsentBook, sessions: async_sessionmaker[AsyncSession]) -> None:
    today = consent_today()
    await _grant(book, FIRM_A, ["tax"], today, today)
    await book.withdraw(tenant_id="bank-a", client_id="cl-1", credit_code=FIRM_A, sources=["tax"])
    events, _ = await AuditLog(sessions).trail(
        tenant_id="bank-a", first=5, after_seq=None, credit_code=FIRM_A
    )
    assert [(e.entry.event, e.entry.sources) for e in events] == [
        ("consent_withdrawn", ("tax",)),
        ("consent_granted", ("tax",)),
    ]


async def test_listing_shows_live_expired_and_withdrawn(book: ConsentBook) -> None:
    today = consent_today()
    await _grant(book, FIRM_A, ["tax"], today - timedelta(days=10), today - timedelta(days=1))
    await _grant(book, FIRM_A, ["electricity"], today, today)
    records = await book.of_enterprise("bank-a", FIRM_A.lower())
    assert {(record.source, record.is_live(today)) for record in records} == {
        ("tax", False),
        ("electricity", True),
    }
    assert await book.of_enterprise("bank-b", FIRM_A) == []


@pytest.mark.parametrize(
    ("firm", "sources", "days", "error"),
    [
        ("91330100MA2B3C4D5X", ["tax"], 1, BadCreditCode),
        (FIRM_A, ["tax", "weather"], 1, BadRequest),
        (FIRM_A, [], 1, BadRequest),
        (FIRM_A, ["tax"], -1, BadRequest),
    ],
)
async def test_bad_input_is_refused(
    book: ConsentBook, firm: str, sources: list[str], days: int, error: type[Exception]
) -> None:
    today = consent_today()
    with pytest.raises(error):
        await _grant(book, firm, sources, today, today + timedelta(days=days))


async def test_unknown_tenant_is_refused(book: ConsentBook) -> None:
    with pytest.raises(BadRequest, match="unknown tenant"):
        await _grant(book, FIRM_A, ["tax"], consent_today(), consent_today(), tenant="bank-z")
