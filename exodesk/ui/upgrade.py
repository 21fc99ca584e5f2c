"""Opening a library an older exodesk made: a dialog says so while it is upgraded.

Opening such a library migrates it (``exodesk.storage.migrate``) after copying it aside.
That is a moment for a small library, but tens of seconds for one of a million works (the
copy, and migrations that rewrite every row, as 0009 does). Without a window meanwhile
exodesk would seem not to start, and a second launch would find this one not answering; so
the opening runs on a thread while a dialog names the file and the event loop turns. The
long steps (the copy, giving citation keys to the works of a library from before 0011) show
how far they are; the others show that the upgrade is busy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from exodesk.storage.migrate import BACKUP_STEP, KEYS_STEP, UpgradeProgress, needs_upgrade
from exodesk.ui.tasks import Task

_Opened = TypeVar("_Opened")


def _unheard(_step: str, _done: int, _total: int) -> None:
    """Progress of an opening that upgrades nothing: there is no dialog to tell."""


def open_showing_upgrade(
    path: Path, opener: Callable[[Path, UpgradeProgress], _Opened], parent: QWidget | None = None
) -> _Opened:
    """``opener(path, progress)``; when the library needs upgrading, on a thread behind a
    dialog, which ``progress(step, done, total)`` (``migrate.UpgradeProgress``) keeps up to
    date. What ``opener`` raises is raised here, on the caller's thread."""
    if not needs_upgrade(path):
        return opener(path, _unheard)
    dialog = upgrade_dialog(path, parent)
    steps = _UpgradeSteps(dialog, path)
    outcome: dict[str, object] = {}
    task = Task(dialog.labelText(), lambda _context: opener(path, steps.report.emit))
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


class _UpgradeSteps(QObject):
    """Shows the upgrade's long steps in its dialog: ``report`` is emitted on the opening
    thread and handled on the dialog's."""

    report = Signal(str, int, int)

    def __init__(self, dialog: QProgressDialog, path: Path) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self._busy_text = dialog.labelText()
        self._name = path.name
        self.report.connect(self._show)

    def _show(self, step: str, done: int, total: int) -> None:
        if total <= 0 or done >= total:
            # Finished: what follows (other migrations, the commit) reports nothing.
            self._dialog.setLabelText(self._busy_text)
            self._dialog.setRange(0, 0)
            return
        if step == BACKUP_STEP:
            text = QCoreApplication.translate(
                "upgrade", "Copying the library {name} aside before upgrading it…"
            ).format(name=self._name)
        elif step == KEYS_STEP:
            text = QCoreApplication.translate(
                "upgrade", "Giving citation keys to the {count} works of {name} that have none…"
            ).format(count=f"{total:,}", name=self._name)
        else:
            text = self._busy_text
        self._dialog.setLabelText(text)
        self._dialog.setRange(0, total)
        self._dialog.setValue(done)


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
    dialog.setRange(0, 0)  # busy, but while a step reports its progress (_UpgradeSteps)
    # No Cancel: the library cannot be opened half upgraded (the upgrade is one transaction).
    dialog.setCancelButton(None)  # type: ignore[arg-type]
    dialog.setMinimumDuration(0)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    return dialog
