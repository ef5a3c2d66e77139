"""Resolvers of connections: a request's firms answered together from the stored states and the tenant's
consents (no upstream asked): two queries (states, consents) for a 100-firm list (:class:`TurnBatch`).

Scope: a row of source S is shown to a caller holding ``consent:read`` (or ``consent:write``) or
``S:read``; the field needs one of them (else FORBIDDEN). It says nothing of the source's data, only
where the connection stands for the caller's own tenant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from auth.principal import READ_SCOPES, Principal
from hub.connections.status import ConnectionView
from hub.connections.store import ConnectionBook
from hub.connections.views import tenant_connections
from hub.turns import LoopTurns
from schema.connections.types import SourceConnection
from schema.context import Context

LOADER = "connections"
CONSENT_SCOPES = ("consent:read", "consent:write")
CONNECTION_SCOPES = (*CONSENT_SCOPES, *sorted(READ_SCOPES))
"""The field's scopes: any of them (each row then needs a consent scope or its source's)."""


def visible_sources(principal: Principal, sources: tuple[str, ...]) -> list[str]:
    if any(principal.has_scope(scope) for scope in CONSENT_SCOPES):
        return list(sources)
    return [source for source in sources if principal.has_scope(f"{source}:read")]


class TurnBatch:
    """The keys the firms of a request ask, loaded in one call. graphql-core completes each firm's fields
    in a turn of the loop of its own (:mod:`hub.turns`), so a plain DataLoader would load a firm or two a
    batch; this one waits for a turn behind every firm already queued for one, then loads all they asked.
    """

    def __init__(
        self, turns: LoopTurns, load: Callable[[list[str]], Awaitable[dict[str, list[ConnectionView]]]]
    ) -> None:
        self._turns = turns
        self._load = load
        self._futures: dict[str, asyncio.Future[list[ConnectionView]]] = {}
        self._pending: list[str] = []
        self._dispatch: asyncio.Task[None] | None = None

    async def load(self, key: str) -> list[ConnectionView]:
        future = self._futures.get(key)
        if future is None:
            future = self._futures[key] = asyncio.get_running_loop().create_future()
            self._pending.append(key)
            if self._dispatch is None:
                self._dispatch = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        await self._turns.take()
        keys, self._pending, self._dispatch = self._pending, [], None
        try:
            found = await self._load(keys)
        except Exception as error:
            for key in keys:
                self._futures[key].set_exception(error)
            return
        for key in keys:
            self._futures[key].set_result(found[key])


def _loader(context: Context) -> TurnBatch:
    found: TurnBatch | None = context.lazy_loaders.get(LOADER)
    if found is not None:
        return found
    services, principal = context.services, context.principal
    sources = visible_sources(principal, services.sources.sources)
    book = ConnectionBook(services.sessions)

    async def load(codes: list[str]) -> dict[str, list[ConnectionView]]:
        return await tenant_connections(
            book, services.settings, tenant_id=principal.tenant_id, credit_codes=codes, sources=sources
        )

    loader = context.lazy_loaders[LOADER] = TurnBatch(services.turns, load)
    return loader


async def connections_of(context: Context, credit_code: str) -> list[SourceConnection]:
    # Read from the database, not through the request's record loaders: the answer cache cannot see it move.
    context.answer_cacheable = False
    return [SourceConnection.of(view) for view in await _loader(context).load(credit_code)]
