"""The records a batch of firms' verification reads, each (source, firm) once for the whole batch.

A firm's own five sources; its trade and freight counterparties' registry records (related parties); and,
when it both sells and buys (else no trade cycle runs through it), the trade of the firms it sells to, of
the firms those sell to, and of the firms it buys from: with its own record, every cycle of up to five firms
through it is then in view (F → a → b → c → d → F: edges F → a and d → F from its record, a → b from a's,
b → c from b's, c → d from d's). Those counterparties' trade is read as its edges (hub.verification.edges):
from the memo when the cache names content already seen, else read and reduced, the record not kept. Last,
the registry records of cycle members not read yet (whether a ring's members are related). Everything as
the caller may read it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime

from auth.principal import Principal
from connectors.records import LogisticsRecord, TradeRecord
from hub.profiles.logistics import counterparty_of
from hub.sources.permitted import (
    ConsentReading,
    RecordReading,
    SourceInput,
    VersionReading,
    as_input,
    permitted,
    read_permitted,
)
from hub.verification.edges import EDGES, EdgesMemo, TradeEdges, window_end
from hub.verification.graph import TradeView
from hub.verification.inputs import VerificationInputs

OWN = ("registry", "trade", "tax", "electricity", "logistics")
MAX_LENGTH = 5


class _Reads:
    """Every read of the batch by (source, code), read in rounds."""

    def __init__(
        self, reader: RecordReading, consents: ConsentReading, principal: Principal, memo: EdgesMemo
    ) -> None:
        self._reader, self._consents, self._principal, self._memo = reader, consents, principal, memo
        self.by_key: dict[tuple[str, str], SourceInput] = {}
        self.edges: dict[tuple[str, date], TradeEdges] = {}  # (code, window end) → trade read as edges

    async def read(self, source: str, codes: Iterable[str]) -> None:
        wanted = sorted({code for code in codes if (source, code) not in self.by_key})
        if not wanted:
            return
        live = await self._consents.live_consents(self._principal.tenant_id, wanted)
        found = await read_permitted(self._reader, self._principal, live, source, wanted)
        self.by_key.update({(source, code): read for code, read in found.items()})

    async def read_all(self, wanted: Mapping[str, Iterable[str]]) -> None:
        await asyncio.gather(*(self.read(source, codes) for source, codes in wanted.items()))

    async def read_edges(self, codes: Iterable[str], ends: set[date]) -> None:
        """Trade of ``codes`` as its edges in each window ending at ``ends``, the records not kept."""
        wanted = sorted({code for code in codes if ("trade", code) not in self.by_key})
        if not wanted or not ends:
            return
        tenant = self._principal.tenant_id
        live = await self._consents.live_consents(tenant, wanted)
        allowed, withheld = permitted(self._principal, live, "trade", wanted)
        self.by_key.update({("trade", code): read for code, read in withheld.items()})
        misses = allowed
        if allowed and isinstance(self._reader, VersionReading):
            keys = [("trade", code) for code in allowed]
            versions = await self._reader.cached_versions(keys, tenant=tenant)
            misses = []
            for code, version in zip(allowed, versions, strict=True):
                known = [] if version is None else [self._memo.get((code, version[0], end)) for end in ends]
                if version is None or None in known:
                    misses.append(code)
                    continue
                digest, fetched_at = version
                at = datetime.fromisoformat(fetched_at)
                self.by_key[("trade", code)] = SourceInput("trade", code, "available", None, digest, at)
                self.edges.update({(code, edges.window_end): edges for edges in known if edges is not None})
        if not misses:
            return
        found = await self._reader.get_many("trade", misses, tenant=tenant)
        for code in misses:
            read = as_input("trade", code, found.get(code))
            if isinstance(read.record, TradeRecord):
                for end in ends:
                    self.edges[(code, end)] = self._memo.of(read.record, read.content_hash, end)
                read = replace(read, record=None)
            self.by_key[("trade", code)] = read

    def trade(self, code: str) -> TradeRecord | None:
        read = self.by_key.get(("trade", code))
        return read.record if read is not None and isinstance(read.record, TradeRecord) else None

    def logistics(self, code: str) -> LogisticsRecord | None:
        read = self.by_key.get(("logistics", code))
        return read.record if read is not None and isinstance(read.record, LogisticsRecord) else None

    def edges_of(self, code: str, end: date) -> TradeEdges | None:
        """A firm's trade edges in the window ending at ``end``, however its trade was read."""
        found = self.edges.get((code, end))
        if found is not None:
            return found
        record = self.trade(code)
        if record is None:
            return None
        return self._memo.of(record, self.by_key[("trade", code)].content_hash, end)


