"""A receivable's standing on the platform now (holder, status, split children, lineage of events) and what
it can still carry: the fields ``Receivable`` adds for financing.

Read live, never cached: one lineage listing per firm of the request (a per-request loader; the firm's trade
field already needed the trade scope and its consent), and every tenant's live financings of those
receivables and of their lineages' roots in one query (amounts only, never whose). An answer with them is
not kept by the whole-answer cache: both change without any record changing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.dataloader import DataLoader

from connectors.trade_receivables import ReceivableStanding, lineage_listing
from hub.financing.money import fen_of, yuan_of
from hub.financing.registry import available_fen
from schema.context import Context

LINEAGES, FINANCED = "receivable-lineages", "receivable-financed"


@strawberry.enum(description="Where a receivable stands on the trade platform.")
class ReceivableStatus(Enum):
    UPLOADED = "uploaded"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    SETTLED = "settled"
    OVERDUE = "overdue"


@strawberry.type(description="A part of a receivable split off and transferred to a new holder.")
class ReceivableChild:
    receivable_no: str
    holder: strawberry.ID
    amount_yuan: Decimal


@strawberry.type(description="One event of a receivable's life on the platform.")
class ReceivableEvent:
    at: datetime
    type: str = strawberry.field(
        description="uploaded, confirmed, rejected, split, transferred, settled or overdue."
    )
    actor: strawberry.ID | None = strawberry.field(description="The firm that did it; null: the platform.")
    amount_yuan: Decimal
    counterparty: strawberry.ID | None = strawberry.field(description="A transfer's new holder.")
    child_no: str | None


@dataclass(frozen=True, slots=True)
class Standing:
    """A receivable as the platform stands it, with its lineage's root (itself when not split off)."""

    receivable: ReceivableStanding
    root: ReceivableStanding


async def standing_of(context: Context, firm: str, receivable_no: str) -> Standing | None:
    """The platform's standing of one of ``firm``'s receivables (None: the platform does not list it)."""
    context.answer_cacheable = False
    listing = await _lineages(context).load(firm)
    found = listing.get(receivable_no)
    if found is None:
        return None
    root = found
    while root.parent_no is not None and root.parent_no in listing:
        root = listing[root.parent_no]
    return Standing(found, root)


async def available_of(context: Context, standing: Standing) -> Decimal:
    """What the receivable can still carry, every tenant's live financings counted (0 when the platform's
    standing rules financing out)."""
    receivable = standing.receivable
    if receivable.status != "confirmed":
        return yuan_of(0)
    financed = _financed(context)
    own, _ = await financed.load(receivable.receivable_no)
    _, lineage = await financed.load(standing.root.receivable_no)
    left = available_fen(fen_of(receivable.retained_yuan), fen_of(standing.root.amount_yuan), own, lineage)
    return yuan_of(left)


def children_of(standing: Standing) -> list[ReceivableChild]:
    return [
        ReceivableChild(
            receivable_no=child.receivable_no,
            holder=strawberry.ID(child.holder),
            amount_yuan=child.amount_yuan,
        )
        for child in standing.receivable.children
    ]


def events_of(standing: Standing) -> list[ReceivableEvent]:
    return [
        ReceivableEvent(
            at=event.at,
            type=event.type,
            actor=strawberry.ID(event.actor) if event.actor else None,
            amount_yuan=event.amount_yuan,
            counterparty=strawberry.ID(event.counterparty) if event.counterparty else None,
            child_no=event.child_no,
        )
        for event in standing.receivable.events
    ]


def _lineages(context: Context) -> DataLoader[str, dict[str, ReceivableStanding]]:
    found: DataLoader[str, dict[str, ReceivableStanding]] | None = context.lazy_loaders.get(LINEAGES)
    if found is not None:
        return found
    sources = context.services.sources

    async def load_one(firm: str) -> dict[str, ReceivableStanding]:
        listing = await sources.ask("trade", lambda upstream: lineage_listing(upstream, firm))
        return {item.receivable_no: item for item in listing}

    async def load(firms: list[str]) -> list[dict[str, ReceivableStanding] | BaseException]:
        return list(await asyncio.gather(*(load_one(firm) for firm in firms), return_exceptions=True))

    loader: DataLoader[str, dict[str, ReceivableStanding]] = DataLoader(load_fn=load)
    context.lazy_loaders[LINEAGES] = loader
    return loader


def _financed(context: Context) -> DataLoader[str, tuple[int, int]]:
    found: DataLoader[str, tuple[int, int]] | None = context.lazy_loaders.get(FINANCED)
    if found is not None:
        return found
    registry = context.services.financing

    async def load(numbers: list[str]) -> list[tuple[int, int]]:
        sums = await registry.financed_fen(numbers)
        return [sums[number] for number in numbers]

    loader: DataLoader[str, tuple[int, int]] = DataLoader(load_fn=load)
    context.lazy_loaders[FINANCED] = loader
    return loader
