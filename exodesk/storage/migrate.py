"""Bring a library file to the current schema, safely.

Order of events when a library is opened:
1. read the stored Alembic revision without writing anything;
2. a revision this exodesk does not know means a newer exodesk wrote the file: refuse,
   untouched;
3. if the file has data and is behind, copy it aside (SQLite's online backup, which is
   consistent under WAL) before the first migration step;
4. upgrade to head in one transaction per step.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from exodesk.storage.errors import NewerSchemaError

SCRIPT_LOCATION = "exodesk.storage:migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "exodesk ships at least one migration"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def has_user_tables(connection: Connection) -> bool:
    row = connection.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).scalar_one()
    return bool(row)


def backup_file(path: Path, revision: str | None) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{revision or 'unversioned'}.{stamp}.bak")
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    return target


def upgrade_library(engine: Engine, path: Path | None) -> Path | None:
    """Migrate the library behind ``engine`` to head; return the backup made, if any."""
    script = ScriptDirectory.from_config(alembic_config())
    head = head_revision()
    with engine.connect() as connection:
        revision = current_revision(connection)
        populated = has_user_tables(connection)
    if revision == head:
        return None
    known = {rev.revision for rev in script.walk_revisions()}
    if revision is not None and revision not in known:
        raise NewerSchemaError(
            f"{path or 'The library'} was written by a newer version of exodesk "
            f"(schema {revision}); it has been left unchanged. Update exodesk to open it.",
            path,
        )
    backup = backup_file(path, revision) if (path is not None and populated) else None
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return backup
