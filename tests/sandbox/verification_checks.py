"""The hub's cross-source checks (issue 14) recomputed from what the providers serve, for the sandbox's tests
of its planted cases: each check's quantity over one firm's data, and the cycles of the trade graph.

A reference for the tests only (the hub has its own implementation); every threshold is the check's default.
"window" is the last 12 months of history (2025-11 … 2026-10), "live" orders are those not cancelled.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

Json = dict[str, Any]

WINDOW_START, WINDOW_END = date(2025, 11, 1), date(2026, 10, 31)
LAST_24 = [
    f"{year}-{month:02d}" for year, month in [(2024, 11), (2024, 12)] + [(2025, m) for m in range(1, 13)]
] + [f"2026-{month:02d}" for month in range(1, 11)]
LAST_12, PREVIOUS_12 = LAST_24[12:], LAST_24[:12]

SALES_NOT_INVOICED_RATIO = Decimal("1.5")
UNMATCHED_MIN, UNMATCHED_SHARE = 3, Decimal("0.3")
SALES_GROWTH_MIN, KWH_GROWTH_MAX = Decimal("0.15"), Decimal("-0.10")
SPIKE_SIGMAS, SPIKE_RATIO_MIN = 3, 1.5
CYCLE_TOLERANCE = Decimal("0.2")
MAX_CYCLE = 5


@dataclass
class FirmData:
    """What the providers serve about one firm, as plain payloads (registry JSON, the tax bureau's monthly
    invoiced sales, every account's monthly kWh added up, and the firm's orders, waybills and receivables)."""

    code: str
    registration: Json
    invoiced: dict[str, Decimal]  # month "YYYY-MM" → invoiced sales
    kwh: dict[str, Decimal]  # month → kWh over all accounts
    orders: list[Json] = field(default_factory=list)  # as buyer or seller
    waybills: list[Json] = field(default_factory=list)  # as shipper or consignee
    receivables: list[Json] = field(default_factory=list)  # as creditor or debtor

    def in_window(self, order: Json) -> bool:
        return bool(WINDOW_START.isoformat() <= order["ordered_at"] <= WINDOW_END.isoformat())

    @property
    def sold(self) -> list[Json]:
        """Its live orders as seller in the window."""
        return [
            order
            for order in self.orders
            if order["seller_code"] == self.code and order["status"] != "cancelled" and self.in_window(order)
        ]


def _growth(series: Mapping[str, Decimal]) -> Decimal | None:
    before = sum((series.get(month, Decimal(0)) for month in PREVIOUS_12), Decimal(0))
    last = sum((series.get(month, Decimal(0)) for month in LAST_12), Decimal(0))
    return last / before - 1 if before else None


def platform_to_invoiced(firm: FirmData) -> Decimal | None:
    """SALES_NOT_INVOICED's quantity: live platform sales in the window ÷ invoiced sales of those months."""
    invoiced = sum((firm.invoiced.get(month, Decimal(0)) for month in LAST_12), Decimal(0))
    platform = sum((Decimal(order["amount"]) for order in firm.sold), Decimal(0))
    return platform / invoiced if invoiced else None


def unmatched_orders(firm: FirmData) -> tuple[list[str], int]:
    """ORDERS_WITHOUT_SHIPMENTS' quantity: the shipped or completed orders as seller in the window that no
    waybill (shipper the seller, consignee the buyer, shipped from 3 days before to 14 after) matches, and
    how many such orders there are."""
    shipped_days: dict[str, list[date]] = defaultdict(list)
    for waybill in firm.waybills:
        if waybill["shipper"]["creditCode"] == firm.code:
            shipped_days[waybill["consignee"]["creditCode"]].append(
                date.fromisoformat(waybill["shippedAt"][:10])
            )
    orders = [order for order in firm.sold if order["status"] in ("shipped", "completed")]
    unmatched = []
    for order in orders:
        ordered = date.fromisoformat(order["ordered_at"])
        low, high = ordered - timedelta(days=3), ordered + timedelta(days=14)
        if not any(low <= day <= high for day in shipped_days[order["buyer_code"]]):
            unmatched.append(order["order_no"])
    return unmatched, len(orders)


def orders_without_shipments(firm: FirmData) -> bool:
    unmatched, total = unmatched_orders(firm)
    return len(unmatched) >= UNMATCHED_MIN and Decimal(len(unmatched)) / total >= UNMATCHED_SHARE


def is_manufacturer(firm: FirmData) -> bool:
    return str(firm.registration["industryCode"]).startswith("C")


def growths(firm: FirmData) -> tuple[Decimal | None, Decimal | None]:
    """OUTPUT_ENERGY_DIVERGENCE's quantities: invoiced sales' and kWh's growth, the last 12 months on the 12
    before."""
    return _growth(firm.invoiced), _growth(firm.kwh)


def output_energy_divergence(firm: FirmData) -> bool:
    sales, kwh = growths(firm)
    return (
        is_manufacturer(firm)
        and sales is not None
        and kwh is not None
        and sales > SALES_GROWTH_MIN
        and kwh < KWH_GROWTH_MAX
    )


def spike_ratios(firm: FirmData) -> list[float] | None:
    """Each of the last 12 months' invoiced sales ÷ the same month a year before (None if one is missing)."""
    ratios = []
    for before, month in zip(PREVIOUS_12, LAST_12, strict=True):
        if not firm.invoiced.get(before) or month not in firm.invoiced:
            return None
        ratios.append(float(firm.invoiced[month] / firm.invoiced[before]))
    return ratios


