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


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Leave the FTS5 table and its shadow tables to the hand-written DDL."""
    return not (type_ == "table" and name is not None and name.startswith("works_fts"))


# No render_as_batch: batch mode rebuilds a table by dropping it, and with foreign keys on
# dropping ``works`` cascades into every table that refers to it. Write ADD COLUMN steps.
context.configure(connection=connection, target_metadata=Base.metadata, include_name=include_name)
with context.begin_transaction():
    context.run_migrations()
