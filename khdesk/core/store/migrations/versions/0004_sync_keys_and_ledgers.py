"""Sync: the station's keys, enrolled peers, sent/received ledgers, epochs, quarantine,
conflicts and the per-record base of received versions.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=f"pk_{table}")


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "sync_own_keys",
        _id(),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("sign_private", sa.LargeBinary, nullable=False),
        sa.Column("enc_private", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("replaces", sa.String(32)),
        sa.Column("rotation", sa.Text),
        _pk("sync_own_keys"),
        sa.UniqueConstraint("key_id", name="uq_sync_own_keys_key_id"),
    )
    op.create_table(
        "sync_peers",
        _id(),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("org_code", sa.String(64), nullable=False),
        sa.Column("org_name", sa.String(300), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("sign_public", sa.LargeBinary, nullable=False),
        sa.Column("enc_public", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("enrolled_at", sa.String(32), nullable=False),
        sa.Column("enrolled_by", sa.String(64), nullable=False),
        sa.Column("replaces", sa.String(32)),
        sa.Column("revoked_at", sa.String(32)),
        _pk("sync_peers"),
        sa.UniqueConstraint("key_id", name="uq_sync_peers_key_id"),
    )
    op.create_index("ix_sync_peers_org_code", "sync_peers", ["org_code"])
    op.create_table(
        "sync_sent",
        _id(),
        sa.Column("bundle_id", sa.String(36), nullable=False),
        sa.Column("recipient_org", sa.String(64), nullable=False),
        sa.Column("recipient_key_id", sa.String(32), nullable=False),
        sa.Column("epoch", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("bundle_hash", sa.String(64), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("change_seq_from", sa.Integer, nullable=False),
        sa.Column("change_seq_upto", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("acknowledged_at", sa.String(32)),
        _pk("sync_sent"),
        sa.UniqueConstraint("bundle_id", name="uq_sync_sent_bundle_id"),
        sa.UniqueConstraint(
            "recipient_org", "epoch", "seq", name="uq_sync_sent_recipient_org_epoch_seq"
        ),
    )
    op.create_table(
        "sync_epochs",
        _id(),
        sa.Column("sender_org", sa.String(64), nullable=False),
        sa.Column("epoch", sa.String(36), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("previous_epoch", sa.String(36)),
        sa.Column("previous_last_seq", sa.Integer),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("accepted_at", sa.String(32), nullable=False),
        sa.Column("accepted_by", sa.String(64), nullable=False),
        sa.Column("ended_at", sa.String(32)),
        sa.Column("ended_after_seq", sa.Integer),
        _pk("sync_epochs"),
        sa.UniqueConstraint("sender_org", "epoch", name="uq_sync_epochs_sender_org_epoch"),
    )
    op.create_table(
        "sync_received",
        _id(),
        sa.Column("bundle_id", sa.String(36), nullable=False),
        sa.Column("bundle_hash", sa.String(64), nullable=False),
        sa.Column("sender_org", sa.String(64), nullable=False),
        sa.Column("sender_key_id", sa.String(32), nullable=False),
        sa.Column("epoch", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("prev_seq", sa.Integer),
        sa.Column("prev_hash", sa.String(64)),
        sa.Column("change_seq_upto", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        _pk("sync_received"),
        sa.UniqueConstraint("bundle_id", name="uq_sync_received_bundle_id"),
        sa.UniqueConstraint("bundle_hash", name="uq_sync_received_bundle_hash"),
        sa.UniqueConstraint(
            "sender_org", "epoch", "seq", name="uq_sync_received_sender_org_epoch_seq"
        ),
    )
    op.create_table(
        "sync_quarantine",
        _id(),
        sa.Column("found_at", sa.String(32), nullable=False),
        sa.Column("found_by", sa.String(64), nullable=False),
        sa.Column("sender_org", sa.String(64), nullable=False),
        sa.Column("epoch", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("bundle_hash", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        _pk("sync_quarantine"),
    )
    op.create_table(
        "sync_conflicts",
        _id(),
        sa.Column("found_at", sa.String(32), nullable=False),
        sa.Column("sender_org", sa.String(64), nullable=False),
        sa.Column("bundle_id", sa.String(36), nullable=False),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("record_uuid", sa.String(36), nullable=False),
        sa.Column("record_key", sa.String(200)),
        sa.Column("local_rev", sa.Integer),
        sa.Column("incoming_rev", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("incoming", sa.Text, nullable=False),
        sa.Column("resolved_at", sa.String(32)),
        _pk("sync_conflicts"),
    )
    op.create_index("ix_sync_conflicts_record_uuid", "sync_conflicts", ["record_uuid"])
    op.create_table(
        "sync_base",
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("sender_org", sa.String(64), nullable=False),
        sa.Column("rev", sa.Integer, nullable=False),
        sa.Column("epoch", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("uuid", name="pk_sync_base"),
    )


def downgrade() -> None:
    for table in (
        "sync_base",
        "sync_conflicts",
        "sync_quarantine",
        "sync_received",
        "sync_epochs",
        "sync_sent",
        "sync_peers",
        "sync_own_keys",
    ):
        op.drop_table(table)
