"""Product documents: a bank's JDM decision graph with its parameters, checked once, at publish.

A document is JSON::

    {"description": "…the published rules it follows…",
     "parameters": {"minMonthsInBusiness": 24, …},          # every threshold; the rules read params.<name>
     "maxAgeDays": {"electricity": 45},                     # data older than this → REFER DATA_STALE
     "history": {"electricity": 24},                        # months a source must cover → DATA_HISTORY_SHORT
     "graph": {"nodes": [...], "edges": [...]}}             # GoRules JDM, as its editor exports it

The graph reads the fact document (``registry.monthsInBusiness``, see :mod:`hub.products.facts`) and
``params``; it must produce ``decision`` (ELIGIBLE, INELIGIBLE or REFER) and ``creditLineYuan``, and may
produce ``score``, ``rating`` and ``reasons`` (a list of ``{code, message, threshold}``, in priority order).

Refused at publish, naming the node and the rule: a graph the engine does not accept, a node type that
would run code (function nodes run JavaScript; decision nodes load other graphs), an expression that does
not parse, a name that is no fact, parameter or output of the graph, a bucket table (one numeric input
in ranges → numeric outputs) whose outputs do not move one way, a missing required output.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError

from connectors.catalog import load_catalog
from foundation.errors import ProductInvalid
from hub.products.engine import CompiledGraph, EngineError, compile_graph, expression_error, unary_error
from hub.products.facts import FactDefinition, FactType, fact_catalog, fact_sets

REQUIRED_OUTPUTS = ("decision", "creditLineYuan")
NODE_TYPES = frozenset({"inputNode", "outputNode", "decisionTableNode", "expressionNode", "switchNode"})
MAX_DOCUMENT_BYTES = 256 * 1024
_KEYWORDS = frozenset({"true", "false", "null", "and", "or", "not", "in"})
_TOKENS = re.compile(
    r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?P<template>(?:[^`\\]|\\.)*)`"""
    r"""|(?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"""
    r"""|(?P<path>[$#]?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?P<call>\s*\()?(?P<key>\s*:)?"""
    r"""|(?P<dot>\.)|(?P<punct>[{},?:()\[\]])"""
)
_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")


class ProductDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    description: str = Field(default="", max_length=4000)
    parameters: dict[str, Any] = Field(default_factory=dict)
    max_age_days: dict[str, PositiveInt] = Field(default_factory=dict, alias="maxAgeDays")
    history: dict[str, PositiveInt] = Field(default_factory=dict)
    graph: dict[str, Any]


@dataclass(frozen=True)
class CompiledProduct:
    """A checked document and its compiled graph: what an assessment needs to know before it reads."""

    document: ProductDocument
    graph: CompiledGraph
    facts: frozenset[str]  # every fact the graph reads
    sources: frozenset[str]  # every source those facts need
    namespaces: frozenset[str]
    document_hash: str
    rule_inputs: Mapping[tuple[str, str], tuple[str, ...]]  # (node id, rule id) → fields its cells test
    node_names: Mapping[str, str]  # node id → name

    @property
    def parameters(self) -> Mapping[str, Any]:
        return self.document.parameters


