"""financing registry: financings against receivables (one lock row per lineage), loans reported back,
tenant kinds (bank, regulator)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenant") as table:
        table.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="bank"))
    op.create_table(
        "financing",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), nullable=False, index=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("receivable_no", sa.String(64), nullable=False, index=True),
        sa.Column("root_no", sa.String(64), nullable=False, index=True),
        sa.Column("credit_code", sa.String(18), nullable=False, index=True),
        sa.Column("debtor_code", sa.String(18), nullable=False, index=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("registration_no", sa.String(64), nullable=True, index=True),
        sa.Column("product", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "financing_lock",
        sa.Column("root_no", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "loan_report",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenant.id"), nullable=False, index=True),
        sa.Column("credit_code", sa.String(18), nullable=False, index=True),
        sa.Column("product", sa.String(64), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("disbursed_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("tenant_id", "credit_code", "product", "disbursed_on"),
    )


def downgrade() -> None:
    op.drop_table("loan_report")
    op.drop_table("financing_lock")
    op.drop_table("financing")
    with op.batch_alter_table("tenant") as table:
        table.drop_column("kind")
