"""Search index refill: files and members added one at a time (the new-file dialog,
`khdesk candidate add`) never reached the SQLite search index before the fix that made
every insert go through `bulk_insert`; `list --search` could not find them. Their rows
are indexed now. (On PostgreSQL the search text is a generated column: nothing to do.)

Revision ID: 0009
Revises: 0008
"""

from alembic import op

from khdesk.core.store.engine import SEARCHABLE

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, expr in SEARCHABLE.items():
        op.execute(
            f"INSERT INTO {table}_fts(rowid, doc) SELECT id, {expr.format(r=table)} "
            f"FROM {table} WHERE NOT deleted AND id NOT IN (SELECT rowid FROM {table}_fts)"
        )


def downgrade() -> None:
    pass  # an index that holds every live row is right at any revision
