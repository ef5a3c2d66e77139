"""The receivable lifecycle of the trade platform (issue 15), the PBoC receivables platform's flow.

A creditor uploads a receivable on the day it arose; the debtor confirms it or rejects it; a confirmed one
may be split into children transferred to new holders down the supply chain (transferable e-vouchers, 云信),
and is settled, or overdue once its due date has passed unsettled. Everything is read off the receivables
that :mod:`sandbox.flows` already serves, so the two endpoints agree: confirmed on ``confirmed_at`` (at a
time of that day), settled on the due date, uploaded on ``issued_date``. Of the unconfirmed, unsettled ones
:data:`REJECTED_SHARE` were rejected, the others still wait.

A confirmed unsettled receivable is split (:data:`SPLIT_SHARE` of them) when its creditor supplies a core
enterprise and buys on the platform itself: into one or two children of 10-60 % of its amount each, the
``i``-th numbered ``<parent>-<i>``, transferred to firms that sold to the creditor before the split. A child
keeps its parent's debtor and due date; :data:`RESPLIT_SHARE` of the children whose holder buys on the
platform are split again the same way, down to :data:`MAX_DEPTH`. Children plus what the parent retains
always add up to the parent's amount, in fen (:func:`split_cents`). A fixture (:mod:`sandbox.fixtures`)
splits only what it plans; receivables of a planted duplicate pair are never split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from random import Random
from typing import Literal

from sandbox.fixtures import PlannedReceivable
from sandbox.flows import relation_flows
from sandbox.registry_data import Payload
from sandbox.seeds import firm_rng
from sandbox.universe import TODAY, Relation, Universe, cents_text

Status = Literal["uploaded", "confirmed", "rejected", "settled", "overdue"]
EventType = Literal["uploaded", "confirmed", "rejected", "split", "transferred", "settled", "overdue"]

SPLIT_SHARE = 0.15
"""Of the confirmed unsettled receivables whose creditor supplies a core and buys on the platform."""
RESPLIT_SHARE = 0.1
"""Of the children whose holder buys on the platform (before the child's due date and today)."""
REJECTED_SHARE = 1 / 3
"""Of the unconfirmed unsettled receivables (decided where there was time for it)."""
MAX_DEPTH = 2
"""Children of children at most."""
SPLIT_PERCENTS = (10, 15, 20, 25, 30, 40, 50, 60)
_NUMBER = re.compile(r"AR\d{16}(?:-\d+){0,2}")


@dataclass(frozen=True, slots=True)
class Split:
    """A split of an amount in fen: the children's amounts and what the parent keeps."""

    children_cents: tuple[int, ...]
    retained_cents: int


def split_cents(amount_cents: int, percents: Sequence[int]) -> Split:
    """``amount_cents`` split into children of ``percents`` of it (rounded down to the fen), the parent
    keeping the rest: children plus retained is the amount exactly, none negative. The percents must be
    positive and add up to less than 100 (a parent always keeps something)."""
    if amount_cents < 0:
        raise ValueError(f"a negative amount cannot be split: {amount_cents}")
    if any(percent <= 0 for percent in percents) or sum(percents) >= 100:
        raise ValueError(f"split percents must be positive and add up to less than 100: {list(percents)}")
    children = tuple(amount_cents * percent // 100 for percent in percents)
    return Split(children, amount_cents - sum(children))


@dataclass(frozen=True, slots=True)
class _Event:
    at: datetime
    type: EventType
    actor: str | None
    amount_cents: int
    counterparty: str | None = None
    child_no: str | None = None

    def payload(self) -> Payload:
        return {
            "at": self.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "type": self.type,
            "actor": self.actor,
            "amount_yuan": cents_text(self.amount_cents),
            "counterparty": self.counterparty,
            "child_no": self.child_no,
        }


@dataclass(frozen=True, slots=True)
class Lineage:
    """One receivable as the lineage endpoints serve it, and every firm it concerns: its creditor, debtor
    and holder and the holders of its children, down to the last."""

    item: Payload
    parties: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Node:
    """A receivable being built: what its children inherit."""

    number: str
    parent_no: str | None
    creditor: str
    debtor: str
    amount_cents: int
    issued: date
    due: date
    status: Status


def _at(day: date, rng: Random) -> datetime:
    """A working-hours time of ``day``."""
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)), UTC)


@lru_cache(maxsize=8192)
def _sellers(universe: Universe, credit_code: str) -> tuple[tuple[str, date], ...]:
    """The firms that sold to the firm on the platform, each with the day of its first live order."""
    found = []
    for relation in universe.relations_of.get(credit_code, ()):
        if relation.buyer.credit_code != credit_code:
            continue
        days = [
            date.fromisoformat(str(order["ordered_at"]))
            for order in relation_flows(universe, relation.index).orders
            if order["status"] != "cancelled"
        ]
        if days:
            found.append((relation.seller.credit_code, min(days)))
    return tuple(found)