def canonical_document(document: Mapping[str, Any]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def document_hash(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_document(document)).hexdigest()


def compile_product(
    document: Mapping[str, Any],
    *,
    required: Sequence[str] = REQUIRED_OUTPUTS,
    context_roots: frozenset[str] = frozenset(),
) -> CompiledProduct:
    """Check ``document`` and compile its graph; raises :class:`ProductInvalid` saying where and why.

    ``required``: the outputs the graph must set (a product's decision and line; an alert rule's ``fire``,
    hub.alerts). ``context_roots``: names besides facts and parameters the caller puts into the context
    (an alert rule's ``previous``), read unchecked below them."""
    if len(canonical_document(document)) > MAX_DOCUMENT_BYTES:
        raise ProductInvalid(f"the document is over {MAX_DOCUMENT_BYTES // 1024} KiB")
    try:
        parsed = ProductDocument.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ProductInvalid(f"document.{where}: {first['msg']}", field=where) from None
    _check_parameters(parsed.parameters)
    sets = fact_sets()
    known_sources = set(load_catalog().names)
    for section, by_source in (("maxAgeDays", parsed.max_age_days), ("history", parsed.history)):
        for source in by_source:
            if source not in known_sources:
                raise ProductInvalid(f"document.{section}: {source!r} is not a source", field=section)
            if section == "history" and (source not in sets or sets[source].history is None):
                raise ProductInvalid(f"document.history: {source} has no monthly history", field=section)
    nodes = _nodes(parsed.graph)
    try:
        graph = compile_graph(parsed.graph)
    except EngineError as error:
        node = nodes.get(error.node_id or "")
        raise ProductInvalid(
            f"invalid JDM ({error.kind}): {error.message}", node=_name(node) if node else error.node_id
        ) from None
    checker = _NameChecker(parsed, nodes, context_roots)
    for node in nodes.values():
        checker.check_node(node)
    for node in nodes.values():
        if node["type"] == "decisionTableNode":
            _check_monotonic(node, parsed.parameters)
    missing = [name for name in required if name not in checker.defined_top]
    if missing:
        raise ProductInvalid(
            f"the graph never sets the required output {', '.join(missing)}", output=missing[0]
        )
    catalog = fact_catalog()
    used = frozenset(checker.facts)
    sources = {source for name in used for source in catalog[name].sources}
    sources |= set(parsed.history)
    return CompiledProduct(
        document=parsed,
        graph=graph,
        facts=used,
        sources=frozenset(sources),
        namespaces=frozenset(catalog[name].namespace for name in used) | frozenset(parsed.history),
        document_hash=document_hash(document),
        rule_inputs=checker.rule_inputs,
        node_names={node_id: _name(node) for node_id, node in nodes.items()},
    )


def _check_parameters(parameters: Mapping[str, Any]) -> None:
    for name, value in parameters.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ProductInvalid(f"document.parameters: {name!r} is not a name", field="parameters")
        scalars = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int | float | bool) for v in scalars):
            raise ProductInvalid(
                f"document.parameters.{name}: a number, string, boolean or a list of them",
                field="parameters",
            )


def _name(node: Mapping[str, Any]) -> str:
    return str(node.get("name") or node.get("id"))


