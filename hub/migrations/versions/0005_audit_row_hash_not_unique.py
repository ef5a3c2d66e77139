"""audit_log.row_hash without its unique index

The chain is checked by walking it (``hub audit verify``), never looked up by ``row_hash``; the index on
random hashes dirtied one page per appended row, most of the cost of an audit commit on SQLite.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# 0001 left the constraint unnamed: PostgreSQL named it by its own rule; batch mode on SQLite reflects it
# unnamed, so a naming convention gives it a name to drop by.
POSTGRES_NAME = "audit_log_row_hash_key"
SQLITE_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
SQLITE_NAME = "uq_audit_log_row_hash"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("audit_log", naming_convention=SQLITE_NAMING) as batch_op:
            batch_op.drop_constraint(SQLITE_NAME, type_="unique")
    else:
        op.drop_constraint(POSTGRES_NAME, "audit_log", type_="unique")


def downgrade() -> None:
    name = SQLITE_NAME if op.get_bind().dialect.name == "sqlite" else POSTGRES_NAME
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.create_unique_constraint(name, ["row_hash"])
