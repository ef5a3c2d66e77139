"""GraphQL types of early warnings: watched firms, alert rules, alerts."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from hub.alerts.service import RuleView
from hub.alerts.store import StoredAlert
from schema.pagination import Connection


@strawberry.enum(description="How serious an alert is.")
class AlertSeverity(Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


@strawberry.type(description="A firm on your tenant's watchlist: its alert rules run when its data changes.")
class WatchedFirm:
    credit_code: strawberry.ID = strawberry.field(description="The firm's credit code.")
    added_at: datetime = strawberry.field(description="When it was put on the watchlist.")


@strawberry.type(description="An early-warning rule: a built-in or your own JDM document.")
class AlertRule:
    name: str = strawberry.field(description="The rule's name (the alerts it raises carry it).")
    built_in: bool = strawberry.field(description="Shipped by the hub (enable or disable it only).")
    enabled: bool = strawberry.field(description="Evaluated on your watched firms.")
    description: str = strawberry.field(description="What makes it fire.")
    document: JSON | None = strawberry.field(
        description="Its JDM document (null: the composite over the other alerts)."
    )
    sources: list[str] = strawberry.field(
        description="The sources it reads: without a firm's consent to one of them it does not fire."
    )
    updated_at: datetime | None = strawberry.field(description="When your tenant last set it.")

    @classmethod
    def of(cls, view: RuleView) -> AlertRule:
        return cls(
            name=view.name,
            built_in=view.built_in,
            enabled=view.enabled,
            description=view.description,
            document=view.document,  # type: ignore[arg-type]  # JSON is any JSON value
            sources=sorted(view.compiled.sources) if view.compiled is not None else [],
            updated_at=view.updated_at,
        )


@strawberry.type(description="An alert a rule raised for a watched firm, once per (rule, firm, period).")
class Alert:
    id: strawberry.ID = strawberry.field(description="The alert's id.")
    rule: str = strawberry.field(description="The rule that fired.")
    severity: AlertSeverity = strawberry.field(description="How serious it is.")
    credit_code: strawberry.ID = strawberry.field(description="The firm.")
    period: str = strawberry.field(description="What it is about: a month, a due date, a grade change.")
    details: JSON = strawberry.field(description="The facts that made it fire (and the sources read).")
    created_at: datetime = strawberry.field(description="When it was raised.")

    @classmethod
    def of(cls, alert: StoredAlert) -> Alert:
        return cls(
            id=strawberry.ID(alert.id),
            rule=alert.rule,
            severity=AlertSeverity(alert.severity),
            credit_code=strawberry.ID(alert.credit_code),
            period=alert.period,
            details=alert.details,  # type: ignore[arg-type]
            created_at=alert.created_at,
        )


AlertConnection = Connection[Alert]
