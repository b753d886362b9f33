"""Alembic environment: always run on a connection handed over by khdesk.core.store.migrate."""

from alembic import context

from khdesk.core.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
)
with context.begin_transaction():
    context.run_migrations()
