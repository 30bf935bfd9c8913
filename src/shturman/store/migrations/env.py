"""Alembic environment: runs on a connection handed in by Database.migrate()."""

from __future__ import annotations

from alembic import context

from shturman.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
