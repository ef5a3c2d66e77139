"""Relay connections over lists already in memory (a profile's waybills, orders, receivables).

A cursor is the opaque base64 of the item's index; ``first`` is at most :data:`MAX_PAGE`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from foundation.errors import BadRequest
from schema.arguments import in_range

MAX_PAGE = 100
DEFAULT_PAGE = 20
_PREFIX = "cursor:"
_POSITION = re.compile(r"[0-9]{1,18}")

Item = TypeVar("Item")
Node = TypeVar("Node")


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item of this page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item; pass it as `after`.")


@strawberry.type(description="An item of a page with its cursor (Relay).")
class Edge(Generic[Node]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: Node = strawberry.field(description="The item.")


@strawberry.type(description="One page of a list (Relay connection).")
class Connection(Generic[Node]):
    total_count: int = strawberry.field(description="Items in the whole list, all pages together.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    edges: list[Edge[Node]] = strawberry.field(description="The items of this page with their cursors.")

    @strawberry.field(description="The items of this page without cursors.")
    def nodes(self) -> list[Node]:
        return [edge.node for edge in self.edges]


def encode_cursor(position: int, prefix: str = _PREFIX) -> str:
    """An opaque cursor for a position in a list; ``prefix`` tells lists apart (a cursor of one is refused
    by another)."""
    return base64.urlsafe_b64encode(f"{prefix}{position}".encode()).decode()


def decode_cursor(cursor: str, prefix: str = _PREFIX) -> int:
    """The position a cursor names, or ``BAD_REQUEST``: only what :func:`encode_cursor` writes decodes (a
    position of at most 18 digits, so it fits every database's 64-bit integer)."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        text = ""
    position = text.removeprefix(prefix) if text.startswith(prefix) else ""
    if _POSITION.fullmatch(position) is None:
        raise BadRequest(f"invalid cursor {cursor[:64]!r}", argument="after")
    return int(position)


def paginate(
    items: Sequence[Item], first: int, after: str | None, to_node: Callable[[Item], Node]
) -> Connection[Node]:
    """The page of ``first`` items after the cursor ``after``, each turned into a node by ``to_node``."""
    in_range("first", first, 0, MAX_PAGE)
    start = decode_cursor(after) + 1 if after is not None else 0
    if not 0 <= start <= len(items):
        raise BadRequest(f"cursor {after!r} is outside the list", argument="after")
    page = items[start : start + first]
    edges = [
        Edge(cursor=encode_cursor(start + offset), node=to_node(item)) for offset, item in enumerate(page)
    ]
    return Connection(
        total_count=len(items),
        page_info=PageInfo(
            has_next_page=start + len(page) < len(items),
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        edges=edges,
    )