def spike_margin(firm: FirmData, *, sample: bool, sliding: bool = True) -> float | None:
    """SALES_SPIKE's quantity: the largest of the last 3 months' ratio minus max(mean + 3σ of the baseline
    ratios, 1.5): positive flags. The baseline is the 9 ratios before the month (``sliding``) or the 9
    before the last 3; σ with n − 1 (``sample``: the larger) or with n."""
    ratios = spike_ratios(firm)
    if ratios is None:
        return None
    sigma = statistics.stdev if sample else statistics.pstdev
    margins = []
    for index in range(9, 12):
        before = ratios[index - 9 : index] if sliding else ratios[:9]
        bound = max(statistics.fmean(before) + SPIKE_SIGMAS * sigma(before), SPIKE_RATIO_MIN)
        margins.append(ratios[index] - bound)
    return max(margins)


def spike_margins(firm: FirmData) -> list[float]:
    """:func:`spike_margin` under each reading of the baseline and σ (none when a ratio is missing)."""
    found = [
        spike_margin(firm, sample=sample, sliding=sliding)
        for sample in (False, True)
        for sliding in (False, True)
    ]
    return [margin for margin in found if margin is not None]


def _identities(registration: Json) -> set[tuple[str, str]]:
    """Who and where a firm is, for the related-party check: people by ID number, its address, its
    representative's phone; and, stricter than the check, the firm itself and its enterprise owners (a
    counterparty that owns it, or is owned by the same core enterprise, is related too)."""
    found = {("address", str(registration["address"])), ("enterprise", str(registration["creditCode"]))}
    representative = registration["legalRepresentative"]
    found |= {("person", representative["idNumber"]), ("phone", representative["phone"])}
    for holder in registration.get("shareholders", []):
        if holder["kind"] == "person":
            found.add(("person", holder["idNumber"]))
        else:
            found.add(("enterprise", holder["creditCode"]))
    for manager in registration.get("seniorManagers", []):
        found.add(("person", manager["idNumber"]))
    return found


def counterparties(firm: FirmData) -> set[str]:
    """Its trade and freight counterparties."""
    codes = {order["buyer_code"] for order in firm.orders} | {order["seller_code"] for order in firm.orders}
    for waybill in firm.waybills:
        codes |= {waybill["shipper"]["creditCode"], waybill["consignee"]["creditCode"]}
    return codes - {firm.code}


def related_counterparties(
    firm: FirmData, registrations: Mapping[str, Json]
) -> dict[str, set[tuple[str, str]]]:
    """RELATED_PARTY's quantity: each counterparty sharing a person, the address or the phone with it."""
    own = _identities(firm.registration)
    shared = {code: own & _identities(registrations[code]) for code in counterparties(firm)}
    return {code: found for code, found in shared.items() if found}


def duplicate_receivables(firm: FirmData) -> list[list[str]]:
    """DUPLICATE_RECEIVABLE's quantity: receivables as creditor sharing (debtor, amount, due date) under
    different numbers, each group's numbers."""
    groups: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for receivable in firm.receivables:
        if receivable["creditor_code"] == firm.code:
            key = (receivable["debtor_code"], receivable["amount"], receivable["due_date"])
            groups[key].add(receivable["receivable_no"])
    return [sorted(numbers) for numbers in groups.values() if len(numbers) > 1]


def trade_edges(orders: Iterable[Json]) -> dict[tuple[str, str], Decimal]:
    """(seller, buyer) → the sum of their live orders in the window (each order once)."""
    edges: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    seen: set[str] = set()
    for order in orders:
        if order["order_no"] in seen or order["status"] == "cancelled":
            continue
        seen.add(order["order_no"])
        if WINDOW_START.isoformat() <= order["ordered_at"] <= WINDOW_END.isoformat():
            edges[(order["seller_code"], order["buyer_code"])] += Decimal(order["amount"])
    return dict(edges)


def even_cycles(edges: Mapping[tuple[str, str], Decimal]) -> list[tuple[str, ...]]:
    """CIRCULAR_TRADE's quantity: the cycles of 2..5 firms whose every edge is within ±20 % of the cycle's
    mean edge amount (each cycle once, starting at its smallest code)."""
    out: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for (seller, buyer), amount in edges.items():
        if amount > 0 and seller != buyer:
            out[seller].append((buyer, amount))
    spread = (1 + CYCLE_TOLERANCE) / (1 - CYCLE_TOLERANCE)  # max ÷ min of an even cycle's edges, at most
    found: list[tuple[str, ...]] = []

    def walk(path: list[str], amounts: list[Decimal]) -> None:
        for following, amount in out[path[-1]]:
            low, high = min(*amounts, amount), max(*amounts, amount)
            if high > low * spread:
                continue
            if following == path[0]:
                mean = sum(amounts, amount) / (len(amounts) + 1)
                if all(abs(each - mean) <= mean * CYCLE_TOLERANCE for each in [*amounts, amount]):
                    found.append(tuple(path))
            elif following > path[0] and following not in path and len(path) < MAX_CYCLE:
                walk([*path, following], [*amounts, amount])

    for start in sorted(out):
        for following, amount in out[start]:
            if following > start:
                walk([start, following], [amount])
    return found
