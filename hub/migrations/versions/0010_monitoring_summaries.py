"""monitoring: per-firm summaries and receivable facts derived from the snapshots, and their watermark

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "firm_summary",
        sa.Column("credit_code", sa.String(18), primary_key=True),
        sa.Column("division_code", sa.String(6), nullable=False),
        sa.Column("industry", sa.String(200), nullable=True),
        sa.Column("is_core", sa.Boolean(), nullable=False),
        sa.Column("kwh_by_month", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "trade_receivable_fact",
        sa.Column("receivable_no", sa.String(64), primary_key=True),
        sa.Column("creditor_code", sa.String(18), nullable=False),
        sa.Column("debtor_code", sa.String(18), nullable=False, index=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_trade_receivable_fact_open", "trade_receivable_fact", ["confirmed", "settled"])
    op.create_table(
        "monitoring_watermark",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("monitoring_watermark")
    op.drop_index("ix_trade_receivable_fact_open", table_name="trade_receivable_fact")
    op.drop_table("trade_receivable_fact")
    op.drop_table("firm_summary")
