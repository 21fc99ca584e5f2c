"""Engine set-up: one place that decides how exodesk talks to SQLite.

Every connection gets WAL (readers never block the writer), foreign keys (SQLite leaves them
off by default) and a busy timeout (a second writer waits instead of failing at once).
pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN is the one
that counts; write transactions use BEGIN IMMEDIATE so that two writers queue up on the
lock instead of deadlocking when both try to upgrade a read lock.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event

BUSY_TIMEOUT_MS = 5000
#: Execution option that marks a connection whose transactions write.
WRITE_OPTION = "exodesk_write"


def sqlite_url(path: Path) -> URL:
    """The URL of the library file at ``path``, built from its parts: a URL string would
    end its file name at a "?" (the start of a query), and open another file."""
    return URL.create("sqlite+pysqlite", database=str(path))


def create_library_engine(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    engine = create_engine(
        sqlite_url(path),
        connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
    )
    _install_sqlite_listeners(engine, busy_timeout_ms)
    return engine


def _install_sqlite_listeners(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # autocommit at the driver; we BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            # Searches gather their matches in a temporary table (fts.collect_hits).
            cursor.execute("PRAGMA temp_store = MEMORY")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
