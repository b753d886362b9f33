"""Catalogues received from the province: rulebooks, holiday overlay, form templates,
organisation list.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogues",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("catalogue_id", sa.String(36), nullable=False),
        sa.Column("catalogue_hash", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("issuer_org", sa.String(64), nullable=False),
        sa.Column("issuer_key_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("issued_on", sa.String(10), nullable=False),
        sa.Column("version", sa.String(120), nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
        sa.Column("endorsements", sa.Text, nullable=False),
        sa.Column("trusted_via", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("installed_at", sa.String(32), nullable=False),
        sa.Column("installed_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_catalogues"),
        sa.UniqueConstraint("catalogue_id", name="uq_catalogues_catalogue_id"),
        sa.UniqueConstraint("catalogue_hash", name="uq_catalogues_catalogue_hash"),
        sa.UniqueConstraint("issuer_org", "seq", name="uq_catalogues_issuer_org_seq"),
    )
    op.create_table(
        "catalogue_files",
        sa.Column("catalogue_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("catalogue_id", "name", name="pk_catalogue_files"),
    )


def downgrade() -> None:
    op.drop_table("catalogue_files")
    op.drop_table("catalogues")
