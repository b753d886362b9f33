"""Transfers of a file between units (RULES.md §2a): the units a transfer step names,
and an index to find the transfers among all steps.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("steps") as batch:
        batch.add_column(sa.Column("from_org", sa.String(64)))
        batch.add_column(sa.Column("to_org", sa.String(64)))
    op.create_index("ix_steps_step_id", "steps", ["step_id"])


def downgrade() -> None:
    op.drop_index("ix_steps_step_id", table_name="steps")
    with op.batch_alter_table("steps") as batch:
        batch.drop_column("to_org")
        batch.drop_column("from_org")