def may_split(universe: Universe, credit_code: str) -> bool:
    """Whether the firm's receivables may be split at random: it supplies a core enterprise, buys on the
    platform and is no fixture (a fixture splits what it plans)."""
    relations = universe.relations_of.get(credit_code, ())
    return (
        credit_code not in universe.fixtures
        and any(r.seller.credit_code == credit_code and r.buyer.is_core for r in relations)
        and any(r.buyer.credit_code == credit_code for r in relations)
    )


class _Builder:
    """The lineages of one relation's receivables."""

    def __init__(self, universe: Universe) -> None:
        self.universe = universe
        self.lineages: list[Lineage] = []

    def root(self, receivable: Payload, planned: PlannedReceivable | None, splittable: bool) -> None:
        number = str(receivable["receivable_no"])
        rng = firm_rng(self.universe.seed, number, "lifecycle")
        creditor, debtor = str(receivable["creditor_code"]), str(receivable["debtor_code"])
        amount = round(Decimal(str(receivable["amount"])) * 100)
        issued = date.fromisoformat(str(receivable["issued_date"]))
        due = date.fromisoformat(str(receivable["due_date"]))
        events = [_Event(_at(issued, rng), "uploaded", creditor, amount)]
        confirmed_at = receivable["confirmed_at"]
        settled = bool(receivable["settled"])
        status: Status
        if confirmed_at is not None:
            confirmed_on = date.fromisoformat(str(confirmed_at))
            events.append(_Event(_at(confirmed_on, rng), "confirmed", debtor, amount))
            status = "settled" if settled else "overdue" if due < TODAY else "confirmed"
        else:
            confirmed_on = issued
            waited = (TODAY - issued).days - 1
            if not settled and rng.random() < REJECTED_SHARE and waited >= 2:
                rejected_on = issued + timedelta(days=rng.randint(2, min(15, waited)))
                events.append(_Event(_at(rejected_on, rng), "rejected", debtor, amount))
                status = "rejected"
            else:
                status = "settled" if settled else "uploaded"
        if settled:  # paid on its due date (an unconfirmed one off the platform's confirmation)
            events.append(_Event(_at(due, rng), "settled", debtor, amount))
        node = _Node(number, None, creditor, debtor, amount, issued, due, status)
        if status not in ("confirmed", "overdue"):
            self.add(node, creditor, events, (), frozenset())
        elif planned is not None:
            self.planned(node, events, planned, confirmed_on)
        else:
            drawn = splittable and rng.random() < SPLIT_SHARE
            self.grow(node, creditor, events, rng, confirmed_on + timedelta(days=1), 1, drawn)

    def planned(
        self, node: _Node, events: list[_Event], planned: PlannedReceivable, confirmed_on: date
    ) -> None:
        if not planned.split_percents:
            self.add(node, node.creditor, events, (), frozenset())
            return
        sellers = [code for code, _ in _sellers(self.universe, node.creditor)]
        holders = sellers[: len(planned.split_percents)]
        if len(holders) < len(planned.split_percents):
            raise ValueError(f"{node.creditor} has too few sellers for the split of {node.number}")
        at = datetime.combine(confirmed_on + timedelta(days=7), time(10), UTC)
        self.split(node, node.creditor, events, at, planned.split_percents, holders, None, 1)

    def grow(
        self,
        node: _Node,
        holder: str,
        events: list[_Event],
        rng: Random,
        earliest: date,
        depth: int,
        drawn: bool,
    ) -> frozenset[str]:
        """Split ``node`` if ``drawn`` and there is room (a seller of the holder by then, a day before its
        due date and today), then record it; the holders below it."""
        latest = min(node.due, TODAY) - timedelta(days=1)
        if drawn and latest >= earliest:
            day = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
            sellers = [code for code, first in _sellers(self.universe, holder) if first <= day]
            if sellers:
                count = min(len(sellers), 1 if rng.random() < 0.6 else 2)
                first_percent = rng.choice(SPLIT_PERCENTS)
                percents = [first_percent]
                if count == 2:
                    percents.append(rng.choice([p for p in SPLIT_PERCENTS if first_percent + p <= 90]))
                holders = rng.sample(sellers, count)
                return self.split(node, holder, events, _at(day, rng), percents, holders, rng, depth)
        return self.add(node, holder, events, (), frozenset())

    def split(
        self,
        node: _Node,
        holder: str,
        events: list[_Event],
        at: datetime,
        percents: Sequence[int],
        holders: Sequence[str],
        rng: Random | None,
        depth: int,
    ) -> frozenset[str]:
        """Split ``node`` at ``at`` into children of ``percents`` transferred to ``holders``; children are
        split again at random when ``rng`` is given."""
        shares = split_cents(node.amount_cents, percents)
        below: set[str] = set()
        children: list[Payload] = []
        for ordinal, (amount, new_holder) in enumerate(zip(shares.children_cents, holders, strict=True)):
            child_no = f"{node.number}-{ordinal + 1}"
            split_at = at + timedelta(minutes=2 * ordinal)
            moved_at = split_at + timedelta(minutes=1)
            events.append(_Event(split_at, "split", holder, amount, None, child_no))
            events.append(_Event(moved_at, "transferred", holder, amount, new_holder, child_no))
            child = _Node(
                child_no, node.number, new_holder, node.debtor, amount, at.date(), node.due, node.status
            )
            child_events = [_Event(moved_at, "transferred", holder, amount, new_holder, child_no)]
            drawn = False
            child_rng = firm_rng(self.universe.seed, child_no, "lifecycle")
            if rng is not None and depth < MAX_DEPTH and new_holder not in self.universe.fixtures:
                drawn = child_rng.random() < RESPLIT_SHARE
            earliest = at.date() + timedelta(days=1)
            below |= {new_holder} | self.grow(
                child, new_holder, child_events, child_rng, earliest, depth + 1, drawn
            )
            children.append(
                {"receivable_no": child_no, "holder": new_holder, "amount_yuan": cents_text(amount)}
            )
        return self.add(node, holder, events, tuple(children), frozenset(below), shares.retained_cents)

    def add(
        self,
        node: _Node,
        holder: str,
        events: list[_Event],
        children: tuple[Payload, ...],
        below: frozenset[str],
        retained_cents: int | None = None,
    ) -> frozenset[str]:
        retained = node.amount_cents if retained_cents is None else retained_cents
        if node.status == "overdue":
            overdue_at = datetime.combine(node.due + timedelta(days=1), time(), UTC)
            events.append(_Event(overdue_at, "overdue", None, retained))
        item: Payload = {
            "receivable_no": node.number,
            "parent_no": node.parent_no,
            "creditor": node.creditor,
            "debtor": node.debtor,
            "holder": holder,
            "amount_yuan": cents_text(node.amount_cents),
            "retained_yuan": cents_text(retained),
            "due_date": node.due.isoformat(),
            "issued_date": node.issued.isoformat(),
            "status": node.status,
            "children": list(children),
            "events": [event.payload() for event in sorted(events, key=lambda event: event.at)],
        }
        parties = frozenset({node.creditor, node.debtor, holder}) | below
        self.lineages.append(Lineage(item, parties))
        return below


