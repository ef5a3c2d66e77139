"""The checks, each a pure function of one firm's :class:`VerificationInputs` and its parameters.

Windows are the 12 months ending where the trade platform's history ends (each source's own last month
for its monthly series). A check whose sources cannot be read is ``NO_DATA``; one that does not apply to
the firm (a non-manufacturer's energy check, too few amounts for Benford) is ``NOT_APPLICABLE``.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from connectors.records import ElectricityRecord, LogisticsRecord, RegistryRecord, TaxRecord, TradeRecord
from foundation.months import month_of, shift_months, window
from hub.profiles import total
from hub.profiles.electricity import totals_of
from hub.profiles.logistics import counterparty_of
from hub.profiles.trade import live
from hub.verification.edges import EDGES, window_end
from hub.verification.findings import Evidence, Finding, Severity, ids
from hub.verification.graph import Cycle, TradeView
from hub.verification.identity import shared
from hub.verification.inputs import VerificationInputs, last_year, month_text
from hub.verification.parameters import CODES, effective

SOURCES: dict[str, tuple[str, ...]] = {
    "SALES_NOT_INVOICED": ("trade", "tax"),
    "ORDERS_WITHOUT_SHIPMENTS": ("trade", "logistics"),
    "OUTPUT_ENERGY_DIVERGENCE": ("registry", "tax", "electricity"),
    "SALES_SPIKE": ("tax",),
    "CIRCULAR_TRADE": ("trade", "registry"),
    "RELATED_PARTY": ("registry", "trade", "logistics"),
    "DUPLICATE_RECEIVABLE": ("trade",),
    "BENFORD_DEVIATION": ("trade",),
}
"""What each check reads of the firm itself (cycles and related parties read counterparties' too)."""
BENFORD = {digit: math.log10(1 + 1 / digit) for digit in range(1, 10)}


def _finding(code: str, status: str, params: Mapping[str, float], **options: Any) -> Finding:
    return Finding(code, status, params=dict(params), sources=SOURCES[code], **options)  # type: ignore[arg-type]


def _no_data(code: str, params: Mapping[str, float], missing: list[str]) -> Finding:
    return _finding(code, "NO_DATA", params, evidence=Evidence(values={"unreadable": missing}))


def _trade_window(trade: TradeRecord, as_of: date) -> tuple[date, ...]:
    return last_year(window_end(trade, as_of))


def _sales(trade: TradeRecord, months: set[date]) -> list[Any]:
    return [
        order
        for order in live(trade.orders)
        if order.seller.credit_code == trade.credit_code and month_of(order.ordered_on) in months
    ]


def sales_not_invoiced(inputs: VerificationInputs, params: Mapping[str, float], as_of: date) -> Finding:
    code = "SALES_NOT_INVOICED"
    if missing := inputs.missing("trade", "tax"):
        return _no_data(code, params, missing)
    trade, tax = inputs.record("trade", TradeRecord), inputs.record("tax", TaxRecord)
    if trade is None or tax is None:
        return _finding(code, "NOT_APPLICABLE", params)  # unknown at one of them
    months = _trade_window(trade, as_of)
    invoiced_by_month = {month.month: month.invoiced_sales_yuan for month in tax.months}
    if not all(month in invoiced_by_month for month in months):
        return _finding(
            code, "NOT_APPLICABLE", params, evidence=Evidence(values={"why": "fewer than 12 months invoiced"})
        )
    platform = total(order.amount_yuan for order in _sales(trade, set(months)))
    invoiced = total(invoiced_by_month[month] for month in months)
    ratio = float(platform / invoiced) if invoiced else (math.inf if platform else 0.0)
    values = {"platformSalesYuan": str(platform), "invoicedSalesYuan": str(invoiced), "ratio": _round(ratio)}
    evidence = Evidence(months=tuple(month_text(month) for month in months), values=values)
    if ratio <= params["maxRatio"]:
        return _finding(code, "PASS", params, evidence=evidence)
    severity: Severity = (
        "HIGH" if ratio >= params["highRatio"] else "MEDIUM" if ratio >= params["mediumRatio"] else "LOW"
    )
    return _finding(code, "FLAG", params, severity=severity, evidence=evidence)


def orders_without_shipments(inputs: VerificationInputs, params: Mapping[str, float], as_of: date) -> Finding:
    code = "ORDERS_WITHOUT_SHIPMENTS"
    if missing := inputs.missing("trade", "logistics"):
        return _no_data(code, params, missing)
    trade, logistics = inputs.record("trade", TradeRecord), inputs.record("logistics", LogisticsRecord)
    if trade is None:
        return _finding(code, "NOT_APPLICABLE", params)
    if logistics is None:  # the freight platform does not know the firm: nothing to match against
        return _no_data(code, params, ["logistics"])
    months = set(_trade_window(trade, as_of))
    orders = [order for order in _sales(trade, months) if order.status in ("shipped", "completed")]
    if not orders:
        return _finding(code, "NOT_APPLICABLE", params)
    shipped: dict[str, list[date]] = defaultdict(list)
    for waybill in logistics.waybills:
        if waybill.shipper.credit_code == trade.credit_code:
            other, _, _ = counterparty_of(trade.credit_code, waybill)
            shipped[other].append(waybill.shipped_at.date())
    before, after = timedelta(days=int(params["daysBefore"])), timedelta(days=int(params["daysAfter"]))
    unmatched = [
        order
        for order in orders
        if not any(
            order.ordered_on - before <= day <= order.ordered_on + after
            for day in shipped.get(order.buyer.credit_code, ())
        )
    ]
    share = len(unmatched) / len(orders)
    evidence = Evidence(
        orders=ids({order.order_no for order in unmatched}),
        credit_codes=ids({order.buyer.credit_code for order in unmatched}),
        values={"orders": len(orders), "unmatched": len(unmatched), "share": _round(share)},
    )
    if len(unmatched) < params["minUnmatched"] or share < params["minShare"]:
        return _finding(code, "PASS", params, evidence=evidence)
    severity: Severity = "HIGH" if share >= params["highShare"] else "MEDIUM"
    return _finding(code, "FLAG", params, severity=severity, evidence=evidence)


def _growth(series: Mapping[date, Decimal], months: Sequence[date]) -> float | None:
    current = total(series[month] for month in months)
    previous = total(series[shift_months(month, -12)] for month in months)
    return float(current / previous) - 1 if previous else None


def output_energy_divergence(inputs: VerificationInputs, params: Mapping[str, float], as_of: date) -> Finding:
    code = "OUTPUT_ENERGY_DIVERGENCE"
    if missing := inputs.missing("registry"):
        return _no_data(code, params, missing)
    registry = inputs.record("registry", RegistryRecord)
    if registry is None or not registry.industry_code.startswith("C"):
        return _finding(
            code, "NOT_APPLICABLE", params, evidence=Evidence(values={"why": "not a manufacturer"})
        )
    if missing := inputs.missing("tax", "electricity"):
        return _no_data(code, params, missing)
    tax, electricity = inputs.record("tax", TaxRecord), inputs.record("electricity", ElectricityRecord)
    if tax is None or electricity is None or not tax.months:
        return _finding(code, "NOT_APPLICABLE", params)
    sales = {month.month: month.invoiced_sales_yuan for month in tax.months}
    energy = {month: value.kwh for month, value in totals_of(electricity).items()}
    months = window(max(sales), 12)
    if not all(
        month in series and shift_months(month, -12) in series
        for series in (sales, energy)
        for month in months
    ):
        return _finding(
            code, "NOT_APPLICABLE", params, evidence=Evidence(values={"why": "fewer than 24 months"})
        )
    sales_growth, energy_growth = _growth(sales, months), _growth(energy, months)
    if sales_growth is None or energy_growth is None:
        return _finding(code, "NOT_APPLICABLE", params)
    evidence = Evidence(
        months=tuple(month_text(month) for month in months),
        values={"salesGrowth": _round(sales_growth), "energyGrowth": _round(energy_growth)},
    )
    if not (sales_growth > params["minSalesGrowth"] and energy_growth < params["maxEnergyGrowth"]):
        return _finding(code, "PASS", params, evidence=evidence)
    gap = sales_growth - energy_growth
    severity: Severity = "HIGH" if gap >= params["highGap"] else "MEDIUM"
    return _finding(code, "FLAG", params, severity=severity, evidence=evidence)


def sales_spike(inputs: VerificationInputs, params: Mapping[str, float], as_of: date) -> Finding:
    code = "SALES_SPIKE"
    if missing := inputs.missing("tax"):
        return _no_data(code, params, missing)
    tax = inputs.record("tax", TaxRecord)
    sales = {month.month: month.invoiced_sales_yuan for month in tax.months} if tax is not None else {}
    if not sales:
        return _finding(code, "NOT_APPLICABLE", params)
    recent_count, baseline_count = int(params["recentMonths"]), int(params["baselineMonths"])
    months = window(max(sales), recent_count + baseline_count)
    if not all(month in sales and sales.get(shift_months(month, -12)) for month in months):
        return _finding(
            code, "NOT_APPLICABLE", params, evidence=Evidence(values={"why": "fewer than 24 months"})
        )
    ratios = {month: float(sales[month] / sales[shift_months(month, -12)]) for month in months}
    baseline = [ratios[month] for month in months[:baseline_count]]
    mean, sigma = statistics.fmean(baseline), statistics.pstdev(baseline)
    limit = mean + params["sigmas"] * sigma
    spikes = [
        month
        for month in months[baseline_count:]
        if ratios[month] > limit and ratios[month] > params["minRatio"]
    ]
    evidence = Evidence(
        months=tuple(month_text(month) for month in spikes),
        values={
            "ratios": {month_text(month): _round(ratios[month]) for month in months[baseline_count:]},
            "baselineMean": _round(mean),
            "baselineSigma": _round(sigma),
        },
    )
    if not spikes:
        return _finding(code, "PASS", params, evidence=evidence)
    peak = max(ratios[month] for month in spikes)
    severity: Severity = "HIGH" if peak >= params["highRatio"] else "MEDIUM"
    return _finding(code, "FLAG", params, severity=severity, evidence=evidence)


def duplicate_receivables(inputs: VerificationInputs, params: Mapping[str, float], as_of: date) -> Finding:
    code = "DUPLICATE_RECEIVABLE"
    if missing := inputs.missing("trade"):
        return _no_data(code, params, missing)
    trade = inputs.record("trade", TradeRecord)
    mine = [r for r in trade.receivables if r.creditor_code == trade.credit_code] if trade is not None else []
    if not mine:
        return _finding(code, "NOT_APPLICABLE", params)
    groups: dict[tuple[str, str, Decimal, date], set[str]] = defaultdict(set)
    for receivable in mine:
        key = (receivable.creditor_code, receivable.debtor_code, receivable.amount_yuan, receivable.due_on)
        groups[key].add(receivable.receivable_no)
    duplicated = [numbers for numbers in groups.values() if len(numbers) > 1]
    evidence = Evidence(
        receivables=ids({number for numbers in duplicated for number in numbers}),
        credit_codes=ids({key[1] for key, numbers in groups.items() if len(numbers) > 1}),
        values={"receivables": len(mine), "duplicated": sum(len(numbers) - 1 for numbers in duplicated)},
    )
    if not duplicated:
        return _finding(code, "PASS", params, evidence=evidence)
    extra = sum(len(numbers) - 1 for numbers in duplicated)
    severity: Severity = "HIGH" if extra >= params["highGroups"] else "MEDIUM"
    return _finding(code, "FLAG", params, severity=severity, evidence=evidence)


def benford(inputs: VerificationInputs, params: Mapping[str, float], as_of: date) -> Finding:
    code = "BENFORD_DEVIATION"
    if missing := inputs.missing("trade"):
        return _no_data(code, params, missing)
    trade = inputs.record("trade", TradeRecord)
    amounts = (
        [
            order.amount_yuan
            for order in live(trade.orders)
            if order.seller.credit_code == trade.credit_code and order.amount_yuan >= 1
        ]
        if trade is not None
        else []
    )
    if len(amounts) < params["minAmounts"]:
        return _finding(code, "NOT_APPLICABLE", params, evidence=Evidence(values={"amounts": len(amounts)}))
    counts: dict[int, int] = defaultdict(int)
    for amount in amounts:
        counts[int(str(int(amount))[0])] += 1
    mad = sum(abs(counts[digit] / len(amounts) - share) for digit, share in BENFORD.items()) / 9
    evidence = Evidence(values={"amounts": len(amounts), "mad": _round(mad, 5)})
    if mad <= params["maxMad"]:
        return _finding(code, "PASS", params, evidence=evidence)
    return _finding(code, "FLAG", params, severity="LOW", evidence=evidence)


def _cycles(
    inputs: VerificationInputs, params: Mapping[str, float], as_of: date
) -> tuple[list[Cycle], list[str]]:
    """The firm's cycles among the trade records read, and the firms whose trade could not be read."""
    trade = inputs.record("trade", TradeRecord)
    if trade is None:
        return [], []
    end = window_end(trade, as_of)
    edges = [EDGES.of(trade, inputs.own["trade"].content_hash, end)]
    unreadable = []
    for (source, other), read in sorted(inputs.others.items()):
        if source != "trade":
            continue
        known = inputs.edges.get(other)
        if isinstance(read.record, TradeRecord):
            edges.append(EDGES.of(read.record, read.content_hash, end))
        elif known is not None and known.window_end == end:
            edges.append(known)
        elif read.status in ("withheld", "unavailable"):
            unreadable.append(other)
    cycles = [
        cycle
        for cycle in TradeView(edges).cycles_through(trade.credit_code, int(params["maxLength"]))
        if cycle.within(params["tolerance"])
    ]
    return cycles, unreadable


def _related(inputs: VerificationInputs, members: tuple[str, ...]) -> bool:
    records = [
        inputs.record("registry", RegistryRecord)
        if code == inputs.credit_code
        else inputs.other("registry", code, RegistryRecord)
        for code in members
    ]
    known = [record for record in records if record is not None]
    return any(shared(first, second) for index, first in enumerate(known) for second in known[index + 1 :])


def circular_trade(
    inputs: VerificationInputs,
    params: Mapping[str, float],
    as_of: date,
    cycles: tuple[list[Cycle], list[str]],
) -> Finding:
    code = "CIRCULAR_TRADE"
    if missing := inputs.missing("trade"):
        return _no_data(code, params, missing)
    if inputs.record("trade", TradeRecord) is None:
        return _finding(code, "NOT_APPLICABLE", params)
    found, unreadable = cycles
    if not found:
        if unreadable:  # a cycle may run through a firm whose trade the caller may not read
            return _no_data(code, params, [f"trade of {len(unreadable)} counterparties"])
        return _finding(code, "PASS", params)
    related = [cycle for cycle in found if _related(inputs, cycle.members)]
    shown = related or found
    evidence = Evidence(
        orders=ids({order for cycle in shown for order in cycle.orders}),
        credit_codes=tuple(sorted({member for cycle in shown for member in cycle.members})),
        values={
            "cycles": [
                {"members": list(cycle.members), "amountsYuan": [str(amount) for amount in cycle.amounts]}
                for cycle in shown[:10]
            ],
            "related": bool(related),
        },
    )
    return _finding(code, "FLAG", params, severity="HIGH" if related else "MEDIUM", evidence=evidence)


def related_party(
    inputs: VerificationInputs,
    params: Mapping[str, float],
    as_of: date,
    cycles: tuple[list[Cycle], list[str]],
) -> Finding:
    code = "RELATED_PARTY"
    if missing := inputs.missing("registry"):
        return _no_data(code, params, missing)
    registry = inputs.record("registry", RegistryRecord)
    trade, logistics = inputs.record("trade", TradeRecord), inputs.record("logistics", LogisticsRecord)
    if registry is None:
        return _finding(code, "NOT_APPLICABLE", params)
    if len(inputs.missing("trade", "logistics")) == 2:
        return _no_data(code, params, ["trade", "logistics"])
    flows: dict[str, Decimal] = defaultdict(Decimal)
    if trade is not None:
        months = set(_trade_window(trade, as_of))
        for order in live(trade.orders):
            if month_of(order.ordered_on) in months:
                other = (
                    order.buyer.credit_code
                    if order.seller.credit_code == trade.credit_code
                    else order.seller.credit_code
                )
                flows[other] += order.amount_yuan
    counterparties = set(flows)
    if logistics is not None:
        counterparties |= {
            counterparty_of(logistics.credit_code, waybill)[0] for waybill in logistics.waybills
        }
    counterparties.discard(inputs.credit_code)
    related: dict[str, list[str]] = {}
    unreadable = []
    for other in sorted(counterparties):
        record = inputs.other("registry", other, RegistryRecord)
        if record is None:
            if not inputs.readable("registry", other):
                unreadable.append(other)
            continue
        if shares := shared(registry, record):
            related[other] = shares
    if not related:
        if unreadable:
            return _no_data(code, params, [f"registry of {len(unreadable)} counterparties"])
        return _finding(
            code, "PASS", params, evidence=Evidence(values={"counterparties": len(counterparties)})
        )
    everything = total(flows.values())
    share = float(total(flows[other] for other in related) / everything) if everything else 0.0
    in_cycle = any(other in cycle.members for cycle in cycles[0] for other in related)
    evidence = Evidence(
        credit_codes=ids(set(related)),
        values={"shared": {other: related[other] for other in sorted(related)}, "tradeShare": _round(share)},
    )
    severity: Severity = (
        "HIGH"
        if in_cycle or share >= params["highShare"]
        else "MEDIUM"
        if share >= params["mediumShare"]
        else "LOW"
    )
    return _finding(code, "FLAG", params, severity=severity, evidence=evidence)


Check = Callable[[VerificationInputs, Mapping[str, float], date], Finding]
SIMPLE: dict[str, Check] = {
    "SALES_NOT_INVOICED": sales_not_invoiced,
    "ORDERS_WITHOUT_SHIPMENTS": orders_without_shipments,
    "OUTPUT_ENERGY_DIVERGENCE": output_energy_divergence,
    "SALES_SPIKE": sales_spike,
    "DUPLICATE_RECEIVABLE": duplicate_receivables,
    "BENFORD_DEVIATION": benford,
}


def verify(
    inputs: VerificationInputs,
    overrides: Mapping[str, Mapping[str, float]] | None = None,
    *,
    as_of: date,
) -> list[Finding]:
    """Every check's finding for the firm, in :data:`CODES` order."""
    parameters = effective(overrides or {})
    cycles = _cycles(inputs, parameters["CIRCULAR_TRADE"], as_of)
    findings = {code: check(inputs, parameters[code], as_of) for code, check in SIMPLE.items()}
    findings["CIRCULAR_TRADE"] = circular_trade(inputs, parameters["CIRCULAR_TRADE"], as_of, cycles)
    findings["RELATED_PARTY"] = related_party(inputs, parameters["RELATED_PARTY"], as_of, cycles)
    return [findings[code] for code in CODES]


def _round(value: float, places: int = 4) -> float | None:
    return round(value, places) if math.isfinite(value) else None
