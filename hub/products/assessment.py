"""One assessment: a product's graph evaluated on one firm's facts, with its reasons and its trace.

Pure: the records come in with how they were read (:class:`SourceInput`), so a replay from stored snapshots
runs exactly this again. Before the graph runs, the data is checked: a source the product needs that the
caller may not read (scope or consent), that is unknown, unavailable, older than the product's
``maxAgeDays`` or shorter than its ``history`` makes the decision REFER with a ``DATA_*`` reason — never
INELIGIBLE for missing data, and nothing of a withheld source gets into the context, so none into the trace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any, Literal

import orjson

from connectors.records import RegistryRecord
from hub.products.documents import CompiledProduct, paths
from hub.products.engine import EngineError, Evaluation
from hub.products.facts import FactInputs, build_facts, fact_sets
from hub.profiles.registry import months_in_business
from hub.sources.permitted import SourceInput
from hub.verification.checks import verify
from hub.verification.edges import TradeEdges
from hub.verification.inputs import VerificationInputs

VERIFICATION = "verification"

Decision = Literal["ELIGIBLE", "INELIGIBLE", "REFER"]
DECISIONS: tuple[Decision, ...] = ("ELIGIBLE", "INELIGIBLE", "REFER")
PRINCIPAL_REASONS = 4
FEN = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str
    inputs: Any = None
    threshold: Any = None

    def stored(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "inputs": self.inputs,
            "threshold": self.threshold,
        }


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One rule, expression or data check: what it read and what it gave."""

    node: str
    kind: str
    rule: str | None
    description: str | None
    inputs: Any
    result: Any

    def stored(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "kind": self.kind,
            "rule": self.rule,
            "description": self.description,
            "inputs": self.inputs,
            "result": self.result,
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    decision: Decision
    score: float | None
    rating: str | None
    credit_line_yuan: Decimal | None
    reasons: tuple[Reason, ...]  # all, in priority order (data checks first)
    trace: tuple[TraceStep, ...] = field(default=(), compare=False)
    facts: tuple[tuple[str, Any], ...] = field(default=(), compare=False)
    """The facts the product read, by name, as JSON values (none when a data check refused first)."""

    @property
    def principal_reasons(self) -> tuple[Reason, ...]:
        return self.reasons[:PRINCIPAL_REASONS]

    def summary(self) -> dict[str, Any]:
        """What is stored with the assessment and compared on replay."""
        return {
            "decision": self.decision,
            "score": self.score,
            "rating": self.rating,
            "creditLineYuan": str(self.credit_line_yuan) if self.credit_line_yuan is not None else None,
            "reasons": [reason.stored() for reason in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class FirmInputs:
    """What was read for one firm: its records by source; other firms' records by (source, credit code)
    (trade debtors' registry, the counterparties a verification looks at); and the tenant's verification
    thresholds when the product reads verification facts (kept with the assessment: a replay uses them)."""

    credit_code: str
    sources: Mapping[str, SourceInput]
    related: Mapping[tuple[str, str], SourceInput] = field(default_factory=dict)
    verification_parameters: Mapping[str, Mapping[str, float]] | None = None
    trade_edges: Mapping[str, TradeEdges] = field(default_factory=dict)
    """Counterparties' trade read as edges only (hub.verification.reading); a replay has their records."""

    def all(self) -> list[SourceInput]:
        return [*self.sources.values(), *self.related.values()]


def evaluate_product(
    product: CompiledProduct,
    inputs: FirmInputs,
    *,
    evaluated_at: datetime,
    name_hash: Callable[[str], str] | None = None,
    trace: bool = True,
) -> Outcome:
    """The decision of ``product`` for the firm: data checks, facts, the graph, its outputs; with
    ``trace=False`` the rules' trace is left out (the decision and reasons are the same)."""
    checks, refusals = _data_checks(product, inputs, evaluated_at)
    if refusals:
        return Outcome("REFER", None, None, None, tuple(refusals), tuple(checks))
    records = {
        source: read.record
        for source, read in inputs.sources.items()
        if read.status == "available" and read.record is not None
    }
    related = {
        code: read.record
        for (source, code), read in inputs.related.items()
        if source == "registry" and read.status == "available" and isinstance(read.record, RegistryRecord)
    }
    findings = (
        verify(
            VerificationInputs(inputs.credit_code, inputs.sources, inputs.related, inputs.trade_edges),
            inputs.verification_parameters,
            as_of=evaluated_at.date(),
        )
        if VERIFICATION in product.namespaces
        else []
    )
    facts = build_facts(
        FactInputs(
            inputs.credit_code,
            evaluated_at.date(),
            records,
            related,
            name_hash,
            {finding.code: finding for finding in findings},
        ),
        product.namespaces,
    )
    # Only the facts the rules read go in: every node of the graph passes its context on.
    wanted: dict[str, dict[str, Any]] = {}
    for name in sorted(product.facts):
        namespace, _, fact_name = name.partition(".")
        wanted.setdefault(namespace, {})[fact_name] = facts[namespace][fact_name]
    context = orjson.dumps({**wanted, "params": product.parameters}, default=_json_number).decode()
    read = _read_facts(product, orjson.loads(context))
    try:
        evaluation = product.graph.evaluate(context, trace=trace)
    except EngineError as error:
        node = product.node_names.get(error.node_id or "", error.node_id)
        reason = Reason(
            "EVALUATION_FAILED",
            f"the product's rules failed on this firm's facts at node {node!r}: {error.message}",
            {"node": node},
        )
        return Outcome("REFER", None, None, None, (reason,), tuple(checks), read)
    steps = [*checks, *_trace(product, evaluation)] if trace else checks
    return replace(_outcome(evaluation.result, tuple(steps)), facts=read)


def _read_facts(product: CompiledProduct, document: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The product's facts out of the fact document, in name order (JSON values: money as numbers)."""
    values = []
    for name in sorted(product.facts):
        namespace, _, fact = name.partition(".")
        values.append((name, document.get(namespace, {}).get(fact)))
    return tuple(values)


def _json_number(value: Any) -> Any:
    """Money goes to the engine as a JSON number with its digits: a float's shortest repr round-trips
    every amount to the fen below 10^13 yuan, and the engine reads the text as a decimal."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _data_checks(
    product: CompiledProduct, inputs: FirmInputs, evaluated_at: datetime
) -> tuple[list[TraceStep], list[Reason]]:
    checks: list[TraceStep] = []
    refusals: list[Reason] = []
    document = product.document
    sets = fact_sets()
    registry = inputs.sources.get("registry")
    age_months = (
        months_in_business(registry.record.founded_on, evaluated_at.date())
        if registry is not None and isinstance(registry.record, RegistryRecord)
        else None
    )
    for source in sorted(product.sources, key=_source_order):
        read = inputs.sources.get(source) or SourceInput(source, inputs.credit_code, "unavailable")
        if read.status != "available" or read.record is None:
            reason = _missing(read)
            refusals.append(reason)
            checks.append(TraceStep("data", "data", source, None, {"source": source}, reason.code))
            continue
        age = max(0, (evaluated_at - read.fetched_at).days) if read.fetched_at else 0
        limit = document.max_age_days.get(source)
        if limit is not None:
            stale = age > limit
            checks.append(
                TraceStep(
                    "data",
                    "data",
                    f"{source}.age",
                    None,
                    {"ageDays": age},
                    {"maxAgeDays": limit, "ok": not stale},
                )
            )
            if stale:
                refusals.append(
                    Reason(
                        "DATA_STALE",
                        f"the {source} data is {age} days old, more than the product's {limit}",
                        {"source": source, "ageDays": age},
                        {"maxAgeDays": limit},
                    )
                )
        required = document.history.get(source)
        history = sets[source].history if source in sets else None
        if required is not None and history is not None:
            available = history(read.record)
            # A firm younger than the window has all the history it can have: its age is a rule's business.
            needed = min(required, age_months) if age_months is not None else required
            short = available < needed
            checks.append(
                TraceStep(
                    "data",
                    "data",
                    f"{source}.history",
                    None,
                    {"availableMonths": available},
                    {"requiredMonths": needed, "ok": not short},
                )
            )
            if short:
                refusals.append(
                    Reason(
                        "DATA_HISTORY_SHORT",
                        f"{source} covers {available} months, the product needs {needed}",
                        {"source": source, "available": available},
                        {"required": needed},
                    )
                )
    return checks, refusals


def _source_order(source: str) -> tuple[int, str]:
    names = list(fact_sets())
    return (names.index(source) if source in names else len(names), source)


def _missing(read: SourceInput) -> Reason:
    source = read.source
    if read.status == "withheld":
        return Reason(
            "DATA_WITHHELD",
            f"{source} data is withheld: the caller lacks its scope or the firm's consent",
            {"source": source},
        )
    if read.status == "not_found":
        return Reason("DATA_MISSING", f"{source} does not know this firm", {"source": source})
    return Reason(
        "DATA_UNAVAILABLE", f"{source} is unavailable and no snapshot stands in", {"source": source}
    )


def _trace(product: CompiledProduct, evaluation: Evaluation) -> list[TraceStep]:
    """Every rule of every table (matched or not), every expression and switch statement, in run order."""
    nodes = {str(node["id"]): node for node in product.document.graph.get("nodes", [])}
    steps: list[TraceStep] = []
    ordered = sorted(evaluation.trace.items(), key=lambda entry: entry[1].get("order", 0))
    for node_id, traced in ordered:
        node = nodes.get(node_id)
        if node is None:
            continue
        name = str(node.get("name") or node_id)
        content = node.get("content") or {}
        data = traced.get("traceData")
        if node["type"] == "decisionTableNode":
            steps += _table_steps(product, node_id, name, content, data, traced.get("input"))
        elif node["type"] == "expressionNode":
            looped = content.get("executionMode") == "loop"
            for expression in content.get("expressions") or []:
                key = str(expression.get("key"))
                result = _loop_results(data, key) if looped else (data or {}).get(key, {}).get("result")
                steps.append(
                    TraceStep(
                        name,
                        "expression",
                        key,
                        expression.get("value"),
                        _read_values(expression, traced),
                        result,
                    )
                )
        elif node["type"] == "switchNode":
            matched = {str(s.get("id")) for s in (data or {}).get("statements", []) if isinstance(s, dict)}
            for statement in content.get("statements") or []:
                sid = str(statement.get("id"))
                steps.append(TraceStep(name, "switch", sid, statement.get("condition"), None, sid in matched))
    return steps


def _loop_results(data: Any, key: str) -> list[Any]:
    if not isinstance(data, list):
        return []
    return [entry.get(key, {}).get("result") if isinstance(entry, dict) else None for entry in data]


def _read_values(expression: Mapping[str, Any], traced: Mapping[str, Any]) -> dict[str, Any]:
    """The scalar values an expression read, from its node's input (a list or object is left out: the
    trace names what a rule looked at, it does not copy the fact document)."""
    return _values(paths(str(expression.get("value", ""))), traced.get("input"))


def _values(names: Iterable[str], context: Any) -> dict[str, Any]:
    if not isinstance(context, dict):
        return {}
    values: dict[str, Any] = {}
    for path in names:
        value: Any = context
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if not isinstance(value, list | dict):
            values[path] = value
    return values


def _table_steps(
    product: CompiledProduct,
    node_id: str,
    name: str,
    content: Mapping[str, Any],
    data: Any,
    context: Any,
) -> list[TraceStep]:
    entries = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    flat = [entry for group in entries for entry in (group if isinstance(group, list) else [group])]
    matched: dict[str, list[dict[str, Any]]] = {}
    for entry in flat:
        if isinstance(entry, dict) and isinstance(entry.get("rule"), dict):
            rule_id = str(entry["rule"].get("_id"))
            matched.setdefault(rule_id, []).append(entry.get("reference_map") or {})
    looped = content.get("executionMode") == "loop"
    steps = []
    for rule in content.get("rules") or []:
        rule_id = str(rule.get("_id"))
        tested = product.rule_inputs.get((node_id, rule_id), ())
        seen = matched.get(rule_id)
        # a loop table tests each item: the values of its first match stand for them
        values = (seen[0] if seen else {}) if looped else _values(tested, context)
        steps.append(
            TraceStep(
                name,
                "rule",
                rule_id,
                rule.get("_description"),
                {field: values[field] for field in tested if field in values},
                {"matched": bool(seen), **({"times": len(seen)} if seen and len(seen) > 1 else {})},
            )
        )
    return steps


def _outcome(result: Mapping[str, Any], trace: tuple[TraceStep, ...]) -> Outcome:
    decision = result.get("decision")
    problems: list[str] = []
    if decision not in DECISIONS:
        problems.append(f"decision is {decision!r}, not one of {', '.join(DECISIONS)}")
    line = _money(result.get("creditLineYuan"), problems)
    score = result.get("score")
    if score is not None and (not isinstance(score, int | float) or isinstance(score, bool)):
        problems.append(f"score is {score!r}, not a number")
    rating = result.get("rating")
    if rating is not None and not isinstance(rating, str):
        problems.append(f"rating is {rating!r}, not a string")
    reasons = _reasons(result.get("reasons"), problems)
    if problems:
        reason = Reason("PRODUCT_OUTPUT_INVALID", "; ".join(problems), {"outputs": sorted(result)})
        return Outcome("REFER", None, None, None, (reason,), trace)
    assert decision in DECISIONS
    return Outcome(
        decision,
        float(score) if score is not None else None,
        rating,
        line if decision == "ELIGIBLE" else None,
        reasons,
        trace,
    )


def _money(value: Any, problems: list[str]) -> Decimal | None:
    """A credit line to the fen, rounded down (never more than the rules computed)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.append(f"creditLineYuan is {value!r}, not an amount")
        return None
    try:
        # repr of a float is its shortest round-trip text: the engine's decimal, digit for digit.
        amount = Decimal(value if isinstance(value, str) else repr(value))
    except InvalidOperation:
        problems.append(f"creditLineYuan is {value!r}, not an amount")
        return None
    if not amount.is_finite() or amount < 0:
        problems.append(f"creditLineYuan is {value!r}, not an amount of at least 0")
        return None
    return amount.quantize(FEN, rounding=ROUND_DOWN)


def _reasons(value: Any, problems: list[str]) -> tuple[Reason, ...]:
    if value is None:
        return ()
    entries = _flatten(value) if isinstance(value, list) else None
    if entries is None or not all(
        isinstance(entry, dict) and isinstance(entry.get("code"), str) for entry in entries
    ):
        problems.append("reasons must be a list of objects with a code")
        return ()
    return tuple(
        Reason(
            entry["code"],
            str(entry.get("message") or entry["code"]),
            entry.get("inputs", entry.get("value")),
            entry.get("threshold"),
        )
        for entry in entries
    )


def _flatten(value: Sequence[Any]) -> list[Any]:
    """Reasons of a loop node arrive as a list per item: taken in order."""
    flat: list[Any] = []
    for entry in value:
        flat.extend(_flatten(entry) if isinstance(entry, list) else [entry])
    return flat
