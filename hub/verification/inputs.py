"""What a firm's verification reads: its own records, and some of its counterparties' (their trade for
cycles, their registry for related parties), each as the caller may read it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from connectors.records import Record
from foundation.months import month_of, window
from hub.sources.permitted import SourceInput
from hub.verification.edges import TradeEdges

R = TypeVar("R", bound=Record)
YEAR = 12


@dataclass(frozen=True, slots=True)
class VerificationInputs:
    credit_code: str
    own: Mapping[str, SourceInput]
    others: Mapping[tuple[str, str], SourceInput] = field(default_factory=dict)
    """(source, credit code) → a read of another firm (a counterparty's trade may be read as its edges
    only: available, without its record)."""
    edges: Mapping[str, TradeEdges] = field(default_factory=dict)
    """Counterparties' trade edges in the firm's window, by credit code (their records are not kept)."""

    def record(self, source: str, kind: type[R]) -> R | None:
        read = self.own.get(source)
        return read.record if read is not None and isinstance(read.record, kind) else None

    def other(self, source: str, credit_code: str, kind: type[R]) -> R | None:
        read = self.others.get((source, credit_code))
        return read.record if read is not None and isinstance(read.record, kind) else None

    def readable(self, source: str, credit_code: str) -> bool:
        """Whether another firm's record was read (it may still be unknown at the source)."""
        read = self.others.get((source, credit_code))
        return read is not None and read.status in ("available", "not_found")

    def missing(self, *sources: str) -> list[str]:
        """Which of the firm's own ``sources`` could not be read (withheld, unavailable, not asked)."""
        return [
            source
            for source in sources
            if (read := self.own.get(source)) is None or read.status in ("withheld", "unavailable")
        ]


def last_year(end: date) -> tuple[date, ...]:
    """The 12 months ending at ``end``'s month."""
    return window(month_of(end), YEAR)


def month_text(month: date) -> str:
    return month.strftime("%Y-%m")
