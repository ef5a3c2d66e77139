"""What a batch's verification reads: counterparties' trade only where a cycle could run through the firm,
read as edges (not kept as records), and not read again while the cache names content already reduced."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from auth.principal import READ_SCOPES, Principal
from connectors.records import Fetched, Record
from connectors.source import SourceName
from foundation.errors import HubError, UnknownEnterprise
from hub.verification.edges import EdgesMemo
from hub.verification.reading import read_neighbourhoods
from tests.verification.records import AS_OF, A, B, C, D, monthly_sales, trade

AT = datetime(2026, 11, 1, tzinfo=UTC)
EVERY_SOURCE = frozenset({"registry", "trade", "tax", "electricity", "logistics", "customs"})


class Reader:
    """The read path over fixed records, with a cache that names their content; counts what it decodes."""

    def __init__(self, records: Mapping[tuple[str, str], Record]) -> None:
        self.records = dict(records)
        self.reads: list[tuple[str, tuple[str, ...]]] = []

    def _hash(self, key: tuple[str, str]) -> str:
        return hashlib.sha256(repr(self.records[key]).encode()).hexdigest()

    async def get_many(
        self, source: SourceName, credit_codes: Sequence[str], *, tenant: str | None = None
    ) -> dict[str, Fetched[Any] | HubError]:
        self.reads.append((source, tuple(credit_codes)))
        found: dict[str, Fetched[Any] | HubError] = {}
        for code in credit_codes:
            key = (source, code)
            found[code] = (
                Fetched(source, code, self.records[key], AT, False, self._hash(key))
                if key in self.records
                else UnknownEnterprise(source, code)
            )
        return found

    async def cached_versions(
        self, records: Sequence[tuple[SourceName, str]], *, tenant: str | None = None
    ) -> list[tuple[str, str] | None]:
        return [(self._hash(key), AT.isoformat()) if key in self.records else None for key in records]

    def trade_reads(self) -> list[str]:
        return sorted(code for source, codes in self.reads if source == "trade" for code in codes)


class Consents:
    def __init__(self, refused: set[str] | None = None) -> None:
        self.refused = refused or set()

    async def live_consents(self, tenant_id: str, credit_codes: Sequence[str]) -> dict[str, frozenset[str]]:
        return {code: frozenset() if code in self.refused else EVERY_SOURCE for code in credit_codes}


PRINCIPAL = Principal("bank", "client", READ_SCOPES | {"verification:read"})


def ring_of_four() -> dict[tuple[str, str], Record]:
    """A → B → C → D → A."""
    ab, bc = monthly_sales("AB", A, B, "100000"), monthly_sales("BC", B, C, "100000")
    cd, da = monthly_sales("CD", C, D, "100000"), monthly_sales("DA", D, A, "100000")
    return {
        ("trade", A): trade(A, ab + da),
        ("trade", B): trade(B, ab + bc),
        ("trade", C): trade(C, bc + cd),
        ("trade", D): trade(D, cd + da),
    }


async def test_counterparties_trade_is_read_once_as_edges_then_from_the_memo() -> None:
    reader, memo = Reader(ring_of_four()), EdgesMemo()
    first = await read_neighbourhoods(reader, Consents(), PRINCIPAL, [A], as_of=AS_OF, memo=memo)
    assert reader.trade_reads() == [A, B, C, D]
    inputs = first[A]
    assert set(inputs.edges) == {B, C, D}
    assert all(inputs.others[("trade", code)].record is None for code in (B, C, D))  # not kept
    assert {inputs.others[("trade", code)].status for code in (B, C, D)} == {"available"}
    assert inputs.others[("trade", B)].content_hash == reader._hash(("trade", B))  # what a replay reads
    reader.reads.clear()
    again = await read_neighbourhoods(reader, Consents(), PRINCIPAL, [A], as_of=AS_OF, memo=memo)
    assert reader.trade_reads() == [A]  # its own record only: the others' content is in the memo
    assert again[A].edges == inputs.edges


async def test_changed_content_is_read_again() -> None:
    records = ring_of_four()
    reader, memo = Reader(records), EdgesMemo()
    await read_neighbourhoods(reader, Consents(), PRINCIPAL, [A], as_of=AS_OF, memo=memo)
    reader.records[("trade", C)] = trade(C, monthly_sales("CD", C, D, "100000"))  # C stopped buying from B
    reader.reads.clear()
    await read_neighbourhoods(reader, Consents(), PRINCIPAL, [A], as_of=AS_OF, memo=memo)
    assert reader.trade_reads() == [A, C]


async def test_a_firm_that_only_sells_reads_no_counterpartys_trade() -> None:
    records = ring_of_four()
    records[("trade", A)] = trade(A, monthly_sales("AB", A, B, "100000"))  # A buys from no one
    reader = Reader(records)
    found = await read_neighbourhoods(reader, Consents(), PRINCIPAL, [A], as_of=AS_OF, memo=EdgesMemo())
    assert reader.trade_reads() == [A]
    assert found[A].edges == {}


async def test_a_counterparty_without_consent_is_withheld_and_not_read() -> None:
    reader = Reader(ring_of_four())
    found = await read_neighbourhoods(
        reader, Consents(refused={C}), PRINCIPAL, [A], as_of=AS_OF, memo=EdgesMemo()
    )
    assert C not in reader.trade_reads()
    assert found[A].others[("trade", C)].status == "withheld"
