"""GraphQL types of verification: a firm's checks, a supply chain's anomalies, the tenant's thresholds."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.scalars import JSON

from hub.verification.findings import Evidence as EvidenceValue
from hub.verification.findings import Finding
from hub.verification.service import Anomaly as AnomalyValue


@strawberry.enum(description="How a check came out.")
class CheckStatus(Enum):
    PASS = "PASS"  # noqa: S105 - a status, not a password
    FLAG = "FLAG"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    NO_DATA = "NO_DATA"


@strawberry.enum(description="How serious a flag is.")
class Severity(Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


@strawberry.type(description="The records a finding rests on, by id, and the figures compared.")
class Evidence:
    orders: list[str] = strawberry.field(description="Order numbers (at most 50).")
    waybills: list[str] = strawberry.field(description="Waybill numbers (at most 50).")
    receivables: list[str] = strawberry.field(description="Receivable numbers (at most 50).")
    months: list[str] = strawberry.field(description="Months, YYYY-MM.")
    credit_codes: list[strawberry.ID] = strawberry.field(description="Firms involved.")
    values: JSON = strawberry.field(description="The figures the check compared.")

    @classmethod
    def of(cls, evidence: EvidenceValue) -> Evidence:
        return cls(
            orders=list(evidence.orders),
            waybills=list(evidence.waybills),
            receivables=list(evidence.receivables),
            months=list(evidence.months),
            credit_codes=[strawberry.ID(code) for code in evidence.credit_codes],
            values=JSON(evidence.values),
        )


@strawberry.type(description="One cross-source check of the firm's trade background.")
class VerificationCheck:
    code: str = strawberry.field(
        description="e.g. CIRCULAR_TRADE, ORDERS_WITHOUT_SHIPMENTS (verificationChecks)."
    )
    status: CheckStatus = strawberry.field(
        description="NO_DATA when a source it needs is withheld or unavailable (never PASS then)."
    )
    severity: Severity | None = strawberry.field(description="Set when FLAG.")
    evidence: Evidence
    params: JSON = strawberry.field(description="The thresholds used (the tenant's, else the defaults).")
    sources: list[str] = strawberry.field(description="The firm's sources it reads.")

    @classmethod
    def of(cls, finding: Finding) -> VerificationCheck:
        return cls(
            code=finding.code,
            status=CheckStatus(finding.status),
            severity=Severity(finding.severity) if finding.severity else None,
            evidence=Evidence.of(finding.evidence),
            params=JSON(finding.params),
            sources=list(finding.sources),
        )


@strawberry.type(description="The firm's real trade background checked across its sources (四流合一).")
class Verification:
    checks: list[VerificationCheck]
    flags: int = strawberry.field(description="Checks that flagged.")
    highest_severity: Severity | None = strawberry.field(description="The most serious flag; null: none.")


@strawberry.type(description="A finding about a supply chain as a whole: a trade cycle, related parties.")
class ChainAnomaly:
    code: str
    severity: Severity
    credit_codes: list[strawberry.ID]
    evidence: Evidence

    @classmethod
    def of(cls, anomaly: AnomalyValue) -> ChainAnomaly:
        return cls(
            code=anomaly.code,
            severity=Severity(anomaly.severity),
            credit_codes=[strawberry.ID(code) for code in anomaly.credit_codes],
            evidence=Evidence.of(anomaly.evidence),
        )


@strawberry.type(description="One threshold of a check.")
class CheckParameter:
    name: str
    description: str
    default: float
    value: float = strawberry.field(description="In effect for your tenant.")
    minimum: float
    maximum: float


@strawberry.type(description="A check and its thresholds for your tenant.")
class VerificationCheckDefinition:
    code: str
    description: str
    sources: list[str]
    parameters: list[CheckParameter]
