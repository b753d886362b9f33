"""Index candidate files by cell and state (per-cell counts, statistics, the home screen).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_candidates_org_state", "candidates", ["org_code", "state"])


def downgrade() -> None:
    op.drop_index("ix_candidates_org_state", table_name="candidates")
