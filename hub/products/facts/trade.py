"""Trade facts: the firm's receivables on its buyers (for order and receivable financing) and its orders.

Days are counted from the day the trade platform's history ends (its "today"), so a replay finds the
same ``dueInDays``. A receivable's tenor runs from the day it arose to its due date. Whether a debtor is
a core enterprise is the registry's word: the debtors' registry records are read with the firm's.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from connectors.records import Receivable, Record, TradeRecord
from foundation.months import month_of, window
from hub.products.facts import FactDefinition, FactInputs, FactSet, FactType, fact, item
from hub.profiles import total
from hub.profiles.trade import live

NAMESPACE = "trade"
WINDOW = 24
YEAR = 12


def _as_of(record: TradeRecord, fallback: date) -> date:
    return record.history_end or fallback


def months_of_history(record: Record) -> int:
    """Months from the first order to the end of the history, at most 24."""
    assert isinstance(record, TradeRecord)
    if not record.orders:
        return 0
    first = month_of(min(order.ordered_on for order in record.orders))
    end = month_of(record.history_end or max(order.ordered_on for order in record.orders))
    return min(WINDOW, (end.year - first.year) * 12 + end.month - first.month + 1)


def debtors_of(record: Record) -> frozenset[str]:
    assert isinstance(record, TradeRecord)
    return frozenset(receivable.debtor_code for receivable in record.receivables)


def _receivable(
    receivable: Receivable, as_of: date, ordered_on: dict[str, date], core: bool | None
) -> dict[str, Any]:
    issued = receivable.issued_on or ordered_on.get(receivable.order_no)
    return {
        "receivableNo": receivable.receivable_no,
        "debtorCode": receivable.debtor_code,
        "debtorIsCore": core,
        "amountYuan": receivable.amount_yuan,
        "dueOn": receivable.due_on.isoformat(),
        "dueInDays": (receivable.due_on - as_of).days,
        "tenorDays": (receivable.due_on - issued).days if issued is not None else None,
        "confirmed": receivable.confirmed,
        "settled": receivable.settled,
    }


def _build(inputs: FactInputs) -> dict[str, Any]:
    record: TradeRecord = inputs.record(NAMESPACE, TradeRecord)
    as_of = _as_of(record, inputs.as_of)
    ordered_on = {order.order_no: order.ordered_on for order in record.orders}
    mine = [r for r in record.receivables if r.creditor_code == record.credit_code]
    receivables = [
        _receivable(
            receivable,
            as_of,
            ordered_on,
            inputs.related[receivable.debtor_code].is_core
            if receivable.debtor_code in inputs.related
            else None,
        )
        for receivable in sorted(mine, key=lambda r: (r.due_on, r.receivable_no))
    ]
    by_debtor: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for receivable in receivables:
        by_debtor[receivable["debtorCode"]].append(receivable)
    year = set(window(month_of(as_of), YEAR))
    sales = [
        order
        for order in live(record.orders)
        if order.seller.credit_code == record.credit_code and month_of(order.ordered_on) in year
    ]
    return {
        "monthsOfHistory": months_of_history(record),
        "receivables": receivables,
        "debtors": [
            {
                "debtorCode": code,
                "debtorIsCore": items[0]["debtorIsCore"],
                "receivables": items,
            }
            for code, items in sorted(by_debtor.items())
        ],
        "openReceivablesYuan": total(r["amountYuan"] for r in receivables if not r["settled"]),
        "sales12m": len(sales),
        "salesAmount12mYuan": total(order.amount_yuan for order in sales),
    }


_RECEIVABLE_FIELDS = (
    item("receivableNo", FactType.STRING, "the platform's receivable number"),
    item("debtorCode", FactType.STRING, "the debtor's credit code"),
    item("debtorIsCore", FactType.BOOLEAN, "the debtor is a core enterprise (registry)", nullable=True),
    item("amountYuan", FactType.MONEY, "amount"),
    item("dueOn", FactType.STRING, "its due date (YYYY-MM-DD)"),
    item("dueInDays", FactType.INTEGER, "days from the platform's today to the due date (negative: overdue)"),
    item("tenorDays", FactType.INTEGER, "days from the day it arose to its due date", nullable=True),
    item("confirmed", FactType.BOOLEAN, "confirmed by the debtor"),
    item("settled", FactType.BOOLEAN, "settled"),
)
_D = NAMESPACE
FACTS = FactSet(
    namespace=NAMESPACE,
    source=NAMESPACE,
    definitions=(
        fact(_D, "monthsOfHistory", FactType.INTEGER, "months from the first order, at most 24"),
        fact(
            _D,
            "receivables",
            FactType.LIST,
            "the firm's receivables, by due date",
            _D,
            "registry",
            items=_RECEIVABLE_FIELDS,
        ),
        fact(
            _D,
            "debtors",
            FactType.LIST,
            "the receivables grouped by debtor (for per-debtor caps, in a loop node)",
            _D,
            "registry",
            items=(
                item("debtorCode", FactType.STRING, "the debtor's credit code"),
                item("debtorIsCore", FactType.BOOLEAN, "a core enterprise (registry)", nullable=True),
                FactDefinition(
                    "receivables", FactType.LIST, "its receivables", (), False, _RECEIVABLE_FIELDS
                ),
            ),
        ),
        fact(_D, "openReceivablesYuan", FactType.MONEY, "receivables not settled"),
        fact(_D, "sales12m", FactType.INTEGER, "orders sold in the last 12 months (not cancelled)"),
        fact(_D, "salesAmount12mYuan", FactType.MONEY, "their amount"),
    ),
    build=_build,
    history=months_of_history,
    related=debtors_of,
)
