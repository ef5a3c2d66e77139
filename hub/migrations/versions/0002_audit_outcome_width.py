"""audit outcome wide enough for one outcome per source and a token's scopes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NARROW, WIDE = sa.String(length=64), sa.String(length=300)


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("outcome", existing_type=NARROW, type_=WIDE, existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("outcome", existing_type=WIDE, type_=NARROW, existing_nullable=False)
