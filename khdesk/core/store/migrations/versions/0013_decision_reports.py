"""Decisions a cell reports (issue 17 "one truth"): the committee steps a cell typed from
its paper copies, kept at the committee until it confirms or dismisses them.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("rev", sa.Integer, nullable=False),
        sa.Column("sender_org", sa.String(64), nullable=False),
        sa.Column("candidate_uuid", sa.String(36), nullable=False),
        sa.Column("step_id", sa.String(16), nullable=False),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("doc_no", sa.String(100)),
        sa.Column("official_members", sa.Integer),
        sa.Column("votes_for", sa.Integer),
        sa.Column("note", sa.Text),
        sa.Column("received_on", sa.Date),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("reported_at", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_at", sa.String(32)),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("reason", sa.Text),
        sa.Column("step_uuid", sa.String(36)),
        sa.PrimaryKeyConstraint("id", name="pk_decision_reports"),
        sa.UniqueConstraint("uuid", name="uq_decision_reports_uuid"),
    )
    op.create_index("ix_decision_reports_sender_org", "decision_reports", ["sender_org"])
    op.create_index("ix_decision_reports_candidate_uuid", "decision_reports", ["candidate_uuid"])


def downgrade() -> None:
    op.drop_table("decision_reports")