async def read_neighbourhoods(
    reader: RecordReading,
    consents: ConsentReading,
    principal: Principal,
    credit_codes: Sequence[str],
    *,
    as_of: date,
    max_length: int = MAX_LENGTH,
    memo: EdgesMemo = EDGES,
) -> dict[str, VerificationInputs]:
    reads = _Reads(reader, consents, principal, memo)
    await reads.read_all({source: credit_codes for source in OWN})
    ends: dict[str, date] = {}
    successors: dict[str, set[str]] = {code: set() for code in credit_codes}
    predecessors: dict[str, set[str]] = {code: set() for code in credit_codes}
    counterparties: dict[str, set[str]] = {}
    for code in credit_codes:
        trade, logistics = reads.trade(code), reads.logistics(code)
        parties: set[str] = set()
        if trade is not None:
            ends[code] = end = window_end(trade, as_of)
            own = reads.edges_of(code, end)
            if own is not None and own.sales and own.purchases:  # else no cycle runs through it
                successors[code], predecessors[code] = set(own.sales), set(own.purchases)
            parties = {order.buyer.credit_code for order in trade.orders} | {
                order.seller.credit_code for order in trade.orders
            }
        if logistics is not None:
            parties |= {counterparty_of(code, waybill)[0] for waybill in logistics.waybills}
        counterparties[code] = parties - {code}
    windows = {ends[code] for code in credit_codes if successors[code]}
    first = {other for code in credit_codes for other in successors[code] | predecessors[code]}
    await asyncio.gather(
        reads.read_edges(first, windows),
        reads.read("registry", {other for parties in counterparties.values() for other in parties}),
    )
    second: dict[str, set[str]] = {code: set() for code in credit_codes}
    if max_length > 4:  # a cycle of five needs b → c (F → a → b → c → d → F): from b's trade
        for code in credit_codes:
            for other in successors[code]:
                if (edges := reads.edges_of(other, ends[code])) is not None:
                    second[code] |= set(edges.sales)
            second[code].discard(code)
    await reads.read_edges({other for onward in second.values() for other in onward}, windows)
    trade_sets = {
        code: {code} | successors[code] | predecessors[code] | second[code] for code in credit_codes
    }
    members: dict[str, set[str]] = {}
    views: dict[str, dict[str, TradeEdges]] = {}
    for code in credit_codes:
        views[code] = {
            other: edges
            for other in sorted(trade_sets[code])
            if code in ends and (edges := reads.edges_of(other, ends[code])) is not None
        }
        found = TradeView(views[code].values()).cycles_through(code, max_length) if successors[code] else []
        members[code] = {member for cycle in found for member in cycle.members}
    await reads.read("registry", {other for found in members.values() for other in found})
    result = {}
    for code in credit_codes:
        own_reads = {source: reads.by_key[(source, code)] for source in OWN}
        others = {
            ("trade", other): reads.by_key[("trade", other)]
            for other in trade_sets[code] - {code}
            if ("trade", other) in reads.by_key
        }
        others |= {
            ("registry", other): reads.by_key[("registry", other)]
            for other in counterparties[code] | members[code]
            if other != code and ("registry", other) in reads.by_key
        }
        read_as_edges = {
            other: found
            for other, found in views[code].items()
            if other != code and reads.trade(other) is None
        }
        result[code] = VerificationInputs(code, own_reads, others, read_as_edges)
    return result
