"""Paper copies sent again: before 0013 a cell kept the committee decisions it typed from
its paper copies at home (its bundles left them out) and its committee acknowledged those
bundles. Since then they travel up as reports (sync/reports.py), but only when changed.
A cell's live copies are marked changed once, so its next ordinary bundle carries them
(a replay of one the committee holds changes nothing there). Nothing else moves.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The steps only a committee decides, as they were at this revision (frozen history).
_COMMITTEE_STEPS = ("A9", "A10", "P4", "P5", "XOA_TEN")


def upgrade() -> None:
    conn = op.get_bind()
    meta = dict(conn.execute(sa.text("SELECT key, value FROM meta")).all())
    if meta.get("role") != "cell" or not meta.get("org_code"):
        return
    steps = sa.table(
        "steps",
        sa.column("owner", sa.String),
        sa.column("step_id", sa.String),
        sa.column("deleted", sa.Boolean),
        sa.column("change_seq", sa.Integer),
    )
    copies = (
        steps.c.owner == meta["org_code"],
        steps.c.step_id.in_(_COMMITTEE_STEPS),
        steps.c.deleted.is_(False),
    )
    if not conn.execute(sa.select(sa.func.count()).select_from(steps).where(*copies)).scalar():
        return
    seq = int(meta.get("change_seq", "0")) + 1  # a change of its own, as a write takes one
    conn.execute(sa.update(steps).where(*copies).values(change_seq=seq))
    conn.execute(
        sa.text("UPDATE meta SET value = :seq WHERE key = 'change_seq'"), {"seq": str(seq)}
    )


def downgrade() -> None:
    pass  # marked changed is right at any revision: at worst sent once more
