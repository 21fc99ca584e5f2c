"""File > Import, File > Export, files dropped on the window, and Copy Citation."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from exodesk.exporter import collect_entries, export_text, write_file
from exodesk.importer import ImportReport, import_files
from exodesk.storage.importing import ImportCancelled
from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.tasks import Task, TaskContext, TaskPanel
from exodesk.ui.transfer_dialogs import ExportChoice, ExportDialog, ImportDialog

STYLE_SETTING = "citation/style"
KEY_PATTERN_SETTING = "citation/keyPattern"
#: Between two refreshes after an import (see ``TransferController._in_turns``).
TURN_DELAY_MS = 1


def citation_style() -> str:
    value = QSettings().value(STYLE_SETTING, "apa")
    return str(value) if value else "apa"


def key_pattern() -> str:
    """The preference, or the default when the stored pattern is unusable (a hand-edited
    settings file must not make every import and sync fail)."""
    from exodesk.ui.preferences import KEY_PATTERN, read_option

    return str(read_option(KEY_PATTERN))


class TransferController(QObject):
    """Owns the import/export actions and runs their work as background tasks."""

    #: Emitted with the report when an import finished (also after a partial failure).
    imported = Signal(object)
    #: Emitted with the path when an export was written.
    exported = Signal(str)
    #: Emitted with a message for the user when something could not be done.
    failed = Signal(str)

    def __init__(
        self,
        library: Library,
        events: LibraryEvents,
        panel: TaskPanel,
        selected_ids: Callable[[], list[int]],
        current_search: Callable[[], str],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._events = events
        self._panel = panel
        self._selected_ids = selected_ids
        self._current_search = current_search
        self._parent = parent
        #: Whether to show dialogs (report, errors); tests switch it off and read signals.
        self.interactive = True
        self.import_action = self._action("&Import…", "Ctrl+Shift+I", self.ask_import)
        self.export_action = self._action("&Export…", "Ctrl+E", self.ask_export)
        self.copy_citation_action = self._action(
            "Copy &Citation", "Ctrl+Shift+C", self.copy_citation
        )
        self.failed.connect(self._show_failure)

    def _action(self, text: str, shortcut: str, slot: Callable[[], object]) -> QAction:
        action = QAction(self.tr(text), self._parent)
        action.setShortcut(QKeySequence(shortcut))
        name = "".join(ch for ch in text.replace("&", "").title() if ch.isalnum())
        action.setObjectName("action" + name)
        action.triggered.connect(lambda _checked=False: slot())
        self._parent.addAction(action)
        return action

    def busy(self) -> bool:
        return self._panel.current() is not None

    # -- import ------------------------------------------------------------------------------
    def ask_import(self, paths: Sequence[Path] = ()) -> ImportDialog:
        dialog = ImportDialog(list(paths), self._parent)
        dialog.accepted.connect(
            lambda: self.start_import(dialog.paths(), cites_review=dialog.cites_review())
        )
        dialog.open()
        return dialog

    def start_import(self, paths: Sequence[Path], *, cites_review: bool) -> Task | None:
        if not paths:
            return None
        if self.busy():
            self.failed.emit(self.tr("Another import or export is still running."))
            return None
        files = [Path(p) for p in paths]
        pattern = key_pattern()

        def work(context: TaskContext) -> ImportReport:
            return import_files(
                self._library,
                files,
                cites_review=cites_review,
                key_pattern=pattern,
                progress=context.progress,
                should_cancel=context.should_cancel,
            )

        task = Task(
            self.tr("Importing {n} file(s)…").replace("{n}", str(len(files))),
            work,
            cancel_exceptions=(ImportCancelled,),
            parent=self,
        )
        task.succeeded.connect(self._import_done)
        task.failed.connect(lambda error: self.failed.emit(str(error)))
        task.cancelled.connect(
            lambda: self._events.status_message.emit(
                self.tr("Import cancelled; the library is unchanged.")
            )
        )
        self._panel.start(task)
        return task

    def _import_done(self, report: ImportReport) -> None:
        """Refresh the views, then report. Each refresh in its own turn of the event loop:
        after a large import each reads the library for tens of milliseconds, and run
        back to back they would keep the window from repainting for all of that time."""
        steps: list[Callable[[], object]] = []
        if report.added or report.merged:
            # The sidebar's counts and tags and the table's rows are all read again.
            steps.append(self._events.works_added_or_removed.emit)
        if report.merged:
            # The added works came with the reload above: only the merged ones changed.
            steps.append(lambda: self._events.works_changed.emit(report.merged_ids()))
        steps.append(lambda: self._report_import(report))
        self._in_turns(steps)

    def _in_turns(self, steps: Sequence[Callable[[], object]]) -> None:
        """Run the steps in order, each in a turn of the event loop of its own (timers that
        came due meanwhile, repaints among them, run in between); none after this
        controller is gone.

        Each step is a timer due a millisecond after the last ended: Qt runs a zero-delay
        single shot as a posted call, ahead of every timer that came due, so the steps ran
        back to back (47 ms without a repaint after a 100,000-record import)."""
        if not steps:
            return
        first, rest = steps[0], steps[1:]

        def run() -> None:
            first()
            self._in_turns(rest)

        QTimer.singleShot(TURN_DELAY_MS, self, run)

    def _report_import(self, report: ImportReport) -> None:
        self._events.status_message.emit(self.tr("Import: ") + report.summary())
        self.imported.emit(report)
        if self.interactive:
            box = QMessageBox(
                QMessageBox.Icon.Information, self.tr("Import"), report.summary(),
                parent=self._parent,
            )  # fmt: skip
            if report.details():
                box.setDetailedText("\n".join(report.details()))
            box.open()

    # -- export ------------------------------------------------------------------------------
    def ask_export(self) -> ExportDialog:
        dialog = ExportDialog(
            self._library,
            has_selection=bool(self._selected_ids()),
            search=self._current_search(),
            style=citation_style(),
            parent=self._parent,
        )
        dialog.chosen.connect(self.start_export)
        dialog.open()
        return dialog

    def start_export(self, choice: ExportChoice) -> Task | None:
        if self.busy():
            self.failed.emit(self.tr("Another import or export is still running."))
            return None
        scope = choice.scope(self._selected_ids())
        pattern = key_pattern()

        def work(context: TaskContext) -> str:
            ids = scope.resolve(self._library)
            context.check_cancelled()
            text = export_text(
                self._library,
                ids,
                choice.format_name,
                style=choice.style,
                key_pattern=pattern,
                progress=context.progress,
                check=context.check_cancelled,
            )
            context.check_cancelled()
            write_file(text, choice.path)
            return str(choice.path)

        task = Task(self.tr("Exporting…"), work, parent=self)
        task.succeeded.connect(self._export_done)
        task.failed.connect(lambda error: self.failed.emit(self._export_error(error)))
        self._panel.start(task)
        return task

    def _export_error(self, error: BaseException) -> str:
        if isinstance(error, OSError):
            return self.tr("Could not write the file: {}").format(error.strerror or error)
        return str(error)

    def _export_done(self, path: str) -> None:
        self._events.status_message.emit(self.tr("Exported to {}").format(path))
        self.exported.emit(path)

    # -- clipboard ---------------------------------------------------------------------------
    def copy_citation(self, style: str | None = None) -> str | None:
        """Put the selected works, formatted in the chosen style, on the clipboard as rich
        and plain text; returns the plain text."""
        ids = self._selected_ids()
        if not ids:
            return None
        from exodesk.formats.bibliography import StyleError, format_entries

        entries = collect_entries(self._library, ids, key_pattern=key_pattern(), store_keys=False)
        try:
            formatted = [
                item
                for item in format_entries(entries, style or citation_style())
                if item.plain.strip()
            ]
        except StyleError as error:
            self.failed.emit(str(error))
            return None
        plain = "\n".join(item.plain for item in formatted)
        mime = QMimeData()
        mime.setText(plain)
        mime.setHtml("".join(f"<p>{item.html}</p>" for item in formatted))
        # The clipboard owns the data from here on; keeping a Python reference to it
        # would have both sides delete it at exit.
        QGuiApplication.clipboard().setMimeData(mime)
        del mime
        self._events.status_message.emit(self.tr("Copied {n} citation(s)").replace(
            "{n}", str(len(formatted))))  # fmt: skip
        return plain

    def _show_failure(self, message: str) -> None:
        if self.interactive:
            box = QMessageBox(
                QMessageBox.Icon.Warning, "exodesk", f"<p>{html.escape(message)}</p>",
                parent=self._parent,
            )  # fmt: skip
            box.open()


def dropped_paths(mime: Any) -> list[Path]:
    """Local files in a drop; anything else (web links, text) is ignored."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
