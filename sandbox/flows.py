"""Orders, waybills and receivables, all derived from the same trade relations so the providers agree.

Every order from a seller S to a buyer B that has shipped has waybills (shipper S, consignee B) a few days
after it; orders sold on account leave receivables (creditor S, debtor B), issued on the order's day and
confirmed by B or not. Most relations pay within 30, 60 or 90 days; some on long terms, 6 to 15 months. A
fixture's relation (:mod:`sandbox.fixtures`) has orders only in its months, and its planned receivables,
each with an order of its own, instead of drawn ones. A planted relation (:mod:`sandbox.anomalies`) has the
orders its case says: evenly over its months, with waybills but for ghost orders; and a relation planted
with duplicates has its latest receivables issued again under second numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from sandbox.anomalies import PlantedTrade
from sandbox.fixtures import PlannedReceivable
from sandbox.registry_data import Payload
from sandbox.seeds import firm_rng
from sandbox.universe import TODAY, Relation, Universe, cents_text, history_months

Role = Literal["buyer", "seller", "any"]
_NOW = datetime.combine(TODAY, time(), tzinfo=UTC)
_CONFIRMATION = {"good": 0.95, "fair": 0.8, "bad": 0.45}  # by the creditor's health: disputes follow it
_LONG_TERMS_SHARE = 0.12  # of the relations on credit
_LONG_TERMS_DAYS = (180, 270, 365, 450)
_WINDOW = (f"{history_months()[-12]:%Y-%m-%d}", f"{TODAY - timedelta(days=1):%Y-%m-%d}")  # the last 12 months
_LIVE_SHIPPED = ("shipped", "completed")


@dataclass(frozen=True, slots=True)
class Flows:
    orders: tuple[Payload, ...]
    waybills: tuple[Payload, ...]
    receivables: tuple[Payload, ...]
    reissued: tuple[tuple[str, str], ...] = ()  # (receivable number, its second number) of planted duplicates


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _waybills(
    relation: Relation, order_no: str, amount_cents: int, shipped: datetime, rng_seed: str
) -> list[Payload]:
    rng = firm_rng(0, rng_seed, "waybills")
    seller, buyer = relation.seller, relation.buyer
    parts = 1 if amount_cents < 20_000_000 else 2
    total_kg = amount_cents / 100 / seller.industry.yuan_per_kg * rng.uniform(0.8, 1.2)
    same_city = seller.division[:4] == buyer.division[:4]
    result: list[Payload] = []
    for part in range(parts):
        departure = shipped + timedelta(hours=part * rng.randint(2, 30))
        delivered = departure + timedelta(hours=rng.randint(4, 20) if same_city else rng.randint(12, 60))
        weight_tenths = max(10, round(total_kg / parts * 10))
        fee_cents = max(8_000, round(weight_tenths * (3 if same_city else 6)))  # 0.3 / 0.6 yuan per kg
        in_transit = delivered >= _NOW
        result.append(
            {
                "waybillNo": f"WB{order_no[2:]}{part + 1}",
                "shipper": {"creditCode": seller.credit_code, "name": seller.name},
                "consignee": {"creditCode": buyer.credit_code, "name": buyer.name},
                "origin": seller.city,
                "destination": buyer.city,
                "weightKg": f"{weight_tenths // 10}.{weight_tenths % 10}",
                "freightFee": cents_text(fee_cents),
                "shippedAt": _stamp(departure),
                "deliveredAt": None if in_transit else _stamp(delivered),
                "status": "in_transit" if in_transit else "delivered",
            }
        )
    return [waybill for waybill in result if str(waybill["shippedAt"]) < _stamp(_NOW)]


@lru_cache(maxsize=16384)
def relation_flows(universe: Universe, relation_index: int) -> Flows:
    """Everything that happened along one relation over the 24 months of history."""
    relation = universe.relations[relation_index]
    if relation.planted is not None:
        return _planted_flows(universe, relation, relation.planted)
    flows = _drawn_flows(universe, relation)
    count = universe.plan.duplicates.get(relation_index, 0)
    return _reissued(universe, relation, flows, count) if count else flows


def _drawn_flows(universe: Universe, relation: Relation) -> Flows:
    relation_index = relation.index
    seller, buyer = relation.seller, relation.buyer
    rng = firm_rng(universe.seed, f"relation-{relation_index}", "trade")
    growth = seller.yearly_growth * 0.7 + buyer.yearly_growth * 0.3
    terms_days = rng.choice((30, 60, 90))
    terms = firm_rng(universe.seed, f"relation-{relation_index}", "terms")
    if terms.random() < _LONG_TERMS_SHARE:
        terms_days = terms.choice(_LONG_TERMS_DAYS)
    orders: list[Payload] = []
    waybills: list[Payload] = []
    receivables: list[Payload] = []
    for step, month in enumerate(history_months()):
        if relation.months is not None and month not in relation.months:
            continue
        expected = relation.monthly_orders * (1 + growth) ** (step / 12)
        days = sorted(rng.randint(0, 27) for _ in range(int(expected + rng.random())))
        for day in days:
            ordered = month + timedelta(days=day)
            order_no = f"PO{ordered:%Y%m%d}{relation_index:05d}{len(orders):03d}"
            amount = max(100_000, round(relation.order_yuan * rng.lognormvariate(0, 0.35) * 100))
            shipped = datetime.combine(
                ordered + timedelta(days=rng.randint(1, 4)), time(rng.randint(6, 20)), UTC
            )
            shipped += timedelta(minutes=rng.choice((0, 15, 30, 45)))
            order_waybills = _waybills(relation, order_no, amount, shipped, f"{universe.seed}:{order_no}")
            if rng.random() < 0.03:
                status, order_waybills = "cancelled", []
            elif not order_waybills:
                status = "open"
            elif any(waybill["status"] == "in_transit" for waybill in order_waybills):
                status = "shipped"
            else:
                status = "completed"
            orders.append(
                {
                    "order_no": order_no,
                    "buyer_code": buyer.credit_code,
                    "buyer_name": buyer.name,
                    "seller_code": seller.credit_code,
                    "seller_name": seller.name,
                    "amount": cents_text(amount),
                    "currency": "CNY",
                    "ordered_at": ordered.isoformat(),
                    "status": status,
                }
            )
            waybills.extend(order_waybills)
            if relation.on_credit and status in ("shipped", "completed") and rng.random() < 0.8:
                receivables.append(_receivable(universe, relation, order_no, amount, ordered, terms_days))
    for planned in relation.receivables:
        order, order_waybills, receivable = _planned(universe, relation, planned, len(orders))
        orders.append(order)
        waybills.extend(order_waybills)
        receivables.append(receivable)
    return Flows(tuple(orders), tuple(waybills), tuple(receivables))


def _order(relation: Relation, order_no: str, amount_cents: int, ordered: date, status: str) -> Payload:
    seller, buyer = relation.seller, relation.buyer
    return {
        "order_no": order_no,
        "buyer_code": buyer.credit_code,
        "buyer_name": buyer.name,
        "seller_code": seller.credit_code,
        "seller_name": seller.name,
        "amount": cents_text(amount_cents),
        "currency": "CNY",
        "ordered_at": ordered.isoformat(),
        "status": status,
    }


def _planted_flows(universe: Universe, relation: Relation, trade: PlantedTrade) -> Flows:
    """A planted relation's orders: spread evenly over its months, amounts about ``order_yuan`` (a ring's
    adding up to exactly ``orders × order_yuan``), waybills a few days later but for ghost orders."""
    rng = firm_rng(universe.seed, f"relation-{relation.index}", "planted")
    count = trade.orders
    if trade.kind == "ghost":
        count = max(
            count, math.ceil(trade.ghost_share * honest_shipped(universe, relation.seller.credit_code))
        )
    weights = [rng.uniform(0.8, 1.2) for _ in range(count)]
    total = round(count * trade.order_yuan * 100)
    amounts = [round(total * weight / sum(weights)) for weight in weights]
    amounts[-1] += total - sum(amounts)
    days = sorted(
        trade.months[ordinal * len(trade.months) // count] + timedelta(days=rng.randint(0, 27))
        for ordinal in range(count)
    )
    orders: list[Payload] = []
    waybills: list[Payload] = []
    for ordinal, (ordered, amount) in enumerate(zip(days, amounts, strict=True)):
        order_no = f"PO{ordered:%Y%m%d}{relation.index:05d}{ordinal:03d}"
        if trade.kind == "ghost":  # on the platform it shipped; no freight platform knows of it
            status = "completed" if ordered + timedelta(days=15) < TODAY else "shipped"
            orders.append(_order(relation, order_no, amount, ordered, status))
            continue
        shipped = datetime.combine(ordered + timedelta(days=rng.randint(1, 4)), time(rng.randint(6, 20)), UTC)
        order_waybills = _waybills(relation, order_no, amount, shipped, f"{universe.seed}:{order_no}")
        in_transit = any(waybill["status"] == "in_transit" for waybill in order_waybills)
        status = "open" if not order_waybills else "shipped" if in_transit else "completed"
        orders.append(_order(relation, order_no, amount, ordered, status))
        waybills.extend(order_waybills)
    return Flows(tuple(orders), tuple(waybills), ())


def _reissued(universe: Universe, relation: Relation, flows: Flows, count: int) -> Flows:
    """``flows`` with its latest ``count`` receivables issued again under second numbers: same creditor,
    debtor, amount and due date, issued a few days later, unconfirmed."""
    rng = firm_rng(universe.seed, f"relation-{relation.index}", "reissued")
    latest = sorted(
        flows.receivables, key=lambda item: (str(item["issued_date"]), str(item["receivable_no"]))
    )
    copies: list[Payload] = []
    pairs: list[tuple[str, str]] = []
    for ordinal, original in enumerate(latest[-count:]):
        issued = date.fromisoformat(str(original["issued_date"])) + timedelta(days=rng.randint(2, 20))
        issued = min(issued, TODAY - timedelta(days=1), date.fromisoformat(str(original["due_date"])))
        number = f"AR{issued:%Y%m%d}{relation.index:05d}{900 + ordinal:03d}"
        copies.append(
            {**original, "receivable_no": number, "issued_date": issued.isoformat(), "confirmed": False}
            | {"confirmed_at": None, "settled": False}
        )
        pairs.append((str(original["receivable_no"]), number))
    return Flows(flows.orders, flows.waybills, flows.receivables + tuple(copies), tuple(pairs))


def _seller_relations(universe: Universe, credit_code: str) -> list[Relation]:
    return [
        relation
        for relation in universe.relations_of.get(credit_code, ())
        if relation.seller.credit_code == credit_code
    ]


def _in_window(order: Payload) -> bool:
    return _WINDOW[0] <= str(order["ordered_at"]) <= _WINDOW[1]


@lru_cache(maxsize=4096)
def honest_shipped(universe: Universe, credit_code: str) -> int:
    """The firm's shipped or completed orders as seller in the last 12 months, its ghost orders aside."""
    return sum(
        1
        for relation in _seller_relations(universe, credit_code)
        if relation.planted is None or relation.planted.kind != "ghost"
        for order in relation_flows(universe, relation.index).orders
        if order["status"] in _LIVE_SHIPPED and _in_window(order)
    )


