"""Resolver of the lending indicators: reads, in parallel, each contributing source the caller may read."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Literal, TypeVar

from connectors.records import Record
from connectors.source import SourceName
from foundation.errors import SourceUnavailable
from hub.profiles.indicators import lending_indicators
from schema.context import Context
from schema.indicators.types import LendingIndicators
from schema.reading import may_read, read_source
from schema.sources import indicator_sources

Left = Literal["withheld", "unavailable"]
R = TypeVar("R", bound=Record)
P = TypeVar("P")


async def _profile(
    context: Context,
    source: SourceName,
    credit_code: str,
    kind: type[R],
    profile: Callable[[R, int], P],
    window: int,
) -> P | Left | None:
    """The source's profile when the caller may read it; else why it was left out (None: unknown there)."""
    if not await may_read(context, source, credit_code):
        return "withheld"
    try:
        read = await read_source(context, source, credit_code, kind)
    except SourceUnavailable:
        return "unavailable"
    if read is None:
        return None
    return await context.services.profiles.build(read[0], profile, read[1], window)


async def indicators_of(context: Context, credit_code: str) -> LendingIndicators:
    sources = indicator_sources()
    outcomes = await asyncio.gather(
        *(
            _profile(context, name, credit_code, spec.record_type, spec.profile, spec.window)
            for name, spec in sources.items()
        )
    )
    by_source = dict(zip(sources, outcomes, strict=True))
    contributions = {
        name: sources[name].contribute(outcome)
        for name, outcome in by_source.items()
        if outcome is not None and outcome not in ("withheld", "unavailable")
    }
    return LendingIndicators.of(
        lending_indicators(contributions),
        withheld=[name for name, outcome in by_source.items() if outcome == "withheld"],
        unavailable=[name for name, outcome in by_source.items() if outcome == "unavailable"],
    )