def _nodes(graph: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    nodes = graph.get("nodes")
    if not isinstance(nodes, list) or not all(isinstance(node, dict) for node in nodes):
        raise ProductInvalid("invalid JDM: graph.nodes must be a list of nodes")
    by_id: dict[str, dict[str, Any]] = {}
    for node in nodes:
        kind, node_id = node.get("type"), str(node.get("id"))
        if kind not in NODE_TYPES:
            raise ProductInvalid(
                f"node type {kind!r} is not accepted (only {', '.join(sorted(NODE_TYPES))}: "
                "function nodes would run code, decision nodes load other graphs)",
                node=_name(node),
            )
        if not isinstance(node.get("content", {}), dict):
            raise ProductInvalid("invalid JDM: a node's content must be an object", node=_name(node))
        by_id[node_id] = node
    return by_id


def _syntax(text: str, *, unary: bool, node: Mapping[str, Any], rule: str) -> None:
    if not text.strip():
        return
    problem = unary_error(text) if unary else expression_error(text)
    if problem is not None:
        raise ProductInvalid(f"{text!r} does not parse: {problem}", node=_name(node), rule=rule)


def paths(text: str) -> Iterator[str]:
    """The names an expression reads (``a.b.c``; ``$``/``#`` paths and called functions left out)."""
    previous = ""
    for match in _TOKENS.finditer(text):
        if match.group("template") is not None:
            for inner in _INTERPOLATION.findall(match.group("template")):
                yield from paths(inner)
        path = match.group("path")
        # an object literal's key ({key: …}) names nothing; a ternary's branch (? a : b) does
        key = match.group("key") is not None and previous in ("{", ",")
        named = path and not match.group("call") and not key and previous != "."
        if named and path not in _KEYWORDS and not path.startswith("#"):
            yield path
        previous = ":" if key else match.group(0)[-1:]


class _NameChecker:
    """Every name the graph reads is a fact, a parameter, an output of the graph, or an item field in a
    loop node; collects the facts read and the fields each table rule tests."""

    def __init__(
        self,
        document: ProductDocument,
        nodes: Mapping[str, Mapping[str, Any]],
        context_roots: frozenset[str] = frozenset(),
    ) -> None:
        self.parameters = document.parameters
        self.context_roots = context_roots
        self.catalog = fact_catalog()
        self.namespaces = frozenset(fact_sets())
        self.facts: set[str] = set()
        self.rule_inputs: dict[tuple[str, str], tuple[str, ...]] = {}
        self.defined: set[str] = set()
        self.defined_top: set[str] = set()
        for node in nodes.values():
            for output in _outputs(node):
                self.defined.add(output.split(".")[0])
                if "." not in output:
                    self.defined_top.add(output)

    def check_node(self, node: Mapping[str, Any]) -> None:
        content = node.get("content") or {}
        items = self._loop_items(node, content)
        if node["type"] == "expressionNode":
            for expression in _list(content, "expressions", node):
                rule = str(expression.get("key") or expression.get("id"))
                self._expression(str(expression.get("value", "")), node, rule, items)
        elif node["type"] == "switchNode":
            for statement in _list(content, "statements", node):
                rule = str(statement.get("id"))
                self._expression(str(statement.get("condition", "")), node, rule, items)
        elif node["type"] == "decisionTableNode":
            self._table(node, content, items)

    def _loop_items(
        self, node: Mapping[str, Any], content: Mapping[str, Any]
    ) -> tuple[FactDefinition, ...] | None:
        """The item fields a loop node's expressions read bare (None: not a loop over a fact list)."""
        field = content.get("inputField")
        if content.get("executionMode") != "loop" or not field:
            return None
        self._expression(str(field), node, "inputField", None)
        definition = self._definition(str(field))
        if definition is None or definition.type is not FactType.LIST:
            raise ProductInvalid(
                f"a loop node's inputField must be a fact list, {field!r} is not", node=_name(node)
            )
        return definition.items

    def _definition(self, path: str) -> FactDefinition | None:
        parts = path.split(".")
        return self.catalog.get(".".join(parts[:2])) if len(parts) >= 2 else None

    def _table(
        self, node: Mapping[str, Any], content: Mapping[str, Any], items: tuple[FactDefinition, ...] | None
    ) -> None:
        inputs = {str(column.get("id")): column for column in _list(content, "inputs", node)}
        outputs = {str(column.get("id")): column for column in _list(content, "outputs", node)}
        for column in inputs.values():
            if column.get("field"):
                self._expression(
                    str(column["field"]), node, f"input {column.get('name') or column.get('id')}", items
                )
        for rule in _list(content, "rules", node):
            rule_id = str(rule.get("_id"))
            tested = []
            for column_id, column in inputs.items():
                cell = str(rule.get(column_id) or "")
                if cell.strip():
                    tested.append(str(column.get("field") or column.get("name")))
                    self._expression(cell, node, rule_id, items, unary=True)
            self.rule_inputs[(str(node["id"]), rule_id)] = tuple(tested)
            for column_id in outputs:
                self._expression(str(rule.get(column_id) or ""), node, rule_id, items)

    def _expression(
        self,
        text: str,
        node: Mapping[str, Any],
        rule: str,
        items: tuple[FactDefinition, ...] | None,
        *,
        unary: bool = False,
    ) -> None:
        _syntax(text, unary=unary, node=node, rule=rule)
        for path in paths(text):
            self._name(path, node, rule, items)

    def _name(
        self, path: str, node: Mapping[str, Any], rule: str, items: tuple[FactDefinition, ...] | None
    ) -> None:
        root, _, rest = path.partition(".")
        if root in ("$", "$nodes", "$root") or root.startswith("$") or root in self.context_roots:
            return
        if root == "params":
            name = rest.split(".")[0]
            if rest and name not in self.parameters:
                raise ProductInvalid(
                    f"unknown parameter params.{name} (declare it in document.parameters)",
                    node=_name(node),
                    rule=rule,
                    name=f"params.{name}",
                )
            return
        if root in self.namespaces:
            definition = self._definition(path)
            if definition is None:
                raise ProductInvalid(f"unknown fact name {path!r}", node=_name(node), rule=rule, name=path)
            self.facts.add(definition.name)
            return
        if items is not None and any(field.name == root for field in items):
            return
        if root in self.defined:
            return
        raise ProductInvalid(f"unknown fact name {path!r}", node=_name(node), rule=rule, name=path)


def _list(content: Mapping[str, Any], key: str, node: Mapping[str, Any]) -> list[dict[str, Any]]:
    value = content.get(key) or []
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise ProductInvalid(f"invalid JDM: content.{key} must be a list of objects", node=_name(node))
    return value


def _outputs(node: Mapping[str, Any]) -> Iterable[str]:
    """The paths a node writes into the context."""
    content = node.get("content") or {}
    prefix = content.get("outputPath")
    if node["type"] == "expressionNode":
        keys = [str(e.get("key")) for e in content.get("expressions") or [] if isinstance(e, dict)]
    elif node["type"] == "decisionTableNode":
        keys = [str(o.get("field")) for o in content.get("outputs") or [] if isinstance(o, dict)]
    else:
        keys = []
    if prefix:
        return [str(prefix)]
    return keys


# bucket tables -------------------------------------------------------------------------------------------
_INTERVAL = re.compile(r"^([\[(])\s*(\S+?)\s*\.\.\s*(\S+?)\s*([\])])$")
_COMPARISON = re.compile(r"^(<=|>=|<|>)\s*(\S+)$")


def _number(text: str, parameters: Mapping[str, Any]) -> float | None:
    text = text.strip()
    if text.startswith("params."):
        value = parameters.get(text.removeprefix("params."))
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    try:
        return float(text)
    except ValueError:
        return None


def _bounds(cell: str, parameters: Mapping[str, Any]) -> tuple[float, float] | None:
    """A numeric range cell as (low, high), or None when the cell is something else."""
    cell = cell.strip()
    if match := _INTERVAL.match(cell):
        low, high = _number(match.group(2), parameters), _number(match.group(3), parameters)
        return (low, high) if low is not None and high is not None else None
    if match := _COMPARISON.match(cell):
        value = _number(match.group(2), parameters)
        if value is None:
            return None
        return (-math.inf, value) if match.group(1).startswith("<") else (value, math.inf)
    value = _number(cell, parameters)
    return (value, value) if value is not None else None


def _check_monotonic(node: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
    """A table with one numeric input tested in ranges and numeric outputs must move one way."""
    content = node.get("content") or {}
    rules = content.get("rules") or []
    inputs = [str(column.get("id")) for column in content.get("inputs") or []]
    tested = [column for column in inputs if any(str(rule.get(column) or "").strip() for rule in rules)]
    if len(tested) != 1 or len(rules) < 3:
        return
    buckets: list[tuple[tuple[float, float], dict[str, Any]]] = []
    for rule in rules:
        bound = _bounds(str(rule.get(tested[0]) or ""), parameters)
        if bound is None:
            return  # not a bucket table
        buckets.append((bound, rule))
    buckets.sort(key=lambda bucket: bucket[0])
    for output in content.get("outputs") or []:
        column = str(output.get("id"))
        values = [_number(str(rule.get(column) or ""), parameters) for _, rule in buckets]
        numbers = [value for value in values if value is not None]
        if len(numbers) != len(values):
            continue
        steps = [later - earlier for earlier, later in itertools.pairwise(numbers)]
        if all(step >= 0 for step in steps) or all(step <= 0 for step in steps):
            continue
        rising = next(step for step in steps if step != 0) > 0
        for index, step in enumerate(steps, start=1):
            if step != 0 and (step > 0) != rising:
                rule = buckets[index][1]
                raise ProductInvalid(
                    f"bucket table is not monotonic: {output.get('field')} goes "
                    f"{'up' if rising else 'down'} and then {'down' if rising else 'up'} "
                    f"at rule {rule.get('_id')} ({rule.get(tested[0])} → {rule.get(column)})",
                    node=_name(node),
                    rule=str(rule.get("_id")),
                )
