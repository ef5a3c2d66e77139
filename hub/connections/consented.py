"""Which (firm, source) the hub refreshes: those some tenant holds a live consent for; a source read
without consent (the registry, a public register) for every firm with a live consent of any source.

Light on imports (the consents table and the source catalog only): ``hub sync --all`` streams from here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.catalog import load_catalog
from foundation.storage.models import Consent


@dataclass(frozen=True, slots=True)
class ConsentRule:
    """How a source's refresh follows consents: under its own consent name, or (``required`` False) any."""

    consent: str
    required: bool

    def follows(self, consented: Iterable[str]) -> bool:
        """Whether live consents of these consent names let the source be refreshed."""
        names = set(consented)
        return bool(names) if not self.required else self.consent in names


def consent_rule(source: str) -> ConsentRule:
    catalog = load_catalog()
    if source not in catalog:
        return ConsentRule(source, True)
    declared = catalog[source]
    return ConsentRule(declared.consent, declared.consent_required)


def refreshed_sources(sources: Sequence[str], consented: Iterable[str]) -> tuple[str, ...]:
    """Of ``sources``, those live consents of the ``consented`` names let be refreshed."""
    names = set(consented)
    return tuple(source for source in sources if consent_rule(source).follows(names))


def live_on(today: date) -> ColumnElement[bool]:
    """The consent is live on ``today`` (China Standard Time)."""
    return and_(Consent.valid_from <= today, Consent.valid_until >= today, Consent.withdrawn_at.is_(None))


async def consented_firms(
    sessions: async_sessionmaker[AsyncSession], sources: Sequence[str], today: date
) -> AsyncIterator[tuple[str, tuple[str, ...]]]:
    """Every firm with a live consent and which of ``sources`` to refresh for it, by credit code
    (streamed; firms none of whose consents covers one of ``sources`` left out)."""
    query = (
        select(Consent.credit_code, Consent.source)
        .distinct()
        .where(live_on(today))
        .order_by(Consent.credit_code)
    )
    current: str | None = None
    names: set[str] = set()
    async with sessions() as session:
        async for code, name in await session.stream(query):
            if code != current:
                if current is not None and (refreshed := refreshed_sources(sources, names)):
                    yield current, refreshed
                current, names = code, set()
            names.add(name)
    if current is not None and (refreshed := refreshed_sources(sources, names)):
        yield current, refreshed


async def count_consented(
    sessions: async_sessionmaker[AsyncSession], sources: Sequence[str], today: date
) -> int:
    """How many (firm, source) :func:`consented_firms` yields."""
    total = 0
    async for _code, refreshed in consented_firms(sessions, sources, today):
        total += len(refreshed)
    return total
