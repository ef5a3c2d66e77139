"""Tables of the hub. Migrations in ``hub/migrations`` create them; keep both in step."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Snapshot(Base):
    """One distinct normalised payload of a source for an enterprise (append-only).

    A re-fetch with the same ``content_hash`` writes no new row; it only moves ``checked_at`` forward.
    """

    __tablename__ = "snapshot"
    __table_args__ = (
        UniqueConstraint("source", "credit_code", "content_hash", name="uq_snapshot_content"),
        Index("ix_snapshot_latest", "source", "credit_code", "fetched_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    credit_code: Mapped[str] = mapped_column(String(18))
    fetched_at: Mapped[datetime]
    checked_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]


class Tenant(Base):
    """A bank using the hub."""

    __tablename__ = "tenant"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # "bank", or "regulator": sees aggregates only (monitoring), never a firm's data.
    kind: Mapped[str] = mapped_column(String(16), default="bank", server_default="bank")


class OAuthClient(Base):
    """A partner platform or bank application; its secret is stored hashed only."""

    __tablename__ = "oauth_client"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    # Set when the client is disabled: tokens issued before it stay refused after it is enabled again.
    tokens_not_before: Mapped[datetime | None]


class RevokedToken(Base):
    """A revoked access token (by ``jti``), kept until it would have expired anyway."""

    __tablename__ = "revoked_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime]


class Consent(Base):
    """An enterprise's consent for one tenant to read one source, between two dates."""

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_lookup", "tenant_id", "credit_code", "source"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id"))
    credit_code: Mapped[str] = mapped_column(String(18))
    source: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    evidence_ref: Mapped[str] = mapped_column(String(500))
    granted_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]


