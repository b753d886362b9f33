"""Cell meetings (kỳ họp chi bộ): the roll a meeting's votes are counted on, and the
link from a vote step to its meeting.

Revision ID: 0012
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("rev", sa.Integer, nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("change_seq", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("org_code", sa.String(64), nullable=False),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("official_members", sa.Integer, nullable=False),
        sa.Column("probationary_members", sa.Integer, nullable=False),
        sa.Column("absences", sa.Text, nullable=False),
        sa.Column("chair", sa.String(200)),
        sa.Column("chair_role", sa.String(100)),
        sa.Column("secretary", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.UniqueConstraint("uuid", name="uq_meetings_uuid"),
    )
    op.create_index("ix_meetings_change_seq", "meetings", ["change_seq"])
    op.create_index("ix_meetings_org_code", "meetings", ["org_code"])
    with op.batch_alter_table("steps") as batch:
        batch.add_column(sa.Column("meeting_uuid", sa.String(36)))
        batch.create_index("ix_steps_meeting_uuid", ["meeting_uuid"])


def downgrade() -> None:
    with op.batch_alter_table("steps") as batch:
        batch.drop_index("ix_steps_meeting_uuid")
        batch.drop_column("meeting_uuid")
    op.drop_table("meetings")
