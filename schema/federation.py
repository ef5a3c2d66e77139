"""Federation's ``_entities``: a router's representations turned into the hub's entities.

strawberry's own resolver looks ``__typename`` up unchecked (an unknown one is a ``KeyError`` that aborts
the whole field and leaves earlier entities' coroutines never awaited) and passes every field of the
representation to ``resolve_reference``. Here a representation that does not name an entity of this
subgraph with its key is a ``BAD_REQUEST`` in its own place of the list; the others still resolve.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

import strawberry
from strawberry.printer import print_schema

from foundation.errors import BadRequest
from schema.context import Info
from schema.enterprise.types import Enterprise
from schema.permissions import HasScope, requires


@dataclass(frozen=True)
class EntityKey:
    """How to resolve one entity type from its ``@key`` field (a string)."""

    field: str
    resolve: Callable[[Info, str], Awaitable[object]]


async def _enterprise(info: Info, credit_code: str) -> object:
    return await Enterprise.resolve_reference(info, creditCode=credit_code)


ENTITY_KEYS: Final[dict[str, EntityKey]] = {"Enterprise": EntityKey("creditCode", _enterprise)}
"""The entity types of this subgraph, by ``__typename``; a new entity is one line here."""


def resolve_entity(info: Info, representation: object) -> Awaitable[object] | BadRequest:
    """The entity a representation names (awaitable), or the BAD_REQUEST saying what is wrong with it."""
    if not isinstance(representation, dict):
        return BadRequest("an entity representation is an object with __typename and the key fields")
    typename = representation.get("__typename")
    entity = ENTITY_KEYS.get(typename) if isinstance(typename, str) else None
    if entity is None:
        known = ", ".join(ENTITY_KEYS)
        return BadRequest(
            f"unknown entity type {typename!r}: this subgraph resolves {known}", typename=typename
        )
    key = representation.get(entity.field)
    if not isinstance(key, str):
        return BadRequest(
            f"a {typename} representation needs its key field {entity.field} (a string)",
            typename=typename,
        )
    return entity.resolve(info, key)


@strawberry.type(name="_Service", description="This subgraph's capabilities, for a federation gateway.")
class Service:
    sdl: str = strawberry.field(description="The subgraph's SDL, federation directives included.")


@strawberry.type
class FederationQuery:
    """Federation's ``_service``, replacing strawberry's own so that it needs the ``federation`` scope: the
    SDL is for gateways, not for every client (introspection off in prod would otherwise be moot)."""

    @strawberry.field(
        name="_service",
        description="The subgraph's SDL (scope federation).",
        extensions=[requires(HasScope("federation"))],
    )
    def service(self, info: Info) -> Service:
        return Service(sdl=print_schema(info.schema))
