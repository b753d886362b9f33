"""History reported upward (issue 15 §4): the audit chains the stations below reported,
their heads, the alerts when a chain did not extend, and the length of this station's
own chain each sent bundle reported.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_sent") as batch:
        batch.add_column(sa.Column("audit_count", sa.Integer))
    op.create_table(
        "sync_audit_reported",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sender_org", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entity", sa.String(32)),
        sa.Column("entity_key", sa.String(64)),
        sa.Column("detail", sa.Text),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("bundle_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sync_audit_reported"),
    )
    op.create_index(
        "ix_sync_audit_reported_sender_org_position",
        "sync_audit_reported",
        ["sender_org", "position"],
    )
    op.create_table(
        "sync_audit_heads",
        sa.Column("sender_org", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("epoch", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("bundle_id", sa.String(36), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("sender_org", name="pk_sync_audit_heads"),
    )
    op.create_table(
        "sync_audit_alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("found_at", sa.String(32), nullable=False),
        sa.Column("sender_org", sa.String(64), nullable=False),
        sa.Column("bundle_id", sa.String(36), nullable=False),
        sa.Column("epoch", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sync_audit_alerts"),
    )
    op.create_index("ix_sync_audit_alerts_sender_org", "sync_audit_alerts", ["sender_org"])
    if op.get_bind().dialect.name == "postgresql":
        # What the stations below reported is append-only for staff, like the audit log
        # (postgres.APPEND_ONLY; the function exists since the server parts were installed).
        op.execute(
            "CREATE TRIGGER sync_audit_reported_append_only BEFORE UPDATE OR DELETE OR "
            "TRUNCATE ON sync_audit_reported FOR EACH STATEMENT "
            "EXECUTE FUNCTION khdesk_audit_append_only()"
        )


def downgrade() -> None:
    op.drop_table("sync_audit_alerts")
    op.drop_table("sync_audit_heads")
    op.drop_table("sync_audit_reported")
    with op.batch_alter_table("sync_sent") as batch:
        batch.drop_column("audit_count")