@dataclass(frozen=True, slots=True)
class PlatformSales:
    """A firm's live orders as seller in the last 12 months, in cents: all of them, and those invoiced."""

    total_cents: int
    invoiced_cents: int


@lru_cache(maxsize=4096)
def platform_sales(universe: Universe, credit_code: str) -> PlatformSales:
    total = invoiced = 0
    for relation in _seller_relations(universe, credit_code):
        amount = sum(
            round(Decimal(str(order["amount"])) * 100)
            for order in relation_flows(universe, relation.index).orders
            if order["status"] != "cancelled" and _in_window(order)
        )
        total += amount
        if relation.planted is None or relation.planted.kind != "uninvoiced":
            invoiced += amount
    return PlatformSales(total, invoiced)


def _planned(
    universe: Universe, relation: Relation, planned: PlannedReceivable, ordinal: int
) -> tuple[Payload, list[Payload], Payload]:
    """The order, waybills and receivable of a fixture's planned receivable."""
    seller, buyer = relation.seller, relation.buyer
    order_no = f"PO{planned.issued_on:%Y%m%d}{relation.index:05d}{ordinal:03d}"
    amount = planned.amount_yuan * 100
    shipped = datetime.combine(planned.issued_on + timedelta(days=2), time(9), UTC)
    order_waybills = _waybills(relation, order_no, amount, shipped, f"{universe.seed}:{order_no}")
    in_transit = any(waybill["status"] == "in_transit" for waybill in order_waybills)
    order: Payload = {
        "order_no": order_no,
        "buyer_code": buyer.credit_code,
        "buyer_name": buyer.name,
        "seller_code": seller.credit_code,
        "seller_name": seller.name,
        "amount": cents_text(amount),
        "currency": "CNY",
        "ordered_at": planned.issued_on.isoformat(),
        "status": "shipped" if in_transit else "completed",
    }
    confirmed_on = planned.issued_on + timedelta(days=5)
    receivable: Payload = {
        "receivable_no": f"AR{order_no[2:]}",
        "order_no": order_no,
        "creditor_code": seller.credit_code,
        "debtor_code": buyer.credit_code,
        "amount": cents_text(amount),
        "issued_date": planned.issued_on.isoformat(),
        "due_date": planned.due_on.isoformat(),
        "confirmed": planned.confirmed,
        "confirmed_at": confirmed_on.isoformat() if planned.confirmed else None,
        "settled": planned.settled,
    }
    return order, order_waybills, receivable


