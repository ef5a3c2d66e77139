"""``hub consent grant`` / ``withdraw`` change what is live for the tenant."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.log import AuditLog
from auth.clients import ensure_tenant
from auth.consent import ConsentBook, consent_today
from foundation.credit_code import generate
from tests.cli.test_clients import run_hub
from tests.fixtures.backends import Backend

FIRM = generate("330100", random.Random(3))
NEXT_MONTH = (consent_today() + timedelta(days=30)).isoformat()


async def test_grant_then_withdraw(backend: Backend, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await ensure_tenant(session, "bank-a")
    until = (consent_today() + timedelta(days=30)).isoformat()
    book = ConsentBook(sessions, AuditLog(sessions))

    granted = await run_hub(
        backend, "consent", "grant", "--tenant", "bank-a", "--credit-code", FIRM,
        "--sources", "electricity,tax", "--until", until, "--evidence", "form-17",
    )  # fmt: skip
    assert granted.exit_code == 0, granted.output
    assert granted.stdout.count("granted") == 2
    assert (await book.live("bank-a", [FIRM]))[FIRM] == frozenset({"electricity", "tax"})

    withdrawn = await run_hub(
        backend, "consent", "withdraw", "--tenant", "bank-a", "--credit-code", FIRM, "--sources", "tax"
    )
    assert withdrawn.exit_code == 0, withdrawn.output
    assert (await book.live("bank-a", [FIRM]))[FIRM] == frozenset({"electricity"})
    assert (await AuditLog(sessions).verify()).rows_checked == 2


async def test_bad_input_exits_2_with_a_message(
    backend: Backend, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await ensure_tenant(session, "bank-a")
    base = ["consent", "grant", "--tenant", "bank-a", "--sources", "tax"]
    bad_code = await run_hub(backend, *base, "--credit-code", "91330100MA2B3C4D5X", "--until", "2030-01-01")
    bad_date = await run_hub(backend, *base, "--credit-code", FIRM, "--until", "next year")
    reversed_dates = await run_hub(
        backend, *base, "--credit-code", FIRM, "--from", "2030-01-02", "--until", "2030-01-01"
    )
    firm = [*base, "--credit-code", FIRM]
    past = await run_hub(backend, *firm, "--from", "2020-01-01", "--until", "2020-02-01")
    free_text = await run_hub(backend, *firm, "--until", NEXT_MONTH, "--evidence", "they agreed by phone")
    for result, message in (
        (bad_code, "check digit"),
        (bad_date, "YYYY-MM-DD"),
        (reversed_dates, "before"),
        (past, "in the past"),
        (free_text, "evidenceRef must be a document reference"),
    ):
        assert result.exit_code == 2
        assert message in result.stderr
