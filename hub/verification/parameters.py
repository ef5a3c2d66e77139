"""Every check's thresholds: documented defaults, overridden per tenant (``setVerificationParameters``).

A tenant's override names only the parameters it changes; each is checked against its range, so a typo or
an absurd value is refused with the parameter named, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from foundation.errors import BadRequest


@dataclass(frozen=True, slots=True)
class Parameter:
    default: float
    minimum: float
    maximum: float
    description: str
    integer: bool = False


P = Parameter
CHECKS: dict[str, tuple[str, dict[str, Parameter]]] = {
    "SALES_NOT_INVOICED": (
        "Trade-platform sales of the last 12 months far above the sales invoiced to the tax bureau in them "
        "(the reverse is normal: sales off the platform).",
        {
            "maxRatio": P(1.5, 1.0, 100.0, "flag above this platform ÷ invoiced ratio"),
            "mediumRatio": P(2.0, 1.0, 100.0, "MEDIUM from this ratio"),
            "highRatio": P(3.0, 1.0, 100.0, "HIGH from this ratio"),
        },
    ),
    "ORDERS_WITHOUT_SHIPMENTS": (
        "Shipped or completed orders of the last 12 months with no waybill from the seller to the buyer in "
        "a window around the order date (waybills carry no order number: matched by pair and time).",
        {
            "daysBefore": P(3, 0, 60, "a waybill counts from this many days before the order", integer=True),
            "daysAfter": P(14, 0, 120, "… to this many days after it", integer=True),
            "minUnmatched": P(3, 1, 1000, "flag from this many orders without a waybill", integer=True),
            "minShare": P(0.3, 0.0, 1.0, "… and this share of the orders"),
            "highShare": P(0.6, 0.0, 1.0, "HIGH from this share"),
        },
    ),
    "OUTPUT_ENERGY_DIVERGENCE": (
        "A manufacturer (industry section C) whose invoiced sales grow while its electricity use falls: "
        "the last 12 months against the 12 before.",
        {
            "minSalesGrowth": P(0.15, -1.0, 10.0, "sales growth above this …"),
            "maxEnergyGrowth": P(-0.10, -1.0, 10.0, "… while kWh growth is below this"),
            "highGap": P(0.6, 0.0, 20.0, "HIGH when sales growth − kWh growth reaches this"),
        },
    ),
    "SALES_SPIKE": (
        "One of the last months' invoiced sales, against the same month a year earlier, above the mean + "
        "k σ of that ratio in the months before (a yearly season keeps the ratio flat).",
        {
            "sigmas": P(3.0, 1.0, 10.0, "k"),
            "minRatio": P(1.5, 1.0, 100.0, "and at least this ratio to a year earlier"),
            "recentMonths": P(3, 1, 6, "the last months looked at", integer=True),
            "baselineMonths": P(
                9, 3, 11, "the months before them the ratio's mean and σ come from", integer=True
            ),
            "highRatio": P(3.0, 1.0, 100.0, "HIGH from this ratio"),
        },
    ),
    "CIRCULAR_TRADE": (
        "A cycle of firms each selling to the next within the last 12 months, every edge's amount near the "
        "cycle's mean (money going round); HIGH when its members are related.",
        {
            "maxLength": P(5, 2, 5, "the longest cycle looked for", integer=True),
            "tolerance": P(0.2, 0.0, 1.0, "every edge within this share of the mean edge amount"),
        },
    ),
    "RELATED_PARTY": (
        "Counterparties (trade or freight) sharing a legal representative, shareholder, senior manager, "
        "registered address or phone with the firm (compared by keyed hash).",
        {
            "mediumShare": P(
                0.1, 0.0, 1.0, "MEDIUM when trade with related parties is this share of the firm's"
            ),
            "highShare": P(0.3, 0.0, 1.0, "HIGH from this share (or when they trade in a cycle)"),
        },
    ),
    "DUPLICATE_RECEIVABLE": (
        "Receivables with the same creditor, debtor, amount and due date under different numbers.",
        {
            "highGroups": P(2, 1, 1000, "HIGH from this many duplicated receivables", integer=True),
        },
    ),
    "BENFORD_DEVIATION": (
        "First digits of the firm's order amounts against Benford's law (a weak signal, LOW; not applicable "
        "below the minimum number of amounts).",
        {
            "minAmounts": P(300, 50, 100000, "amounts needed", integer=True),
            "maxMad": P(0.015, 0.0, 1.0, "flag above this mean absolute deviation of the digit shares"),
        },
    ),
}
CODES = tuple(CHECKS)


def defaults(code: str) -> dict[str, float]:
    return {name: spec.default for name, spec in CHECKS[code][1].items()}


def checked(code: str, overrides: Mapping[str, Any]) -> dict[str, float]:
    """A tenant's overrides of ``code``, each within its range (BAD_REQUEST naming the parameter)."""
    if code not in CHECKS:
        raise BadRequest(f"{code!r} is not a check; known: {', '.join(CODES)}", argument="code")
    specs = CHECKS[code][1]
    values: dict[str, float] = {}
    for name, value in overrides.items():
        spec = specs.get(name)
        if spec is None:
            raise BadRequest(
                f"{code} has no parameter {name!r}; it has {', '.join(specs)}",
                argument="parameters",
                name=name,
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadRequest(f"{code}.{name} must be a number", argument="parameters", name=name)
        if spec.integer and value != int(value):
            raise BadRequest(f"{code}.{name} must be a whole number", argument="parameters", name=name)
        if not spec.minimum <= value <= spec.maximum:
            raise BadRequest(
                f"{code}.{name} must be between {spec.minimum:g} and {spec.maximum:g}, got {value}",
                argument="parameters",
                name=name,
            )
        values[name] = int(value) if spec.integer else float(value)
    return values


def effective(overrides: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Every check's parameters: the defaults with the tenant's overrides."""
    return {code: {**defaults(code), **overrides.get(code, {})} for code in CODES}
