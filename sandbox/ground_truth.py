"""The ground truth of the planted cases (:mod:`sandbox.anomalies`), as ``GET /_sandbox/anomalies`` serves it.

One entry per case: ``kind`` (the check that must flag every firm listed), ``creditCodes`` and ``ids``: the
order numbers of a ring or of ghost orders, the numbers of duplicated receivables (each and its second
number), the spiking months (``YYYY-MM``); none for the other kinds. For tests and benchmarks only: the hub
never reads it.
"""

from __future__ import annotations

from functools import lru_cache

from sandbox.anomalies import PlantedCase
from sandbox.flows import relation_flows
from sandbox.registry_data import Payload
from sandbox.universe import Universe


def _ids(universe: Universe, case: PlantedCase) -> list[str]:
    if case.kind in ("CIRCULAR_TRADE", "ORDERS_WITHOUT_SHIPMENTS"):
        return sorted(
            str(order["order_no"])
            for index in case.relations
            for order in relation_flows(universe, index).orders
        )
    if case.kind == "DUPLICATE_RECEIVABLE":
        return sorted(
            number
            for index in case.relations
            for pair in relation_flows(universe, index).reissued
            for number in pair
        )
    return list(case.months)


@lru_cache(maxsize=4)
def ground_truth(universe: Universe) -> tuple[Payload, ...]:
    """Every planted case of ``universe``, by kind then credit codes."""
    cases: list[Payload] = [
        {"kind": case.kind, "creditCodes": list(case.credit_codes), "ids": _ids(universe, case)}
        for case in universe.plan.cases
    ]
    return tuple(sorted(cases, key=lambda case: (str(case["kind"]), str(case["creditCodes"]))))
