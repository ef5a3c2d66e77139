"""continuous monitoring: connection states, webhook subscriptions and deliveries, watchlists, alert
rules, alerts, indicator flag states

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "connection_state",
        sa.Column("credit_code", sa.String(18), primary_key=True),
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_since", WHEN, nullable=False),
        sa.Column("last_attempt_at", WHEN, nullable=True),
        sa.Column("last_success_at", WHEN, nullable=True),
        sa.Column("last_error_code", sa.String(64), nullable=True),
        sa.Column("first_month", sa.Date(), nullable=True),
        sa.Column("last_month", sa.Date(), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("consent_ended_at", WHEN, nullable=True),
    )
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), nullable=False, index=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("credit_codes", sa.JSON(), nullable=True),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("disabled_at", WHEN, nullable=True),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "subscription_id",
            sa.String(40),
            sa.ForeignKey("webhook_subscription.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("delivered_at", WHEN, nullable=True),
        sa.UniqueConstraint("subscription_id", "event_id"),
    )
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_at"])
    op.create_table(
        "watched_firm",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), primary_key=True),
        sa.Column("credit_code", sa.String(18), primary_key=True),
        sa.Column("added_at", WHEN, nullable=False),
        sa.Column("baseline", sa.JSON(), nullable=True),
    )
    op.create_table(
        "alert_rule",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), nullable=False, index=True),
        sa.Column("credit_code", sa.String(18), nullable=False, index=True),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("period", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False, index=True),
        sa.UniqueConstraint("tenant_id", "fingerprint"),
    )
    op.create_table(
        "indicator_flag_state",
        sa.Column("credit_code", sa.String(18), primary_key=True),
        sa.Column("flag", sa.String(64), primary_key=True),
        sa.Column("raised_at", WHEN, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "indicator_flag_state",
        "alert",
        "alert_rule",
        "watched_firm",
        "webhook_delivery",
        "webhook_subscription",
        "connection_state",
    ):
        op.drop_table(table)
