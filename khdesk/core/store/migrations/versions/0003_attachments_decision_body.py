"""Attachments (scans stored encrypted, content by hash) and each cell's deciding body.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orgs") as batch:
        batch.add_column(sa.Column("decision_body", sa.String(300)))
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_blobs"),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("rev", sa.Integer, nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("change_seq", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("candidate_uuid", sa.String(36), nullable=False),
        sa.Column("step_uuid", sa.String(36)),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.UniqueConstraint("uuid", name="uq_attachments_uuid"),
        sa.ForeignKeyConstraint(
            ["candidate_uuid"],
            ["candidates.uuid"],
            name="fk_attachments_candidate_uuid_candidates",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["sha256"], ["blobs.sha256"], name="fk_attachments_sha256_blobs"),
    )
    op.create_index("ix_attachments_change_seq", "attachments", ["change_seq"])
    op.create_index("ix_attachments_candidate_uuid", "attachments", ["candidate_uuid"])


def downgrade() -> None:
    op.drop_table("attachments")
    op.drop_table("blobs")
    with op.batch_alter_table("orgs") as batch:
        batch.drop_column("decision_body")
