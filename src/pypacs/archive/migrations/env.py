"""Alembic environment: runs migrations on the connection pypacs hands over (never reads a URL itself)."""

from alembic import context

from pypacs.archive.index import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through pypacs (pypacs.archive.index.migrate), not the alembic CLI")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
