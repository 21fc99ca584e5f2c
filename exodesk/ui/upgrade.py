"""Opening a library an older exodesk made: a dialog says so while it is upgraded.

Opening such a library migrates it (``exodesk.storage.migrate``) after copying it aside.
That is a moment for a small library, but tens of seconds for one of a million works (the
copy, and migrations that rewrite every row, as 0009 does). Without a window meanwhile
exodesk would seem not to start, and a second launch would find this one not answering; so
the opening runs on a thread while a busy dialog names the file and the event loop turns.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from exodesk.storage.migrate import needs_upgrade
from exodesk.ui.tasks import Task

_Opened = TypeVar("_Opened")


def open_showing_upgrade(
    path: Path, opener: Callable[[Path], _Opened], parent: QWidget | None = None
) -> _Opened:
    """``opener(path)``; when the library needs upgrading, on a thread behind a dialog.
    What ``opener`` raises is raised here, on the caller's thread."""
    if not needs_upgrade(path):
        return opener(path)
    dialog = upgrade_dialog(path, parent)
    outcome: dict[str, object] = {}
    task = Task(dialog.labelText(), lambda _context: opener(path))
    loop = QEventLoop()
    task.succeeded.connect(lambda opened: outcome.setdefault("opened", opened))
    task.failed.connect(lambda error: outcome.setdefault("error", error))
    # Queued from the task's thread: delivered inside loop.exec() even if it finishes first.
    task.finished.connect(loop.quit)
    dialog.show()
    task.start()
    loop.exec()
    task.wait()
    dialog.close()
    dialog.deleteLater()
    error = outcome.get("error")
    if isinstance(error, BaseException):
        raise error
    return outcome["opened"]  # type: ignore[return-value]


def upgrade_dialog(path: Path, parent: QWidget | None = None) -> QProgressDialog:
    dialog = QProgressDialog(parent)
    dialog.setObjectName("upgradeDialog")
    dialog.setWindowTitle("exodesk")
    dialog.setLabelText(
        QCoreApplication.translate(
            "upgrade",
            "Upgrading the library {name} for this version of exodesk…\n"
            "A copy of it as it was is kept in the same folder.",
        ).format(name=path.name)
    )
    dialog.setRange(0, 0)  # busy: a migration reports no progress
    # No Cancel: the library cannot be opened half upgraded (the upgrade is one transaction).
    dialog.setCancelButton(None)  # type: ignore[arg-type]
    dialog.setMinimumDuration(0)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    return dialog