def _receivable(
    universe: Universe, relation: Relation, order_no: str, amount: int, ordered: date, terms_days: int
) -> Payload:
    rng = firm_rng(universe.seed, order_no, "receivable")
    due = ordered + timedelta(days=terms_days)
    confidence = _CONFIRMATION[relation.seller.health] * (0.7 if relation.buyer.health == "bad" else 1.0)
    confirmed_on = ordered + timedelta(days=rng.randint(2, 15))
    confirmed = rng.random() < confidence and confirmed_on < TODAY
    settled = due < TODAY and rng.random() < (0.7 if relation.buyer.health == "bad" else 0.97)
    return {
        "receivable_no": f"AR{order_no[2:]}",
        "order_no": order_no,
        "creditor_code": relation.seller.credit_code,
        "debtor_code": relation.buyer.credit_code,
        "amount": cents_text(amount),
        "issued_date": ordered.isoformat(),
        "due_date": due.isoformat(),
        "confirmed": confirmed,
        "confirmed_at": confirmed_on.isoformat() if confirmed else None,
        "settled": settled,
    }


@lru_cache(maxsize=2048)
def orders_of(universe: Universe, credit_code: str, role: Role) -> tuple[Payload, ...]:
    """The firm's orders as buyer, seller or either, newest first."""
    found = [
        order
        for relation in universe.relations_of.get(credit_code, ())
        for order in relation_flows(universe, relation.index).orders
        if role == "any" or order[f"{role}_code"] == credit_code
    ]
    return tuple(
        sorted(found, key=lambda order: (str(order["ordered_at"]), str(order["order_no"])), reverse=True)
    )


@lru_cache(maxsize=2048)
def receivables_of(universe: Universe, credit_code: str) -> tuple[Payload, ...]:
    """Receivables where the firm is creditor or debtor, latest due date first."""
    found = [
        receivable
        for relation in universe.relations_of.get(credit_code, ())
        for receivable in relation_flows(universe, relation.index).receivables
    ]
    return tuple(
        sorted(found, key=lambda item: (str(item["due_date"]), str(item["receivable_no"])), reverse=True)
    )


@lru_cache(maxsize=2048)
def waybills_of(universe: Universe, credit_code: str) -> tuple[Payload, ...]:
    """Waybills where the firm is shipper or consignee, newest first."""
    found = [
        waybill
        for relation in universe.relations_of.get(credit_code, ())
        for waybill in relation_flows(universe, relation.index).waybills
    ]
    return tuple(
        sorted(found, key=lambda item: (str(item["shippedAt"]), str(item["waybillNo"])), reverse=True)
    )
