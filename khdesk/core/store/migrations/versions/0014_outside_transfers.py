"""Transfers out of the province (RULES.md §2a, FORMAT.md §12): the other provinces'
stations a transfer file may be sent to or come from, and the transfer files written and
received.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_stations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("org_code", sa.String(64), nullable=False),
        sa.Column("org_name", sa.String(300), nullable=False),
        sa.Column("sign_public", sa.LargeBinary, nullable=False),
        sa.Column("enc_public", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("enrolled_at", sa.String(32), nullable=False),
        sa.Column("enrolled_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transfer_stations"),
        sa.UniqueConstraint("key_id", name="uq_transfer_stations_key_id"),
    )
    op.create_index("ix_transfer_stations_org_code", "transfer_stations", ["org_code"])
    op.create_table(
        "transfer_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("transfer_uuid", sa.String(36), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("station_org", sa.String(64), nullable=False),
        sa.Column("station_key_id", sa.String(32), nullable=False),
        sa.Column("candidate_uuid", sa.String(36), nullable=False),
        sa.Column("file_code", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("answered_at", sa.String(32)),
        sa.Column("answer_record", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_transfer_files"),
        sa.UniqueConstraint(
            "transfer_uuid", "direction", name="uq_transfer_files_transfer_uuid_direction"
        ),
    )


def downgrade() -> None:
    op.drop_table("transfer_files")
    op.drop_table("transfer_stations")
