"""The records a batch of firms' verification reads, each (source, firm) once for the whole batch.

A firm's own five sources; its trade and freight counterparties' registry records (related parties); the
trade records of the firms it sells to, of the firms those sell to, and of the firms it buys from: with its
own record, every cycle of up to five firms through it is then in view (F → a → b → c → d → F: edges
F → a and d → F from its record, a → b from a's, b → c from b's, c → d from d's). Last, the registry records
of cycle members not read yet (whether a ring's members are related). Everything as the caller may read it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from auth.principal import Principal
from connectors.records import LogisticsRecord, TradeRecord
from foundation.months import month_of
from hub.profiles.logistics import counterparty_of
from hub.profiles.trade import live
from hub.sources.permitted import ConsentReading, RecordReading, SourceInput, read_permitted
from hub.verification.graph import TradeGraph
from hub.verification.inputs import VerificationInputs, last_year

OWN = ("registry", "trade", "tax", "electricity", "logistics")
MAX_LENGTH = 5


class _Reads:
    """Every read of the batch by (source, code), read in rounds."""

    def __init__(self, reader: RecordReading, consents: ConsentReading, principal: Principal) -> None:
        self._reader, self._consents, self._principal = reader, consents, principal
        self.by_key: dict[tuple[str, str], SourceInput] = {}

    async def read(self, source: str, codes: Iterable[str]) -> None:
        wanted = sorted({code for code in codes if (source, code) not in self.by_key})
        if not wanted:
            return
        live = await self._consents.live_consents(self._principal.tenant_id, wanted)
        found = await read_permitted(self._reader, self._principal, live, source, wanted)
        self.by_key.update({(source, code): read for code, read in found.items()})

    async def read_all(self, wanted: Mapping[str, Iterable[str]]) -> None:
        await asyncio.gather(*(self.read(source, codes) for source, codes in wanted.items()))

    def trade(self, code: str) -> TradeRecord | None:
        read = self.by_key.get(("trade", code))
        return read.record if read is not None and isinstance(read.record, TradeRecord) else None

    def logistics(self, code: str) -> LogisticsRecord | None:
        read = self.by_key.get(("logistics", code))
        return read.record if read is not None and isinstance(read.record, LogisticsRecord) else None


def _window(trade: TradeRecord, fallback: date) -> set[date]:
    return set(last_year(trade.history_end or fallback))


def _edges(trade: TradeRecord, fallback: date) -> tuple[set[str], set[str]]:
    """The firms ``trade``'s firm sold to and bought from in its window."""
    months = _window(trade, fallback)
    sold, bought = set(), set()
    for order in live(trade.orders):
        if month_of(order.ordered_on) not in months:
            continue
        if order.seller.credit_code == trade.credit_code:
            sold.add(order.buyer.credit_code)
        else:
            bought.add(order.seller.credit_code)
    return sold, bought


async def read_neighbourhoods(
    reader: RecordReading,
    consents: ConsentReading,
    principal: Principal,
    credit_codes: Sequence[str],
    *,
    as_of: date,
    max_length: int = MAX_LENGTH,
) -> dict[str, VerificationInputs]:
    reads = _Reads(reader, consents, principal)
    await reads.read_all({source: credit_codes for source in OWN})
    successors: dict[str, set[str]] = {}
    predecessors: dict[str, set[str]] = {}
    counterparties: dict[str, set[str]] = {}
    for code in credit_codes:
        trade, logistics = reads.trade(code), reads.logistics(code)
        sold, bought = _edges(trade, as_of) if trade is not None else (set(), set())
        successors[code], predecessors[code] = sold, bought
        parties = (
            {order.buyer.credit_code for order in trade.orders}
            | {order.seller.credit_code for order in trade.orders}
            if trade is not None
            else set()
        )
        if logistics is not None:
            parties |= {counterparty_of(code, waybill)[0] for waybill in logistics.waybills}
        counterparties[code] = parties - {code}
    first = {other for code in credit_codes for other in successors[code] | predecessors[code]} - set(
        credit_codes
    )
    await reads.read_all(
        {"trade": first, "registry": {other for parties in counterparties.values() for other in parties}}
    )
    second: dict[str, set[str]] = {}
    for code in credit_codes:
        onward = set()
        if max_length > 3:
            for other in successors[code]:
                other_trade = reads.trade(other)
                if other_trade is not None:
                    onward |= _edges(other_trade, as_of)[0]
        second[code] = onward - {code}
    await reads.read("trade", {other for onward in second.values() for other in onward})
    trade_sets = {
        code: {code} | successors[code] | predecessors[code] | second[code] for code in credit_codes
    }
    members: dict[str, set[str]] = {}
    for code in credit_codes:
        records = [record for other in sorted(trade_sets[code]) if (record := reads.trade(other)) is not None]
        graph = TradeGraph(records, _window(reads.trade(code) or records[0], as_of) if records else set())
        members[code] = {m for cycle in graph.cycles_through(code, max_length) for m in cycle.members}
    await reads.read("registry", {other for found in members.values() for other in found})
    result = {}
    for code in credit_codes:
        own = {source: reads.by_key[(source, code)] for source in OWN}
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
        result[code] = VerificationInputs(code, own, others)
    return result