@lru_cache(maxsize=16384)
def relation_lineages(universe: Universe, relation_index: int) -> tuple[Lineage, ...]:
    """Every receivable of a served relation with its children (withheld relations have none)."""
    relation = universe.relations[relation_index]
    if relation.withheld:
        return ()
    flows = relation_flows(universe, relation_index)
    paired = {number for pair in flows.reissued for number in pair}
    planned = _planned(relation, flows.receivables)
    splittable = may_split(universe, relation.seller.credit_code)
    builder = _Builder(universe)
    for receivable in flows.receivables:
        number = str(receivable["receivable_no"])
        builder.root(receivable, planned.get(number), splittable and number not in paired)
    return tuple(builder.lineages)


def _planned(relation: Relation, receivables: tuple[Payload, ...]) -> dict[str, PlannedReceivable]:
    """A fixture relation's planned receivables by number: the last ones of its receivables."""
    if not relation.receivables:
        return {}
    last = receivables[len(receivables) - len(relation.receivables) :]
    return {str(item["receivable_no"]): plan for item, plan in zip(last, relation.receivables, strict=True)}


def _buyers(universe: Universe, credit_code: str) -> list[str]:
    return [
        relation.buyer.credit_code
        for relation in universe.relations_of.get(credit_code, ())
        if relation.seller.credit_code == credit_code
    ]


def _sales(universe: Universe, credit_code: str) -> list[int]:
    return [
        relation.index
        for relation in universe.relations_of.get(credit_code, ())
        if relation.seller.credit_code == credit_code
    ]


@lru_cache(maxsize=2048)
def lineage_of(universe: Universe, credit_code: str) -> tuple[Payload, ...]:
    """The receivables the firm is creditor, debtor or holder of, or holds a child of, by number
    descending. A child comes to a firm only from a firm it sells to, a grandchild from a buyer's buyer:
    only those firms' sales are read besides the firm's own relations."""
    indices = {relation.index for relation in universe.relations_of.get(credit_code, ())}
    frontier = {credit_code}
    for _ in range(MAX_DEPTH):
        frontier = {buyer for code in frontier for buyer in _buyers(universe, code)}
        for buyer in frontier:
            if buyer in universe.fixtures or may_split(universe, buyer):
                indices.update(_sales(universe, buyer))
    found = [
        lineage.item
        for index in indices
        for lineage in relation_lineages(universe, index)
        if credit_code in lineage.parties
    ]
    return tuple(sorted(found, key=lambda item: str(item["receivable_no"]), reverse=True))


def lineage_by_number(universe: Universe, receivable_no: str) -> Payload | None:
    """One receivable by its number (a child's too), or None: its relation is in the number."""
    if not _NUMBER.fullmatch(receivable_no):
        return None
    relation_index = int(receivable_no[10:15])
    if relation_index >= len(universe.relations):
        return None
    for lineage in relation_lineages(universe, relation_index):
        if lineage.item["receivable_no"] == receivable_no:
            return lineage.item
    return None
