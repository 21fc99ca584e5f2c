"""The window's changes to the library, written without the window ever waiting.

A change the user makes (a tag, a star, a tag renamed) is written at once when the library
is free: the usual case, a few milliseconds. While an import or a sync of this process is
writing (an import holds its turn until it ends, which takes seconds for a large file),
the change is queued instead: a thread of its own writes the queued changes in the order
they were made as soon as the library's turn comes, and each change's ``done`` then runs on
the GUI thread, which refreshes the views as after an immediate write. A change made while
others wait is queued behind them, so changes are never written out of order. Another
program's lock on the library (``exodesk import`` in a terminal) queues a change too: the
window's writes do not wait for it (``Library.write_turn(wait=False)``), the queued ones do.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from exodesk.storage.errors import (
    LibraryBusyError,
    LibraryError,
    NotFoundError,
    WriteBusyError,
)
from exodesk.storage.library import Library

log = logging.getLogger(__name__)

#: How long (seconds) a queued change is tried again while another program holds the library
#: (each try waits SQLite's busy timeout); then it is reported as failed.
QUEUED_PATIENCE_S = 120.0

#: What a change may fail with that the user can act on (shown as a message; a
#: ``ConflictError`` is a ValueError); anything else is a bug.
USER_ERRORS: tuple[type[Exception], ...] = (LibraryError, NotFoundError, ValueError)


def waiting_text() -> str:
    """What a widget says of a change of its own that waits its turn."""
    return QCoreApplication.translate(
        "Writes", "Waiting for the running import or sync to save this…"
    )


@dataclass(frozen=True, slots=True)
class _Change:
    write: Callable[[], Any]
    done: Callable[[Any], None]
    failed: Callable[[Exception], None]


class Writes(QObject):
    """Writes the window's changes (see the module's docstring); one per window."""

    #: How many changes wait for the library's turn (0 once the last is written).
    waiting = Signal(int)
    _written = Signal(object, object)  # the change, its result
    _refused = Signal(object, object)  # the change, the error

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._queue: queue.SimpleQueue[_Change] = queue.SimpleQueue()
        self._pending = 0  # queued and not yet reported back (GUI thread only)
        self._unwritten = 0  # queued and not yet written (any thread, under the condition)
        self._written_all = threading.Condition()
        self._thread: threading.Thread | None = None
        self._written.connect(self._report_written)
        self._refused.connect(self._report_refused)

    def run(
        self,
        write: Callable[[], Any],
        done: Callable[[Any], None] = lambda _result: None,
        failed: Callable[[Exception], None] = lambda _error: None,
    ) -> bool:
        """Write one change: ``write`` does it (all its writes in one turn); ``done`` gets
        its result, or ``failed`` one of USER_ERRORS. Returns True when it was written at
        once, False when it waits its turn."""
        change = _Change(write, done, failed)
        if self._pending == 0:
            try:
                with self._library.write_turn(wait=False):
                    result = write()
            except WriteBusyError:
                pass  # an import or a sync is writing: wait behind it, below
            except USER_ERRORS as error:
                failed(error)
                return True
            else:
                done(result)
                return True
        self._pending += 1
        with self._written_all:
            self._unwritten += 1
        self._start_thread()
        self._queue.put(change)
        self.waiting.emit(self._pending)
        return False

    def pending(self) -> int:
        return self._pending

    def wait(self, timeout_s: float | None = None) -> bool:
        """Until every queued change is written (closing the window), or ``timeout_s``
        has passed (then False: a change still waits, behind a write that does not end)."""
        with self._written_all:
            done = self._written_all.wait_for(lambda: self._unwritten == 0, timeout_s)
        if not done:
            log.warning("%d change(s) to the library still wait for their turn", self._unwritten)
        return done

    def _start_thread(self) -> None:
        if self._thread is None:  # one thread, for the window's life: changes stay in order
            self._thread = threading.Thread(
                target=self._write_queued, name="exodesk-writes", daemon=True
            )
            self._thread.start()

    def _write_queued(self) -> None:
        while True:
            change = self._queue.get()
            self._write_one(change)
            with self._written_all:
                self._unwritten -= 1
                self._written_all.notify_all()

    def _write_one(self, change: _Change) -> None:
        deadline = time.monotonic() + QUEUED_PATIENCE_S
        while True:
            turn = None
            try:
                # Waits for the import or sync to end: an import holds the turn throughout.
                with self._library.write_turn(forever=True) as turn:
                    result = change.write()
            except LibraryBusyError as error:
                # Another program holds the library (each try waited the busy timeout):
                # tried again while nothing of the change is written, for a while.
                if turn is not None and not turn.committed and time.monotonic() < deadline:
                    continue
                self._refused.emit(change, error)
            except USER_ERRORS as error:
                self._refused.emit(change, error)
            except Exception as error:  # a bug: logged, and the change reported as failed
                log.exception("a queued change to the library failed")
                self._refused.emit(change, error)
            else:
                self._written.emit(change, result)
            return

    def _report_written(self, change: _Change, result: Any) -> None:
        self._pending -= 1
        change.done(result)
        self.waiting.emit(self._pending)

    def _report_refused(self, change: _Change, error: Exception) -> None:
        self._pending -= 1
        change.failed(error)
        self.waiting.emit(self._pending)
