"""Document numbers per issuer, document type and committee term.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_numbers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("issuer", sa.String(64), nullable=False),
        sa.Column("doc_type", sa.String(16), nullable=False),
        sa.Column("term", sa.String(16), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("doc_no", sa.String(100), nullable=False),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("file_code", sa.String(64)),
        sa.Column("step_id", sa.String(16)),
        sa.Column("step_uuid", sa.String(36)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_numbers"),
        sa.UniqueConstraint(
            "issuer",
            "doc_type",
            "term",
            "number",
            name="uq_document_numbers_issuer_doc_type_term_number",
        ),
    )
    op.create_index("ix_document_numbers_file_code", "document_numbers", ["file_code"])


def downgrade() -> None:
    op.drop_index("ix_document_numbers_file_code", table_name="document_numbers")
    op.drop_table("document_numbers")
