"""The assessment book: a batch stored whole, with each firm's decision just before it read in the same
transaction (what tells ``assessment.changed``), on both backends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from foundation.storage.models import Assessment
from hub.products.store import AssessmentBook, StoredAssessment

FIRMS = ("91330100MA0000001X", "91330100MA0000002X", "91330100MA0000003X")
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
async def book(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AssessmentBook]:
    book = AssessmentBook(sessions)
    # SQLite: the book's own one-hop writer; PostgreSQL: a Core insert in a session's transaction.
    assert (book._sqlite is not None) == (sessions.kw["bind"].dialect.name == "sqlite")
    yield book
    book.close()


def stored(
    firm: str, decision: str, at: datetime, *, tenant: str = "bank-a", product: str = "tax-loan"
) -> StoredAssessment:
    return StoredAssessment(
        str(uuid.uuid4()), tenant, "client", firm, product, 1, at, decision, None, [], {"decision": decision}
    )


async def test_a_batch_is_told_each_firms_decision_just_before_it(book: AssessmentBook) -> None:
    first, second = FIRMS[0], FIRMS[1]
    assert await book.save([stored(first, "ELIGIBLE", START), stored(second, "REFER", START)]) == {}
    later = START + timedelta(minutes=1)
    assert await book.save([stored(first, "INELIGIBLE", later)]) == {first: "ELIGIBLE"}
    # Another tenant's or another product's assessments of the firm are not its previous decision.
    assert await book.save([stored(first, "REFER", later, tenant="bank-b")]) == {}
    assert await book.save([stored(first, "REFER", later, product="electricity-loan")]) == {}

    latest = START + timedelta(minutes=2)
    batch = [stored(code, "ELIGIBLE", latest) for code in FIRMS]
    assert await book.save(batch) == {first: "INELIGIBLE", second: "REFER"}
    assert await book.latest_decisions("bank-a", [first]) == {
        (first, "tax-loan"): "ELIGIBLE",
        (first, "electricity-loan"): "REFER",
    }


async def test_a_batch_mixing_products_is_refused_and_nothing_is_written(
    book: AssessmentBook, sessions: async_sessionmaker[AsyncSession]
) -> None:
    mixed = [stored(FIRMS[0], "ELIGIBLE", START), stored(FIRMS[1], "ELIGIBLE", START, product="other")]
    with pytest.raises(ValueError, match="one tenant, product and time"):
        await book.save(mixed)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Assessment)) == 0
