"""Baseline: the schema of khdesk 0.1.

A new database is created from schema.py and stamped at the head revision (Alembic's
"create_all then stamp" recipe), so this baseline has nothing to run. Every later change
to schema.py comes with its own revision that upgrades databases made before it.

Revision ID: 0001
Revises:
"""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
