"""Checkpoints after big writes, on a thread of their own.

In WAL mode a commit appends the changed pages to the ``-wal`` file; a checkpoint copies
them into the library file. SQLite runs one in the committing connection whenever the WAL
holds more than ``wal_autocheckpoint`` pages: after an import that is 30 MB per 5,000
works, about 70 ms the import would keep its user waiting for, after its rows are safely
committed. A big write turns that off for its own commit (``deferred_checkpoint``) and
leaves the copy to a thread with a connection of its own: a PASSIVE checkpoint, which
neither waits for nor blocks readers and writers. Releasing the GIL for the whole copy, it
costs the window nothing. Should it fail (the file locked), the next commit's automatic
checkpoint does the work, as it always did.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

#: SQLite's default: a commit checkpoints when the WAL holds more pages than this.
AUTOCHECKPOINT_PAGES = 1000


class BackgroundCheckpoints:
    """Checkpoints of one library file, each on a short-lived thread; ``join`` waits for them
    (before the library closes)."""

    def __init__(self, path: Path, busy_timeout_s: float) -> None:
        self._path = path
        self._busy_timeout_s = busy_timeout_s
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def deferred_checkpoint(self, dbapi_connection: sqlite3.Connection) -> Iterator[None]:
        """Commits inside leave the checkpoint to a thread, started when the block ends
        without an error."""
        dbapi_connection.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            yield
        finally:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
        self.start()

    def start(self) -> None:
        thread = threading.Thread(target=self._run, name="exodesk-checkpoint", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def join(self) -> None:
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join()

    def _run(self) -> None:
        try:
            with contextlib.closing(
                sqlite3.connect(self._path, timeout=self._busy_timeout_s)
            ) as connection:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:
            log.warning("checkpoint of %s left to the next commit: %s", self._path, error)
