"""Alembic environment: exodesk runs migrations itself, on a connection it hands over.

``exodesk.storage.migrate`` puts the open connection into ``config.attributes``; this file
never builds an engine of its own, so the same pragmas apply to migrations as to the app.
"""

from __future__ import annotations

from alembic import context

from exodesk.storage.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only a misconfigured call gets here
    raise RuntimeError("exodesk migrations run through exodesk.storage.migrate only")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
)
with context.begin_transaction():
    context.run_migrations()
