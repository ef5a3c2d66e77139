"""Resolvers of the enterprise queries.

Parallel fetching: while the registry confirms an enterprise exists, the sources its selected fields will
need (and the caller may read) are already requested through the same per-request loaders, so a profile
query costs about the slowest upstream rather than registry first and the others after. The sources
whose fetch makes the most round trips one after the other start first (electricity: accounts, then
consumption), the registry last.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator, Mapping
from functools import cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from auth.source_access import access_rule
from connectors.catalog import load_catalog
from connectors.source import SourceName
from foundation.credit_code.checked import checked_credit_code
from foundation.errors import BadRequest
from schema.context import Context, Info
from schema.enterprise.types import Enterprise
from schema.sources import indicator_sources, source_fields


@cache
def prefetched_sources() -> dict[str, tuple[SourceName, ...]]:
    """Field of ``Enterprise`` → the sources it reads: each source's field its own (its declaration's
    ``prefetch``), the indicators every source that contributes to them."""
    fields = source_fields()
    return {
        **{name: spec.prefetch for name, spec in fields.items()},
        "indicators": tuple(indicator_sources()),
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


def _key(node: FieldNode) -> str:
    return (node.alias or node.name).value


def _root_fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _root_fields(fragments[selection.name.value].selection_set, fragments)


def selected_sources(info: Info) -> set[SourceName]:
    """Sources the enterprise fields selected under the current root field will read.

    Read from the operation's syntax tree (the root field's nodes are those of its response key):
    strawberry's ``info.selected_fields`` would first convert the whole selection below the field
    (arguments and variables included), on every request.
    """
    fragments = info.context.fragments
    nodes = [
        node for node in _root_fields(info.operation.selection_set, fragments) if _key(node) == info.path.key
    ]
    names = {name for node in nodes for name in _selected_names(node.selection_set, fragments)}
    prefetched = prefetched_sources()
    return {source for name in names for source in prefetched.get(name, ())}


def _observe(future: asyncio.Future[Any]) -> None:
    # A prefetched source whose field is never resolved (the enterprise turned out unknown) must not log
    # "exception was never retrieved"; the field that does resolve it sees the error itself.
    if not future.cancelled():
        future.exception()


@cache
def _round_trips() -> dict[SourceName, int]:
    return {name: source.connector.round_trips for name, source in load_catalog().sources.items()}


async def prefetch(context: Context, credit_code: str, sources: set[SourceName]) -> None:
    """Start loading ``sources`` the caller has the scope and consent for, the longest chains of round
    trips first (each start costs a moment of the event loop, and those bound the answer); does not wait
    for them."""
    trips = _round_trips()
    rules = {
        source: access_rule(source)
        for source in sorted(sources, key=lambda source: (-trips.get(source, 1), source))
    }
    allowed = [source for source, rule in rules.items() if context.principal.has_scope(rule.scope)]
    if not allowed:
        return
    consented = await context.loaders.consents.load(credit_code)
    for source in allowed:
        if rules[source].consented(consented):
            future = context.loaders.sources[source].load(credit_code)
            if isinstance(future, asyncio.Future):
                future.add_done_callback(_observe)


async def enterprise_with_sources(
    context: Context, credit_code: str, sources: set[SourceName]
) -> Enterprise | None:
    code = checked_credit_code(credit_code)
    # The registry's one round trip is started after the prefetched sources: it is never the longest.
    await prefetch(context, code, sources)
    return await Enterprise.load(context, code)


async def enterprise(info: Info, credit_code: str) -> Enterprise | None:
    return await enterprise_with_sources(info.context, credit_code, selected_sources(info))


async def enterprises(info: Info, credit_codes: list[str]) -> list[Any]:
    """The firms, as awaitables of ``Enterprise | None`` that graphql-core awaits item by item."""
    limit = info.context.services.settings.max_batch_size
    if len(credit_codes) > limit:
        raise BadRequest(
            f"creditCodes takes at most {limit} codes, got {len(credit_codes)}", argument="creditCodes"
        )
    codes = [checked_credit_code(code) for code in credit_codes]
    sources = selected_sources(info)
    # Each item is awaited on its own: an exception fails only its own item (one firm's registry outage
    # does not null the batch), and each firm's fields are completed in a turn of the event loop of its
    # own (hub.turns), so a batch never holds the loop for all its firms at once.
    return [_in_turn(info.context, enterprise_with_sources(info.context, code, sources)) for code in codes]


async def _in_turn(context: Context, found: Awaitable[Enterprise | None]) -> Enterprise | None:
    enterprise = await found
    await context.services.turns.take()  # graphql-core completes the firm's fields right after this
    return enterprise
