"""Product documents are checked at publish: each refusal names the node and rule, the templates pass."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from foundation.errors import ProductInvalid
from hub.products.documents import compile_product, paths
from hub.products.templates import templates
from tests.products.jdm import decision_graph, document, expression_node, table_node


def _refusal(doc: dict[str, Any]) -> ProductInvalid:
    with pytest.raises(ProductInvalid) as caught:
        compile_product(doc)
    return caught.value


@pytest.mark.parametrize("key", sorted(templates()))
def test_every_template_compiles_and_reads_known_facts(key: str) -> None:
    compiled = compile_product(templates()[key].document)
    assert compiled.facts, key
    assert "registry" in compiled.sources
    assert compiled.document.description


def test_the_templates_cite_the_rules_they_follow() -> None:
    descriptions = {key: template.document["description"] for key, template in templates().items()}
    assert "电e贷" in descriptions["electricity-loan"]
    assert "银税互动" in descriptions["tax-loan"]
    assert "PBoC" in descriptions["receivable-loan"]
    assert set(descriptions) == {"electricity-loan", "tax-loan", "receivable-loan", "logistics-loan"}


def test_every_template_threshold_is_a_parameter() -> None:
    """The knock-out rules of the templates compare with params.*, never with a number of their own (but
    zero: "nothing eligible" is no threshold)."""
    for key, template in templates().items():
        for node in template.document["graph"]["nodes"]:
            if node["name"] != "knock-outs":
                continue
            for rule in node["content"]["rules"]:
                cells = [
                    rule[column["id"]] for column in node["content"]["inputs"] if rule[column["id"]].strip()
                ]
                comparisons = [cell for cell in cells if cell.lstrip().startswith(("<", ">"))]
                assert all("params." in cell or cell.lstrip("<>= ") == "0" for cell in comparisons), (
                    key,
                    rule["_id"],
                    cells,
                )


def test_a_graph_the_engine_refuses_names_the_node() -> None:
    doc = document()
    doc["graph"]["edges"].append(
        {"id": "dangling", "sourceId": "decide", "targetId": "nowhere", "type": "edge"}
    )
    refusal = _refusal(doc)
    assert "invalid JDM" in refusal.message
    assert refusal.code == "PRODUCT_INVALID"


def test_a_function_node_is_refused() -> None:
    doc = document()
    doc["graph"]["nodes"].insert(
        1,
        {
            "id": "js",
            "type": "functionNode",
            "name": "run code",
            "content": {"source": "export const handler = () => ({})"},
        },
    )
    refusal = _refusal(doc)
    assert refusal.extensions["node"] == "run code"
    assert "functionNode" in refusal.message


def test_an_unknown_fact_name_names_its_node_and_rule() -> None:
    doc = document(
        table_node(
            "knockouts",
            "knock-outs",
            inputs=[("months", "registry.monthsInBuisness")],
            rules=[("short", {"months": "< 24"})],
            output_path="knockouts",
        )
    )
    refusal = _refusal(doc)
    assert refusal.extensions == {
        "node": "knock-outs",
        "rule": "input months",
        "name": "registry.monthsInBuisness",
    }
    assert "unknown fact name 'registry.monthsInBuisness'" in refusal.message


def test_an_unknown_name_in_a_rule_cell_names_the_rule() -> None:
    doc = document(
        table_node(
            "knockouts",
            "knock-outs",
            inputs=[("months", "registry.monthsInBusiness")],
            rules=[("ok", {"months": "> 0"}), ("short", {"months": "< params.minimumMonths"})],
            output_path="knockouts",
        )
    )
    refusal = _refusal(doc)
    assert refusal.extensions["node"] == "knock-outs"
    assert refusal.extensions["rule"] == "short"
    assert "params.minimumMonths" in refusal.message


def test_a_bare_unknown_name_is_refused() -> None:
    doc = document(expression_node("calc", "calc", [("x", "electricityFees * 2")]))
    refusal = _refusal(doc)
    assert refusal.extensions == {"node": "calc", "rule": "x", "name": "electricityFees"}


def test_an_expression_that_does_not_parse_names_its_rule() -> None:
    doc = document(expression_node("calc", "calc", [("x", "registry.monthsInBusiness +")]))
    refusal = _refusal(doc)
    assert refusal.extensions["node"] == "calc" and refusal.extensions["rule"] == "x"
    assert "does not parse" in refusal.message


def test_a_non_monotonic_bucket_table_names_the_rule_that_turns() -> None:
    doc = document(
        table_node(
            "points",
            "capacity points",
            inputs=[("kwh", "electricity.avgMonthlyKwh12")],
            outputs=[("p", "points")],
            rules=[
                ("low", {"kwh": "< 1000", "p": "10"}),
                ("mid", {"kwh": "[1000..5000)", "p": "30"}),
                ("high", {"kwh": ">= 5000", "p": "20"}),
            ],
        )
    )
    refusal = _refusal(doc)
    assert refusal.extensions == {"node": "capacity points", "rule": "high"}
    assert "not monotonic" in refusal.message


def test_a_bucket_table_with_parameter_bounds_is_checked_with_their_values() -> None:
    doc = document(
        table_node(
            "points",
            "capacity points",
            inputs=[("kwh", "electricity.avgMonthlyKwh12")],
            outputs=[("p", "points")],
            rules=[
                ("high", {"kwh": ">= params.high", "p": "5"}),
                ("low", {"kwh": "< params.low", "p": "10"}),
                ("mid", {"kwh": "[params.low..params.high)", "p": "30"}),
            ],
        ),
        parameters={"low": 1000, "high": 5000, "minMonthsInBusiness": 24},
    )
    assert _refusal(doc).extensions["rule"] == "high"


def test_a_monotonic_bucket_table_in_any_rule_order_passes() -> None:
    doc = document(
        table_node(
            "points",
            "capacity points",
            inputs=[("kwh", "electricity.avgMonthlyKwh12")],
            outputs=[("p", "points")],
            rules=[
                ("high", {"kwh": ">= 5000", "p": "30"}),
                ("low", {"kwh": "< 1000", "p": "10"}),
                ("mid", {"kwh": "[1000..5000)", "p": "20"}),
            ],
        )
    )
    assert compile_product(doc).facts >= {"electricity.avgMonthlyKwh12"}


def test_a_missing_required_output_is_named() -> None:
    doc = document()
    decide = next(node for node in doc["graph"]["nodes"] if node["id"] == "decide")
    decide["content"]["expressions"] = [
        e for e in decide["content"]["expressions"] if e["key"] != "creditLineYuan"
    ]
    refusal = _refusal(doc)
    assert refusal.extensions == {"output": "creditLineYuan"}


def test_a_document_of_the_wrong_shape_names_the_field() -> None:
    doc = document()
    doc["maxAgeDays"] = {"electricity": -1}
    assert _refusal(doc).extensions["field"] == "maxAgeDays.electricity"
    doc = document()
    doc["history"] = {"registry": 12}
    assert "no monthly history" in _refusal(doc).message
    doc = document()
    doc["surprise"] = 1
    assert _refusal(doc).extensions["field"] == "surprise"


def test_the_smallest_document_compiles() -> None:
    compiled = compile_product(document())
    assert compiled.facts == {"registry.monthsInBusiness"}
    assert compiled.sources == {"registry"}


def test_names_read_by_an_expression() -> None:
    assert list(paths("{a: b.c, d: e ? f : g}")) == ["b.c", "e", "f", "g"]
    assert list(paths("len(xs) > 0 and 'a.b' == x.y")) == ["xs", "x.y"]
    assert list(paths("foo(x).bar + $.q + #.r + $nodes.request.params.a")) == ["x", "$nodes.request.params.a"]
    assert list(paths("`line ${electricity.bills12mYuan}`")) == ["electricity.bills12mYuan"]


def test_a_loop_node_reads_its_items_fields() -> None:
    graph = decision_graph(
        expression_node(
            "per",
            "per debtor",
            [("sum", "sum(map(receivables, #.amountYuan))"), ("code", "debtorCode")],
            loop="trade.debtors",
            output_path="perDebtor",
        ),
        expression_node("calc", "calc", [("total", "sum(map(perDebtor, #.sum))")]),
    )
    compiled = compile_product(document(graph=graph))
    assert "trade.debtors" in compiled.facts
    wrong = copy.deepcopy(graph)
    wrong["nodes"][1]["content"]["expressions"][1]["value"] = "creditorCode"
    assert _refusal(document(graph=wrong)).extensions["name"] == "creditorCode"
