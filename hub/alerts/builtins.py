"""The built-in alert rules: JDM documents like any tenant's rule, enabled for every tenant until it
disables one (``setAlertRule(name, enabled: false)``). Every threshold is a parameter of its document.

- ``electricity-usage-drop``: the latest month's kWh and the month's before, each at least 30 % below the
  mean of the 3 months before it (2 months running). Period: the latest month. MEDIUM.
- ``electricity-arrears``: arrears on the last 3 bills fallen due, running. Period: the latest month. HIGH.
- ``tax-grade-downgrade``: the tax grade is worse than at the tenant's previous evaluation of the firm
  (A > B > M > C > D; the tax bureau serves the current grade only, so the first evaluation sets the
  baseline and raises nothing). Period: the year and the change (``2026:B>C``). HIGH to C or D, else MEDIUM.
- ``core-receivable-overdue``: a receivable of the firm on a core enterprise (registry) past due and not
  settled. Period: the due date of the oldest. HIGH.
- ``shipments-drop``: waybills of the last 3 months at least 50 % below the 3 before (of at least 4).
  Period: the month the freight history ends. MEDIUM.
- ``sources-deteriorating`` (composite, no graph): alerts of the firm from rules over two or more
  different sources within 60 days. Period: the day of the newest of them. HIGH.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from hub.alerts.rules import compile_rule
from hub.products.documents import CompiledProduct

COMPOSITE: Final = "sources-deteriorating"
COMPOSITE_WINDOW_DAYS: Final = 60
COMPOSITE_MIN_SOURCES: Final = 2
GRADE_RANK: Final = {"A": 5, "B": 4, "M": 3, "C": 2, "D": 1}


def _rank(grade: str) -> str:
    """The expression of ``grade``'s rank (0 for anything else)."""
    chain = " : ".join(f"{grade} == '{name}' ? {rank}" for name, rank in GRADE_RANK.items())
    return f"({chain} : 0)"


@dataclass(frozen=True, slots=True)
class BuiltIn:
    name: str
    description: str
    document: dict[str, Any] | None  # None: the composite, evaluated over the other alerts

    @property
    def compiled(self) -> CompiledProduct | None:
        return _compiled(self.name)


def _graph(expressions: Mapping[str, str]) -> dict[str, Any]:
    return {
        "nodes": [
            {
                "id": "facts",
                "type": "inputNode",
                "name": "facts",
                "position": {"x": 0, "y": 0},
                "content": {},
            },
            {
                "id": "rule",
                "type": "expressionNode",
                "name": "rule",
                "position": {"x": 200, "y": 0},
                "content": {
                    "expressions": [
                        {"id": f"e{index}", "key": key, "value": value}
                        for index, (key, value) in enumerate(expressions.items())
                    ],
                    "passThrough": False,
                    "inputField": None,
                    "outputPath": None,
                    "executionMode": "single",
                },
            },
            {
                "id": "alert",
                "type": "outputNode",
                "name": "alert",
                "position": {"x": 400, "y": 0},
                "content": {},
            },
        ],
        "edges": [
            {"id": "in", "sourceId": "facts", "targetId": "rule", "type": "edge"},
            {"id": "out", "sourceId": "rule", "targetId": "alert", "type": "edge"},
        ],
    }


def _document(description: str, parameters: dict[str, Any], expressions: Mapping[str, str]) -> dict[str, Any]:
    return {"description": description, "parameters": parameters, "graph": _graph(expressions)}


_OVERDUE_CORE = "filter(trade.receivables, #.debtorIsCore == true and #.settled == false and #.dueInDays < 0)"

