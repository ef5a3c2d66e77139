"""Resolvers of the enterprise queries.

Parallel fetching: while the registry confirms an enterprise exists, the sources its selected fields will
need (and the caller may read) are already requested through the same per-request loaders, so a profile
query costs about the slowest upstream rather than registry first and the others after.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from auth.principal import source_scope
from connectors.records import SourceName
from foundation.errors import BadRequest
from schema.arguments import valid_credit_code
from schema.context import Context, Info
from schema.enterprise.types import Enterprise

PROFILE_SOURCES: dict[str, tuple[SourceName, ...]] = {
    "electricity": ("electricity",),
    "logistics": ("logistics",),
    "tax": ("tax",),
    "trade": ("trade",),
    "indicators": ("electricity", "logistics", "tax", "trade"),
}


def _selected_names(
    selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[str]:
    for selection in selection_set.selections if selection_set is not None else ():
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _selected_names(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _selected_names(fragments[selection.name.value].selection_set, fragments)


def selected_sources(info: Info) -> set[SourceName]:
    """Sources the enterprise fields selected under the current field will read.

    Read from the operation's syntax tree: strawberry's ``info.selected_fields`` would first convert the
    whole selection below the field (arguments and variables included), on every request.
    """
    raw = info._raw_info
    names = {name for node in raw.field_nodes for name in _selected_names(node.selection_set, raw.fragments)}
    return {source for name in names for source in PROFILE_SOURCES.get(name, ())}


def _observe(future: asyncio.Future[Any]) -> None:
    # A prefetched source whose field is never resolved (the enterprise turned out unknown) must not log
    # "exception was never retrieved"; the field that does resolve it sees the error itself.
    if not future.cancelled():
        future.exception()


async def prefetch(context: Context, credit_code: str, sources: set[SourceName]) -> None:
    """Start loading ``sources`` the caller has the scope and consent for; does not wait for them."""
    allowed = [source for source in sorted(sources) if context.principal.has_scope(source_scope(source))]
    if not allowed:
        return
    consented = await context.loaders.consents.load(credit_code)
    for source in allowed:
        if source in consented:
            future = context.loaders.sources[source].load(credit_code)
            if isinstance(future, asyncio.Future):
                future.add_done_callback(_observe)


async def enterprise_with_sources(
    context: Context, credit_code: str, sources: set[SourceName]
) -> Enterprise | None:
    code = valid_credit_code(credit_code)
    enterprise, _ = await asyncio.gather(Enterprise.load(context, code), prefetch(context, code, sources))
    return enterprise


async def enterprise(info: Info, credit_code: str) -> Enterprise | None:
    return await enterprise_with_sources(info.context, credit_code, selected_sources(info))


async def enterprises(info: Info, credit_codes: list[str]) -> list[Any]:
    """The firms, as awaitables of ``Enterprise | None`` that graphql-core awaits item by item."""
    limit = info.context.services.settings.max_batch_size
    if len(credit_codes) > limit:
        raise BadRequest(
            f"creditCodes takes at most {limit} codes, got {len(credit_codes)}", argument="creditCodes"
        )
    codes = [valid_credit_code(code) for code in credit_codes]
    sources = selected_sources(info)
    # Each item is awaited on its own: an exception fails only its own item (one firm's registry outage
    # does not null the batch), and each firm's fields are completed in a turn of the event loop of its
    # own (hub.turns), so a batch never holds the loop for all its firms at once.
    return [_in_turn(info.context, enterprise_with_sources(info.context, code, sources)) for code in codes]


async def _in_turn(context: Context, found: Awaitable[Enterprise | None]) -> Enterprise | None:
    enterprise = await found
    await context.services.turns.take()  # graphql-core completes the firm's fields right after this
    return enterprise