class AuditRecord(Base):
    """One entry of the append-only, hash-chained audit log (``row_hash`` covers ``prev_hash``)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime]
    event: Mapped[str] = mapped_column(String(32))
    tenant_id: Mapped[str | None] = mapped_column(String(64), index=True)
    client_id: Mapped[str | None] = mapped_column(String(64))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    sources: Mapped[str] = mapped_column(String(200))
    operation_hash: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(300))
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed statement of the audit log's head (``seq``, ``row_hash``): a truncated tail shows up."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    row_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    kid: Mapped[str] = mapped_column(String(100))
    jws: Mapped[str] = mapped_column(Text)


class AccessVersion(Base):
    """One row: a counter moved forward in the same transaction as every change to who may read what
    (consent granted or withdrawn, token revoked, client disabled, enabled or re-issued).

    Processes cache access decisions under the version they read (:mod:`auth.access_state`); a new version
    makes every one of them stale.
    """

    __tablename__ = "access_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class ProductVersion(Base):
    """One published version of a tenant's lending product: its JDM document, immutable once written."""

    __tablename__ = "product_version"
    __table_args__ = (UniqueConstraint("tenant_id", "key", "version", name="uq_product_version"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id"))
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    document: Mapped[dict[str, Any]]
    document_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime]
    published_by: Mapped[str | None] = mapped_column(String(64))


class Assessment(Base):
    """One evaluation of a product version on one firm: what it read (input hashes) and what it decided.

    Replayed from the snapshots its inputs name (``assessment(id)``); the outcome is kept to compare with.
    """

    __tablename__ = "assessment"
    __table_args__ = (Index("ix_assessment_firm", "tenant_id", "credit_code", "evaluated_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(64))
    credit_code: Mapped[str] = mapped_column(String(18))
    product_key: Mapped[str] = mapped_column(String(64))
    product_version: Mapped[int] = mapped_column(Integer)
    evaluated_at: Mapped[datetime]
    decision: Mapped[str] = mapped_column(String(16))
    credit_line_yuan: Mapped[str | None] = mapped_column(String(32))
    inputs: Mapped[dict[str, Any]]
    outcome: Mapped[dict[str, Any]]


class VerificationParameter(Base):
    """A tenant's overrides of one verification check's thresholds (the rest keep their defaults)."""

    __tablename__ = "verification_parameter"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    params: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(64))


class Financing(Base):
    """A financing a tenant registered against a receivable (or a child of a split one). Every tenant's
    live financings of one lineage (``root_no``: the receivable it was split from, else itself) count
    against its amount; who holds them is never told to another tenant."""

    __tablename__ = "financing"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    receivable_no: Mapped[str] = mapped_column(String(64), index=True)
    root_no: Mapped[str] = mapped_column(String(64), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)  # the holder that applied
    debtor_code: Mapped[str] = mapped_column(String(18), index=True)  # the core enterprise owing it
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    registration_no: Mapped[str | None] = mapped_column(String(64), index=True)
    product: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # LIVE | RELEASED
    created_at: Mapped[datetime]
    released_at: Mapped[datetime | None]


class FinancingLock(Base):
    """One row per receivable lineage, updated first in every registration of it: the writes of one
    lineage queue behind each other (a row lock on PostgreSQL, the write lock on SQLite), so of two
    tenants racing for the same receivable exactly one is registered."""

    __tablename__ = "financing_lock"

    root_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class LoanReport(Base):
    """A loan a bank reports back (its outcome), one per (tenant, firm, product, disbursement day)."""

    __tablename__ = "loan_report"
    __table_args__ = (UniqueConstraint("tenant_id", "credit_code", "product", "disbursed_on"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id"), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    product: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    disbursed_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))  # ACTIVE | REPAID | OVERDUE | WRITTEN_OFF
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    reported_by: Mapped[str] = mapped_column(String(64))


class FirmSummary(Base):
    """What the monitoring view needs of one firm, read from its latest registry and electricity
    snapshots (:mod:`hub.monitoring.summary`): its division, industry, whether it is a core enterprise and
    its monthly kWh. Derived data, rebuilt from the snapshots whenever they move on."""

    __tablename__ = "firm_summary"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    division_code: Mapped[str] = mapped_column(String(6))
    industry: Mapped[str | None] = mapped_column(String(200))
    is_core: Mapped[bool]
    kwh_by_month: Mapped[dict[str, Any]]  # "YYYY-MM" → kWh as a decimal string
    updated_at: Mapped[datetime]


class TradeReceivableFact(Base):
    """One receivable as the latest trade snapshot naming it says (creditor's or debtor's): the
    monitoring view's confirmed receivables by creditor and debtor."""

    __tablename__ = "trade_receivable_fact"
    __table_args__ = (Index("ix_trade_receivable_fact_open", "confirmed", "settled"),)

    receivable_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    creditor_code: Mapped[str] = mapped_column(String(18))
    debtor_code: Mapped[str] = mapped_column(String(18), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    confirmed: Mapped[bool]
    settled: Mapped[bool]
    snapshot_id: Mapped[int] = mapped_column(BigInteger)


class MonitoringWatermark(Base):
    """One row: the highest snapshot id the firm summaries have taken in."""

    __tablename__ = "monitoring_watermark"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(BigInteger)


# Continuous monitoring (issue 16): connection states, webhooks, watchlists and alerts -------------------
class ConnectionState(Base):
    """Where one (enterprise, source) connection stands, as the refresh jobs last found it (hub.connections).
    Consent states are per tenant and come from the consents, not from here."""

    __tablename__ = "connection_state"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))  # LINKED | SOURCE_ERROR | STALE | NOT_FOUND_AT_SOURCE …
    status_since: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_code: Mapped[str | None] = mapped_column(String(64))
    first_month: Mapped[date | None]  # coverage: the first and last month the hub holds
    last_month: Mapped[date | None]
    content_hash: Mapped[str | None] = mapped_column(String(64))  # of the last record fetched
    consent_ended_at: Mapped[datetime | None]  # when the last live consent ended (purge after retention)


class WebhookSubscription(Base):
    """A tenant's webhook: where to, which events, optionally which firms; its signing secret sealed."""

    __tablename__ = "webhook_subscription"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(64))  # whose scopes bound what it is told
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]]
    credit_codes: Mapped[list[str] | None]
    secret_sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    """One event owed to one subscription: retried with backoff, the same message id every time, dead
    after the last attempt (``hub webhooks redeliver`` revives it)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the webhook-id header
    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscription.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))  # PENDING | DELIVERED | DEAD
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class WatchedFirm(Base):
    """A firm on a tenant's watchlist: its alert rules are evaluated whenever its data changes."""

    __tablename__ = "watched_firm"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    added_at: Mapped[datetime]
    baseline: Mapped[dict[str, Any] | None]
    """The facts of the tenant's previous evaluation of the firm (what ``previous`` reads in a rule)."""


class AlertRule(Base):
    """A tenant's early-warning rule (a JDM decision graph, versioned by replacement), or a built-in's
    override (enabled or not)."""

    __tablename__ = "alert_rule"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[dict[str, Any] | None]
    enabled: Mapped[bool]
    updated_at: Mapped[datetime]


class Alert(Base):
    """An alert raised once: the fingerprint (rule, firm, the period it is about) makes a re-run add none."""

    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("tenant_id", "fingerprint"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id"), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))
    period: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(index=True)


class IndicatorFlagState(Base):
    """The indicator flags a firm had when last evaluated (to tell raised from cleared)."""

    __tablename__ = "indicator_flag_state"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    flag: Mapped[str] = mapped_column(String(64), primary_key=True)
    raised_at: Mapped[datetime]
