"""Verification facts: each check's status and severity, so a product can knock out on a trade cycle at
HIGH or refer a firm whose sales are not invoiced. Built from the firm's findings (hub.verification), which
read what the check reads: a fact's sources are its check's."""

from __future__ import annotations

from typing import Any

from hub.products.facts import FactDefinition, FactInputs, FactSet, FactType, fact
from hub.verification.checks import SOURCES
from hub.verification.findings import SEVERITY_RANK
from hub.verification.parameters import CODES

NAMESPACE = "verification"


def camel(code: str) -> str:
    """``CIRCULAR_TRADE`` → ``circularTrade``."""
    first, *rest = code.lower().split("_")
    return first + "".join(part.capitalize() for part in rest)


def _build(inputs: FactInputs) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    flags = [finding for finding in inputs.findings.values() if finding.status == "FLAG"]
    for code in CODES:
        finding = inputs.findings.get(code)
        facts[camel(code)] = finding.status if finding is not None else "NO_DATA"
        facts[f"{camel(code)}Severity"] = finding.severity if finding is not None else None
    facts["flags"] = len(flags)
    facts["highFlags"] = sum(1 for finding in flags if finding.severity == "HIGH")
    facts["highestSeverity"] = max(
        (finding.severity for finding in flags if finding.severity),
        key=SEVERITY_RANK.__getitem__,
        default=None,
    )
    return facts


def _definitions() -> tuple[FactDefinition, ...]:
    every = tuple(sorted({source for sources in SOURCES.values() for source in sources}))
    per_check = []
    for code in CODES:
        per_check += [
            fact(
                NAMESPACE,
                camel(code),
                FactType.STRING,
                f"{code}: PASS, FLAG, NOT_APPLICABLE or NO_DATA",
                *SOURCES[code],
            ),
            fact(
                NAMESPACE,
                f"{camel(code)}Severity",
                FactType.STRING,
                f"{code}'s severity when it flags: LOW, MEDIUM or HIGH",
                *SOURCES[code],
                nullable=True,
            ),
        ]
    return (
        *per_check,
        fact(NAMESPACE, "flags", FactType.INTEGER, "checks that flagged", *every),
        fact(NAMESPACE, "highFlags", FactType.INTEGER, "checks that flagged at HIGH", *every),
        fact(
            NAMESPACE,
            "highestSeverity",
            FactType.STRING,
            "the most serious flag: LOW, MEDIUM or HIGH",
            *every,
            nullable=True,
        ),
    )


FACTS = FactSet(namespace=NAMESPACE, source=NAMESPACE, definitions=_definitions(), build=_build)
