"""Class rosters (lớp bồi dưỡng nhận thức về Đảng, RULES.md §2a): the class and its
participants, local to the station that records it.

Revision ID: 0011
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("organiser", sa.String(300), nullable=False),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("cert_on", sa.Date, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_classes"),
        sa.UniqueConstraint("code", name="uq_classes_code"),
    )
    op.create_table(
        "class_participants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("class_id", sa.Integer, nullable=False),
        sa.Column("row_no", sa.Integer, nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("cccd", sa.String(32)),
        sa.Column("org_code", sa.String(64)),
        sa.Column("cert_no", sa.String(100)),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("file_code", sa.String(64)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("step_uuid", sa.String(36)),
        sa.PrimaryKeyConstraint("id", name="pk_class_participants"),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name="fk_class_participants_class_id_classes",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_class_participants_class", "class_participants", ["class_id", "row_no"])
    op.create_index("ix_class_participants_file_code", "class_participants", ["file_code"])


def downgrade() -> None:
    op.drop_index("ix_class_participants_file_code", table_name="class_participants")
    op.drop_index("ix_class_participants_class", table_name="class_participants")
    op.drop_table("class_participants")
    op.drop_table("classes")
