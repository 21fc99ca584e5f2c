"""Long work (import, export, later sync) off the GUI thread, with progress and Cancel.

A ``Task`` runs a plain function on a ``QThread``. The function gets a ``TaskContext`` to
report progress and to ask whether the user cancelled; it returns a result or raises. The
outcome comes back to the GUI thread as a signal: ``succeeded(result)``, ``failed(error)``
or ``cancelled()``. No widget is touched off the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

log = logging.getLogger(__name__)


class TaskCancelled(Exception):
    """Raised inside a task function to stop it when the user cancelled."""


class TaskContext:
    def __init__(self, task: Task) -> None:
        self._task = task

    def progress(self, done: int, total: int) -> None:
        self._task.progressed.emit(int(done), int(total))

    def should_cancel(self) -> bool:
        return self._task.cancel_requested.is_set()

    def check_cancelled(self) -> None:
        if self.should_cancel():
            raise TaskCancelled


class Task(QThread):
    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    cancelled = Signal()

    def __init__(
        self,
        label: str,
        function: Callable[[TaskContext], Any],
        *,
        cancel_exceptions: tuple[type[BaseException], ...] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.label = label
        self._function = function
        self._cancel_exceptions = (TaskCancelled, *cancel_exceptions)
        self.cancel_requested = threading.Event()

    def cancel(self) -> None:
        self.cancel_requested.set()

    def run(self) -> None:
        try:
            result = self._function(TaskContext(self))
        except self._cancel_exceptions:
            self.cancelled.emit()
        except Exception as error:  # reported to the user by whoever started the task
            log.exception("task %r failed", self.label)
            self.failed.emit(error)
        else:
            if self.cancel_requested.is_set():
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)


class TaskPanel(QWidget):
    """The status bar's view of the running task: what, how far, and a Cancel button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taskPanel")
        self.label = QLabel(objectName="taskLabel")
        self.bar = QProgressBar(objectName="taskProgress")
        self.bar.setMaximumWidth(180)
        self.bar.setAccessibleName(self.tr("Progress"))
        self.cancel_button = QPushButton(self.tr("Cancel"), objectName="taskCancel")
        self.cancel_button.setAccessibleName(self.tr("Cancel the running task"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self._task: Task | None = None
        self.cancel_button.clicked.connect(self.cancel)
        self.hide()

    def current(self) -> Task | None:
        return self._task

    def start(self, task: Task) -> None:
        self._task = task
        self.label.setText(task.label)
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.cancel_button.setEnabled(True)
        task.progressed.connect(self._progress)
        task.finished.connect(self._done)
        self.show()
        task.start()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText(self.tr("Cancelling…"))

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))

    def _done(self) -> None:
        self._task = None
        self.hide()
