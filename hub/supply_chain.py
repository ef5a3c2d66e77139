"""The supply chain around a core enterprise, from trade counterparties cross-checked by logistics.

Suppliers are firms that sell to the core (and, at depth 2+, firms that sell to those suppliers);
distributors buy from it (and from those distributors). Pure functions: the schema loads the records tier
by tier and calls :func:`next_tier` with what it could read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from connectors.records import LogisticsRecord, TradeRecord
from hub.profiles.logistics import counterparty_of
from hub.profiles.trade import trade_counterparties

MAX_DEPTH = 3
ChainRole = Literal["supplier", "distributor"]


@dataclass(frozen=True, slots=True)
class SupplyLink:
    """One firm in the chain: ``via`` is the firm one tier closer to the core it trades with."""

    credit_code: str
    name: str
    role: ChainRole
    tier: int
    via: str
    orders: int
    amount_yuan: Decimal
    since: date
    last_order_on: date
    shipments: int | None  # waybills between the two firms; None when logistics could not be read


def shipments_between(credit_code: str, logistics: LogisticsRecord | None) -> dict[str, int]:
    """Waybills per counterparty of ``credit_code`` (either direction)."""
    if logistics is None:
        return {}
    counts: dict[str, int] = {}
    for waybill in logistics.waybills:
        other, _, _ = counterparty_of(credit_code, waybill)
        counts[other] = counts.get(other, 0) + 1
    return counts


def links_of(
    credit_code: str,
    trade: TradeRecord,
    logistics: LogisticsRecord | None,
    *,
    roles: Iterable[ChainRole],
    tier: int,
) -> list[SupplyLink]:
    """``credit_code``'s direct suppliers and/or distributors, largest trade volume first."""
    wanted = set(roles)
    shipments = shipments_between(credit_code, logistics)
    links = []
    for party in trade_counterparties(credit_code, trade.orders):
        role: ChainRole = "supplier" if party.role == "supplier" else "distributor"
        if role not in wanted:
            continue
        links.append(
            SupplyLink(
                credit_code=party.credit_code,
                name=party.name,
                role=role,
                tier=tier,
                via=credit_code,
                orders=party.orders,
                amount_yuan=party.amount_yuan,
                since=party.since,
                last_order_on=party.last_order_on,
                shipments=shipments.get(party.credit_code, 0) if logistics is not None else None,
            )
        )
    return links


def next_tier(
    frontier: Iterable[SupplyLink],
    trade_of: Mapping[str, TradeRecord],
    logistics_of: Mapping[str, LogisticsRecord],
    seen: set[str],
) -> list[SupplyLink]:
    """The links one tier further out from ``frontier`` (suppliers of suppliers, distributors of
    distributors), skipping firms already in the chain (``seen`` is updated). Firms without a trade
    record in ``trade_of`` (unreadable or unavailable) are not expanded."""
    links: list[SupplyLink] = []
    for link in frontier:
        trade = trade_of.get(link.credit_code)
        if trade is None:
            continue
        for candidate in links_of(
            link.credit_code,
            trade,
            logistics_of.get(link.credit_code),
            roles=(link.role,),
            tier=link.tier + 1,
        ):
            if candidate.credit_code not in seen:
                seen.add(candidate.credit_code)
                links.append(candidate)
    return links
