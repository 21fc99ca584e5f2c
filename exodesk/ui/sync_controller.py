"""Sync in the window: Sync Now (F5), the schedule, the status bar, the log, Add by Identifier.

The run itself (``exodesk.syncing.SyncService``) happens on a worker thread; this class only
starts it, shows its progress and outcome, and tells the views what changed. A run that
reaches no service says "Offline, will retry" in the status bar and tries again later;
nothing else complains.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.tasks import Task, TaskContext, TaskPanel

INTERVAL_SETTING = "sync/intervalHours"
ENABLED_SETTING = "sync/enabled"
DEFAULT_INTERVAL_HOURS = 6.0
#: After an offline run, try again this soon rather than waiting for the schedule.
OFFLINE_RETRY_MS = 15 * 60 * 1000


EMAIL_SETTING = "sync/email"
API_KEY_SETTING = "sync/ncbiApiKey"


def default_sync_config() -> Any:
    """Service addresses and contact from the preferences, the environment filling gaps."""
    from exodesk.sync.config import SyncConfig

    settings = QSettings()
    return SyncConfig.from_environment(
        email=str(settings.value(EMAIL_SETTING, "") or ""),
        api_key=str(settings.value(API_KEY_SETTING, "") or ""),
    )


def sync_enabled() -> bool:
    return str(QSettings().value(ENABLED_SETTING, "true")).lower() in ("true", "1")


def sync_interval_ms() -> int:
    try:
        hours = float(QSettings().value(INTERVAL_SETTING, DEFAULT_INTERVAL_HOURS))
    except (TypeError, ValueError):
        hours = DEFAULT_INTERVAL_HOURS
    return int(max(hours, 0.25) * 3600 * 1000)


class SyncController(QObject):
    #: Work ids a running sync changed (emitted from the worker, delivered on the GUI thread).
    works_updated = Signal(list)
    #: The report (exodesk.syncing.SyncReport) of a finished or cancelled run.
    finished = Signal(object)
    #: (work ids, problems) after Add by Identifier.
    added = Signal(object)

    def __init__(
        self,
        library: Library,
        events: LibraryEvents,
        panel: TaskPanel,
        config_factory: Callable[[], Any],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._events = events
        self._panel = panel
        self._config_factory = config_factory
        self._parent = parent
        self.sync_action = QAction(self.tr("&Sync Now"), parent, objectName="actionSyncNow")
        self.sync_action.setShortcut(QKeySequence("F5"))
        self.sync_action.triggered.connect(lambda _checked=False: self.start())
        parent.addAction(self.sync_action)
        self.log_action = QAction(self.tr("Sync &Log…"), parent, objectName="actionSyncLog")
        self.log_action.triggered.connect(lambda _checked=False: self.show_log())
        self.add_action = QAction(
            self.tr("&Add by Identifier…"), parent, objectName="actionAddByIdentifier"
        )
        self.add_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.add_action.triggered.connect(lambda _checked=False: self.ask_add())
        parent.addAction(self.add_action)
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.start)
        self.works_updated.connect(self._events.works_changed)
        self.last_report: Any = None

    def _config(self) -> Any:
        """The sync settings, or None (with a message) when a preference is not usable."""
        try:
            return self._config_factory()
        except ValueError as error:
            self._events.status_message.emit(self.tr("Sync settings: {}").format(error))
            return None

    def running(self) -> Task | None:
        return self._panel.current()

    def schedule(self, delay_ms: int | None = None) -> None:
        """Run again after ``delay_ms`` (default: the configured interval), when enabled."""
        if sync_enabled():
            self.timer.start(sync_interval_ms() if delay_ms is None else delay_ms)

    def start(self) -> Task | None:
        if self.running() is not None:
            return None
        self.timer.stop()
        config = self._config()
        if config is None:
            return None

        from exodesk.ui.transfer import key_pattern

        pattern = key_pattern()

        def work(context: TaskContext) -> Any:
            from exodesk.syncing import SyncService

            def progress(step: str, done: int, total: int) -> None:
                context.progress(done, total)
                task.step.emit(f"{step} ({done} of {total})")

            service = SyncService(
                self._library,
                config,
                should_cancel=context.should_cancel,
                progress=progress,
                on_changed=self.works_updated.emit,
                key_pattern=pattern,
            )
            return service.run()

        task = SyncTask(self.tr("Syncing…"), work, parent=self)
        task.step.connect(self._panel.label.setText)
        task.succeeded.connect(self._done)
        task.failed.connect(self._failed)
        task.cancelled.connect(self._cancelled)
        self._panel.start(task)
        return task

    def _done(self, report: Any) -> None:
        self.last_report = report
        self._events.works_added_or_removed.emit()
        if report.status == "offline":
            self._events.status_message.emit(self.tr("Offline, will retry"))
            self.schedule(OFFLINE_RETRY_MS)
        else:
            self._events.status_message.emit(self.tr("Sync: ") + report.summary())
            self.schedule()
        self.finished.emit(report)

    def show_log(self) -> QWidget:
        return _show_log_dialog(self._library, self._parent)

    def ask_add(self) -> QWidget:
        from exodesk.ui.sync_dialogs import AddByIdentifierDialog

        dialog = AddByIdentifierDialog(self._parent)
        dialog.accepted.connect(
            lambda: self.add(dialog.identifiers(), cites_review=dialog.cites.isChecked())
        )
        dialog.open()
        return dialog

    def add(self, items: list[str], *, cites_review: bool) -> Task | None:
        """Fetch the works named by DOIs/PMIDs and add them, off the GUI thread."""
        if not items or self.running() is not None:
            return None
        config = self._config()
        if config is None:
            return None
        from exodesk.ui.transfer import key_pattern

        pattern = key_pattern()

        def work(_context: TaskContext) -> Any:
            from exodesk.syncing import add_by_identifiers

            return add_by_identifiers(
                self._library, items, config, cites_review=cites_review, key_pattern=pattern
            )

        task = SyncTask(self.tr("Adding {n} work(s)…").replace("{n}", str(len(items))), work,
                        parent=self)  # fmt: skip
        task.succeeded.connect(self._added)
        task.failed.connect(self._failed)
        self._panel.start(task)
        return task

    def _added(self, result: Any) -> None:
        ids, problems = result
        self._events.works_added_or_removed.emit()
        self._events.works_changed.emit(list(ids))
        message = self.tr("Added or updated {n} work(s)").replace("{n}", str(len(ids)))
        if problems:
            message += " · " + "; ".join(problems)
        self._events.status_message.emit(message)
        self.added.emit(result)

    def _cancelled(self) -> None:
        # Each work was merged in its own transaction: what finished is kept, the rest is
        # as it was. Show whatever did land.
        self._events.works_added_or_removed.emit()
        self._events.status_message.emit(self.tr("Sync cancelled"))
        self.schedule()
        self.finished.emit(None)

    def _failed(self, error: BaseException) -> None:
        self._events.status_message.emit(self.tr("Sync failed: {}").format(error))
        self.schedule()


def _show_log_dialog(library: Library, parent: QWidget) -> QWidget:
    from exodesk.ui.sync_dialogs import SyncLogDialog

    dialog = SyncLogDialog(library, parent)
    dialog.open()
    return dialog


class SyncTask(Task):
    #: "Filling in metadata from PubMed (3 of 12)": what the run is doing now.
    step = Signal(str)
