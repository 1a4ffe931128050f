"""Alembic environment: migrate the connection handed over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from mcp_workbench.store.tables import EventRow

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=EventRow.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
