"""Resolver of the supply chain: the core's trade, then each further tier's, loaded in batches."""

from __future__ import annotations

import asyncio
from typing import TypeVar

from connectors.records import LogisticsRecord, Record, TradeRecord
from connectors.source import SourceName
from foundation.credit_code.checked import checked_credit_code
from foundation.errors import SourceUnavailable
from hub.supply_chain import MAX_DEPTH, SupplyLink, links_of, next_tier
from schema.arguments import in_range
from schema.context import Context
from schema.enterprise.types import Enterprise
from schema.reading import may_read, read_source
from schema.supply_chain.types import SupplyChain, SupplyChainLink

R = TypeVar("R", bound=Record)


async def _readable_record(context: Context, source: SourceName, credit_code: str, kind: type[R]) -> R | None:
    """The record when the caller may read it and the source answers; None otherwise (the chain is still
    drawn from what could be read)."""
    if not await may_read(context, source, credit_code):
        return None
    try:
        read = await read_source(context, source, credit_code, kind)
    except SourceUnavailable:
        return None
    return read[1] if read is not None else None


async def _records(context: Context, source: SourceName, codes: list[str], kind: type[R]) -> dict[str, R]:
    records = await asyncio.gather(*(_readable_record(context, source, code, kind) for code in codes))
    return {code: record for code, record in zip(codes, records, strict=True) if record is not None}


async def supply_chain_of(context: Context, core_credit_code: str, depth: int) -> SupplyChain | None:
    in_range("depth", depth, 1, MAX_DEPTH)
    code = checked_credit_code(core_credit_code)
    core, trade, logistics = await asyncio.gather(
        Enterprise.load(context, code),
        read_source(context, "trade", code, TradeRecord),
        _readable_record(context, "logistics", code, LogisticsRecord),
    )
    if core is None or trade is None:
        return None
    frontier = links_of(code, trade[1], logistics, roles=("supplier", "distributor"), tier=1)
    links: list[SupplyLink] = list(frontier)
    seen = {code, *(link.credit_code for link in frontier)}
    for _ in range(2, depth + 1):
        codes = [link.credit_code for link in frontier]
        trade_of, logistics_of = await asyncio.gather(
            _records(context, "trade", codes, TradeRecord),
            _records(context, "logistics", codes, LogisticsRecord),
        )
        frontier = next_tier(frontier, trade_of, logistics_of, seen)
        links.extend(frontier)
    return SupplyChain(
        core=core,
        depth=depth,
        suppliers=[SupplyChainLink.of(link) for link in links if link.role == "supplier"],
        distributors=[SupplyChainLink.of(link) for link in links if link.role == "distributor"],
        cross_checked_with_logistics=logistics is not None,
    )