BUILT_INS: Final[tuple[BuiltIn, ...]] = (
    BuiltIn(
        "electricity-usage-drop",
        "Electricity usage at least 30 % below the previous 3 months' mean, 2 months running.",
        _document(
            "Electricity usage at least params.drop below the mean of the 3 months before, for the latest "
            "month and the one before it.",
            {"drop": 0.3},
            {
                "fire": "electricity.kwhVsPrior3Mean != null and electricity.kwhVsPrior3MeanBefore != null"
                " and electricity.kwhVsPrior3Mean <= -params.drop"
                " and electricity.kwhVsPrior3MeanBefore <= -params.drop",
                "severity": "'MEDIUM'",
                "period": "electricity.latestMonth",
                "details": "{latestMonth: electricity.latestMonth,"
                " kwhVsPrior3Mean: electricity.kwhVsPrior3Mean,"
                " kwhVsPrior3MeanBefore: electricity.kwhVsPrior3MeanBefore, threshold: -params.drop}",
            },
        ),
    ),
    BuiltIn(
        "electricity-arrears",
        "Electricity arrears outstanding on the last 3 bills fallen due.",
        _document(
            "Arrears on at least params.months bills running, back from the latest fallen due.",
            {"months": 3},
            {
                "fire": "electricity.arrearsMonthsRunning >= params.months",
                "severity": "'HIGH'",
                "period": "electricity.latestMonth",
                "details": "{arrearsMonthsRunning: electricity.arrearsMonthsRunning,"
                " arrearsYuan: electricity.arrearsYuan, latestMonth: electricity.latestMonth}",
            },
        ),
    ),
    BuiltIn(
        "tax-grade-downgrade",
        "The tax credit grade fell since the previous evaluation (A > B > M > C > D).",
        _document(
            "The grade ranks below the grade of the tenant's previous evaluation of the firm.",
            {"highBelow": 3},
            {
                "fire": "previous != null and previous.tax != null and previous.tax.grade != null"
                f" and {_rank('tax.grade')} < {_rank('previous.tax.grade')}",
                "severity": f"{_rank('tax.grade')} < params.highBelow ? 'HIGH' : 'MEDIUM'",
                "period": "string(tax.gradeYear) + ':' + (previous.tax.grade ?? '') + '>' + tax.grade",
                "details": "{grade: tax.grade, gradeYear: tax.gradeYear, previousGrade: previous.tax.grade}",
            },
        ),
    ),
    BuiltIn(
        "core-receivable-overdue",
        "A receivable of the firm on a core enterprise is overdue (past due, not settled).",
        _document(
            "A receivable on a core enterprise (registry) past its due date and not settled.",
            {},
            {
                "fire": f"len({_OVERDUE_CORE}) > 0",
                "severity": "'HIGH'",
                "period": f"len({_OVERDUE_CORE}) > 0 ? {_OVERDUE_CORE}[0].dueOn : null",
                "details": f"{{overdue: map({_OVERDUE_CORE}, {{receivableNo: #.receivableNo,"
                " debtorCode: #.debtorCode, amountYuan: #.amountYuan, dueOn: #.dueOn,"
                " daysOverdue: -#.dueInDays})}",
            },
        ),
    ),
    BuiltIn(
        "shipments-drop",
        "Shipments down 50 % or more quarter on quarter.",
        _document(
            "Waybills of the last 3 months at least params.drop below the 3 months before (of at least "
            "params.minPrevious).",
            {"drop": 0.5, "minPrevious": 4},
            {
                "fire": "logistics.shipmentsQoq != null"
                " and logistics.shipmentsPrevious3m >= params.minPrevious"
                " and logistics.shipmentsQoq <= -params.drop",
                "severity": "'MEDIUM'",
                "period": "logistics.latestMonth",
                "details": "{shipmentsLast3m: logistics.shipmentsLast3m,"
                " shipmentsPrevious3m: logistics.shipmentsPrevious3m, shipmentsQoq: logistics.shipmentsQoq,"
                " latestMonth: logistics.latestMonth}",
            },
        ),
    ),
    BuiltIn(
        COMPOSITE,
        f"Alerts from rules over {COMPOSITE_MIN_SOURCES} or more sources within "
        f"{COMPOSITE_WINDOW_DAYS} days.",
        None,
    ),
)
BY_NAME: Final = {built_in.name: built_in for built_in in BUILT_INS}


@cache
def _compiled(name: str) -> CompiledProduct | None:
    document = BY_NAME[name].document
    return compile_rule(document) if document is not None else None
