"""The decision engine: GoRules JDM graphs compiled and evaluated by ``zen-engine`` (its Rust core).

The hub owns no rules language: a product's graph (decision tables, expressions, switches) is what the
bank's product team wrote, evaluated as it is. What the hub adds is at the edges: the context goes in as
JSON text, so numbers reach the engine's decimal arithmetic digit for digit (a Python float would not);
errors come back typed with the node they happened in (the engine's message is a JSON line, followed by a
Rust backtrace when ``RUST_BACKTRACE`` is set, which is never passed on).
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import zen


class EngineError(Exception):
    """The engine refused a graph or failed evaluating it; ``node_id`` names the node when it says."""

    def __init__(self, kind: str, message: str, node_id: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.node_id = node_id


def _engine_error(error: Exception) -> EngineError:
    """The first line of the engine's message (JSON when it is a node's error), without any backtrace."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    try:
        detail = json.loads(first)
    except ValueError:
        return EngineError("invalid", first)
    if not isinstance(detail, dict):
        return EngineError("invalid", first)
    node = detail.get("nodeId")
    source = detail.get("source") or detail.get("message") or detail.get("type") or first
    return EngineError(str(detail.get("type", "error")), str(source), str(node) if node else None)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The graph's output and the engine's trace (per node id: input, output, ``traceData``)."""

    result: dict[str, Any]
    trace: dict[str, Any]


class CompiledGraph:
    """One JDM graph, parsed and checked once; evaluate it as often as wanted (thread-safe in the engine).

    It is evaluated through the process's engine by its key (the hash of the graph), which loads its
    compiled content from :data:`_GRAPHS`: ``ZenDecision.evaluate`` starts a runtime of its own on every
    call (two threads: ~200 µs of CPU, more than the template's rules), the engine's ``evaluate`` does not
    (BENCHMARKS.md, Lending products)."""

    def __init__(self, key: str, content: zen.ZenDecisionContent) -> None:
        self.key = key
        self.content = content

    def evaluate(self, context_json: str, *, trace: bool = True) -> Evaluation:
        """Evaluate, with the trace of every node when asked (it copies each node's input and output
        into Python: most of an evaluation's time); raises :class:`EngineError`."""
        try:
            answer = _ENGINE.evaluate(self.key, context_json, {"trace": trace})
        except RuntimeError as error:
            raise _engine_error(error) from None
        return Evaluation(result=dict(answer["result"]), trace=dict(answer.get("trace") or {}))


# The graphs alive in this process by key: a graph no product holds any more is let go.
_GRAPHS: weakref.WeakValueDictionary[str, CompiledGraph] = weakref.WeakValueDictionary()


def _load(key: str) -> zen.ZenDecisionContent:
    return _GRAPHS[key].content


_ENGINE = zen.ZenEngine({"loader": _load})


def compile_graph(graph: Mapping[str, Any]) -> CompiledGraph:
    """Parse and validate a JDM graph (``{"nodes": [...], "edges": [...]}``); raises :class:`EngineError`."""
    text = json.dumps(graph)
    key = hashlib.sha256(text.encode()).hexdigest()
    if (known := _GRAPHS.get(key)) is not None:
        return known
    try:
        # Compiled content: its expressions are compiled once here, not on every evaluation (~17% of
        # an electricity-loan evaluation; BENCHMARKS.md, Lending products).
        content = zen.ZenDecisionContent(text)
        _ENGINE.create_decision(content).validate()
    except RuntimeError as error:
        raise _engine_error(error) from None
    return _GRAPHS.setdefault(key, CompiledGraph(key, content))


def expression_error(text: str) -> str | None:
    """Why ``text`` is not a valid ZEN expression (an expression node's value, a table's output), or None."""
    return _compile_error(zen.compile_expression, text)


def unary_error(text: str) -> str | None:
    """Why ``text`` is not a valid ZEN unary test (a decision table's input cell: ``< 5``, ``[1..5)``,
    ``"A", "B"``, ``$ > 1 and $ < 9``), or None. (``zen.validate_unary_expression`` refuses ``< 5``,
    which the engine's tables evaluate: compiling is the test the tables themselves pass.)"""
    return _compile_error(zen.compile_unary_expression, text)


def _compile_error(compile_text: Callable[[str], object], text: str) -> str | None:
    try:
        compile_text(text)
    except RuntimeError as error:
        return _engine_error(error).message
    return None
