"""Bring a library file to the current schema, safely.

Order of events when a library is opened:
1. read the stored Alembic revision without writing anything;
2. a revision this exodesk does not know means a newer exodesk wrote the file: refuse,
   untouched;
3. if the file has data and is behind, copy it aside (SQLite's online backup, which is
   consistent under WAL) before the first migration step;
4. upgrade to head in one transaction per step.

Alembic is imported only when a file needs migrating: opening an up-to-date library (the
usual case) reads the stored revision with one query and compares it with
``HEAD_REVISION``, which a test keeps equal to the newest migration. That saves a tenth of
a second of imports on every start.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, exc

from exodesk.core.citekeys import DEFAULT_PATTERN, validate_pattern
from exodesk.storage.errors import NewerSchemaError

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "exodesk.storage:migrations"
#: The newest migration in ``migrations/versions`` (a test checks it).
HEAD_REVISION = "0011"
#: ``Config.attributes`` entry: the pattern of the citation keys an upgrade gives (0011).
KEY_PATTERN_ATTRIBUTE = "key_pattern"
#: ``Config.attributes`` entry: where a migration reports its progress (``UpgradeProgress``).
PROGRESS_ATTRIBUTE = "progress"
#: Steps of an upgrade that report their progress, with (done, total) in their own units.
BACKUP_STEP = "backup"  # pages of the file copied aside
KEYS_STEP = "keys"  # works given citation keys (0011)
#: ``progress(step, done, total)``: called on the upgrading thread.
UpgradeProgress = Callable[[str, int, int], None]
#: Pages the backup copies between two progress reports (100 MB of 4 KiB pages).
BACKUP_PAGES_PER_STEP = 25_600


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "exodesk ships at least one migration"
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _stored_revision(connection: Connection) -> str | None:
    """The revision stamped in the file, read without Alembic (None when there is none)."""
    try:
        rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except exc.OperationalError:  # no such table: a new or unversioned file
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def has_user_tables(connection: Connection) -> bool:
    row = connection.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).scalar_one()
    return bool(row)


def needs_upgrade(path: Path) -> bool:
    """Whether opening the library file at ``path`` will migrate it: it holds a revision
    other than ``HEAD_REVISION``. Read only, without Alembic; a file that cannot be read
    this way counts as not needing it (``Library.open`` reports what is wrong with it)."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return False
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            connection.close()
    except (OSError, sqlite3.Error):
        return False
    return len(rows) == 1 and rows[0][0] != HEAD_REVISION


def backup_file(path: Path, revision: str | None, progress: UpgradeProgress | None = None) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{revision or 'unversioned'}.{stamp}.bak")
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        try:
            if progress is None:
                source.backup(destination)
            else:
                source.backup(
                    destination,
                    pages=BACKUP_PAGES_PER_STEP,
                    progress=lambda _status, left, total: progress(
                        BACKUP_STEP, total - left, total
                    ),
                )
        finally:
            destination.close()
    finally:
        source.close()
    return target


def upgrade_library(
    engine: Engine,
    path: Path | None,
    *,
    key_pattern: str = DEFAULT_PATTERN,
    progress: UpgradeProgress | None = None,
) -> Path | None:
    """Migrate the library behind ``engine`` to head; return the backup made, if any.
    ``key_pattern`` makes the citation keys of works an upgrade keys (0011); a pattern
    that is no pattern raises ValueError before anything is copied or changed.
    ``progress`` hears of the long steps (``BACKUP_STEP``, ``KEYS_STEP``)."""
    validate_pattern(key_pattern)
    with engine.connect() as connection:
        if _stored_revision(connection) == HEAD_REVISION:
            return None
        revision = current_revision(connection)
        populated = has_user_tables(connection)
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    if revision == head_revision():
        return None
    known = {rev.revision for rev in script.walk_revisions()}
    if revision is not None and revision not in known:
        raise NewerSchemaError(
            f"{path or 'The library'} was written by a newer version of exodesk "
            f"(schema {revision}); it has been left unchanged. Update exodesk to open it.",
            path,
        )
    backup = backup_file(path, revision, progress) if (path is not None and populated) else None
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes[KEY_PATTERN_ATTRIBUTE] = key_pattern
        config.attributes[PROGRESS_ATTRIBUTE] = progress
        command.upgrade(config, "head")
    return backup
