"""Alert rules as data: a JDM decision graph over the lending facts (hub.products.facts), checked and
compiled as a product's document is (hub.products.documents), with other outputs.

A rule's document is a product document's shape (``description``, ``parameters``, ``graph``). Its graph
reads facts, ``params`` and ``previous`` (the facts of the tenant's previous evaluation of the firm, by
namespace; null the first time) and sets:

- ``fire`` (required): true raises an alert;
- ``severity``: LOW, MEDIUM or HIGH (MEDIUM when unset or anything else);
- ``period``: what the alert is about (a month, a due date, a grade change); the alert's fingerprint is
  (tenant, rule, firm, period), so a re-run about the same period adds none. Unset: the evaluation's month;
- ``details``: an object of the facts that made it fire (unset: every fact the rule reads).

A rule fires only when every source it reads could be read for the tenant (scope and live consent): a
source without consent makes its rules evaluate to nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

import orjson

from foundation.errors import HubError, ProductInvalid
from hub.products.documents import CompiledProduct, compile_product
from hub.products.engine import EngineError

SEVERITIES: Final = ("LOW", "MEDIUM", "HIGH")
DEFAULT_SEVERITY: Final = "MEDIUM"
PREVIOUS: Final = "previous"
REQUIRED: Final = ("fire",)
NOT_IN_RULES: Final = frozenset({"verification"})
"""Namespaces a rule may not read (verification findings are made by the products' assessment only)."""
MAX_NAME = 64


class AlertRuleInvalid(HubError):
    """An alert rule's document that cannot be stored; ``node`` and ``rule`` say where, when known."""

    code = "ALERT_RULE_INVALID"


def compile_rule(document: Mapping[str, Any]) -> CompiledProduct:
    """Check and compile a rule's document (ALERT_RULE_INVALID naming the node and rule)."""
    try:
        compiled = compile_product(document, required=REQUIRED, context_roots=frozenset({PREVIOUS}))
    except ProductInvalid as error:
        raise AlertRuleInvalid(error.message, **error.extensions) from None
    refused = sorted(compiled.namespaces & NOT_IN_RULES)
    if refused:
        raise AlertRuleInvalid(f"an alert rule cannot read {', '.join(refused)} facts", name=refused[0])
    return compiled


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule that fired on a firm: what the alert will say."""

    rule: str
    severity: str
    period: str
    details: dict[str, Any]
    sources: tuple[str, ...]


def fingerprint(tenant_id: str, rule: str, credit_code: str, period: str) -> str:
    return hashlib.sha256("\x1f".join((tenant_id, rule, credit_code, period)).encode()).hexdigest()


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def evaluate_rule(
    name: str,
    compiled: CompiledProduct,
    facts: Mapping[str, Mapping[str, Any]],
    previous: Mapping[str, Any] | None,
    *,
    today: date,
) -> Firing | None:
    """The rule on one firm's facts (every namespace it reads must be in ``facts``); None: it does not
    fire, or its graph failed on these facts (a rule's failure raises no alert)."""
    wanted = {namespace: facts[namespace] for namespace in compiled.namespaces}
    context = orjson.dumps(
        {**wanted, "params": compiled.parameters, PREVIOUS: previous}, default=_json
    ).decode()
    try:
        result = compiled.graph.evaluate(context, trace=False).result
    except EngineError:
        return None
    if result.get("fire") is not True:
        return None
    severity = result.get("severity")
    period = result.get("period")
    details = result.get("details")
    if not isinstance(details, dict):
        read = orjson.loads(context)
        details = {}
        for fact in sorted(compiled.facts):
            namespace, _, short = fact.partition(".")
            value = read.get(namespace, {}).get(short)
            if not isinstance(value, list | dict):
                details[fact] = value
    return Firing(
        rule=name,
        severity=severity if severity in SEVERITIES else DEFAULT_SEVERITY,
        period=str(period)[:MAX_NAME] if period not in (None, "") else f"{today:%Y-%m}",
        details=details,
        sources=tuple(sorted(source for source in compiled.sources if source != "registry"))
        or tuple(sorted(compiled.sources)),
    )
