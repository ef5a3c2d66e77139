"""Small JDM graphs for tests: nodes in a chain from ``request`` to ``response`` through a ``decide`` node."""

from __future__ import annotations

import copy
import itertools
from typing import Any


def expression_node(
    node_id: str,
    name: str,
    expressions: list[tuple[str, str]],
    *,
    loop: str | None = None,
    output_path: str | None = None,
) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "expressionNode",
        "name": name,
        "content": {
            "expressions": [
                {"id": f"{node_id}-{key}", "key": key, "value": value} for key, value in expressions
            ],
            "passThrough": True,
            "inputField": loop,
            "outputPath": output_path,
            "executionMode": "loop" if loop else "single",
        },
    }


def table_node(
    node_id: str,
    name: str,
    *,
    inputs: list[tuple[str, str]],
    rules: list[tuple[str, dict[str, str]]],
    outputs: list[tuple[str, str]] | None = None,
    output_path: str | None = None,
) -> dict[str, Any]:
    outputs = outputs if outputs is not None else [("code", "code")]
    columns = [column for column, _ in inputs + outputs]
    return {
        "id": node_id,
        "type": "decisionTableNode",
        "name": name,
        "content": {
            "hitPolicy": "collect" if output_path else "first",
            "passThrough": True,
            "inputField": None,
            "outputPath": output_path,
            "executionMode": "single",
            "inputs": [{"id": column, "name": column, "field": field} for column, field in inputs],
            "outputs": [{"id": column, "name": column, "field": field} for column, field in outputs],
            "rules": [{"_id": rule_id, **dict.fromkeys(columns, ""), **cells} for rule_id, cells in rules],
        },
    }


DECIDE = expression_node(
    "decide",
    "decide",
    [
        ("decision", "registry.monthsInBusiness >= params.minMonthsInBusiness ? 'ELIGIBLE' : 'INELIGIBLE'"),
        ("creditLineYuan", "'100000.00'"),
    ],
)


def decision_graph(*nodes: dict[str, Any]) -> dict[str, Any]:
    chain = [
        {"id": "request", "type": "inputNode", "name": "request", "content": {}},
        *nodes,
        copy.deepcopy(DECIDE),
        {"id": "response", "type": "outputNode", "name": "response", "content": {}},
    ]
    edges = [
        {"id": f"e{index}", "sourceId": a["id"], "targetId": b["id"], "type": "edge"}
        for index, (a, b) in enumerate(itertools.pairwise(chain))
    ]
    return {"nodes": chain, "edges": edges}


def document(
    *nodes: dict[str, Any], parameters: dict[str, Any] | None = None, graph: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "description": "a test product",
        "parameters": parameters if parameters is not None else {"minMonthsInBusiness": 24},
        "maxAgeDays": {},
        "history": {},
        "graph": graph if graph is not None else decision_graph(*nodes),
    }
