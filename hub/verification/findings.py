"""What a check found: its status, how serious, the ids involved and the thresholds it used."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["PASS", "FLAG", "NOT_APPLICABLE", "NO_DATA"]
Severity = Literal["LOW", "MEDIUM", "HIGH"]
SEVERITY_RANK: dict[Severity, int] = {"LOW": 1, "MEDIUM": 2, "HIGH": 3}
MAX_IDS = 50
"""Ids listed per kind of evidence (a count says how many there were)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """The records a finding rests on, by id: order, waybill and receivable numbers, months (YYYY-MM),
    firms' credit codes; ``values`` the figures compared."""

    orders: tuple[str, ...] = ()
    waybills: tuple[str, ...] = ()
    receivables: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    credit_codes: tuple[str, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)

    def stored(self) -> dict[str, Any]:
        return {
            "orders": list(self.orders),
            "waybills": list(self.waybills),
            "receivables": list(self.receivables),
            "months": list(self.months),
            "creditCodes": list(self.credit_codes),
            "values": self.values,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    status: Status
    severity: Severity | None = None  # set when FLAG
    evidence: Evidence = field(default_factory=Evidence)
    params: dict[str, Any] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def stored(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "severity": self.severity,
            "evidence": self.evidence.stored(),
            "params": self.params,
        }

    @property
    def word(self) -> str:
        """For an audit row: ``CIRCULAR_TRADE:HIGH``, or the status when it is no flag."""
        return f"{self.code}:{self.severity}" if self.status == "FLAG" else f"{self.code}:{self.status}"


def ids(values: list[str] | tuple[str, ...] | set[str]) -> tuple[str, ...]:
    """At most :data:`MAX_IDS` of them, sorted (evidence is reproducible)."""
    return tuple(sorted(values)[:MAX_IDS])
