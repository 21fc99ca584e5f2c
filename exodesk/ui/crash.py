"""Uncaught exceptions: logged with their traceback and explained in a dialog.

PySide calls ``sys.excepthook`` for an exception that escapes a slot and then carries on, so
without a hook the error would only reach a terminal the user never sees. The hook
installed here logs the traceback (the log file rotates under the platform's log folder)
and shows a :class:`CrashDialog` that offers that log file.

Two kinds of errors are told apart, as the storage layer promises (``storage/errors.py``):
errors of the environment (the library file is locked, read-only, damaged; the disk is
full) get a message saying what to check; anything else is a bug and says so. Either way
the library is consistent, since every change is committed in its own transaction.

The dialog is built on the GUI thread only: exceptions from other threads arrive through a
queued signal. While a dialog is open, further errors are added to it instead of stacking
new windows, and after :data:`MAX_DIALOGS` dialogs errors are only logged.
"""

from __future__ import annotations

import errno
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from exodesk.logging_setup import redact
from exodesk.storage.errors import LibraryError

__all__ = ["MAX_DIALOGS", "CrashDialog", "CrashHandler", "install_crash_handler"]

log = logging.getLogger(__name__)

#: After this many dialogs in one session, errors go to the log only.
MAX_DIALOGS = 5
#: OSErrors that are about the machine, not about exodesk.
ENVIRONMENT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}
)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def is_environment_error(error: BaseException) -> bool:
    """True for errors the user can act on (library unusable, disk full, no permission)."""
    if isinstance(error, LibraryError):
        return True
    return isinstance(error, OSError) and error.errno in ENVIRONMENT_ERRNOS


class CrashDialog(QDialog):
    """Says what happened, shows the traceback on request and offers the log file."""

    def __init__(
        self,
        error: BaseException,
        details: str,
        log_path: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.log_path = Path(log_path)
        self.error_count = 1
        environment = is_environment_error(error)
        self.setWindowTitle(
            self.tr("exodesk: Problem with the Library")
            if environment
            else self.tr("exodesk: Unexpected Error")
        )

        icon = QLabel()
        icon.setObjectName("crashIcon")
        style_icon = (
            QStyle.StandardPixmap.SP_MessageBoxWarning
            if environment
            else QStyle.StandardPixmap.SP_MessageBoxCritical
        )
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize, None, self)
        # Rendered at the screen's device pixel ratio, so it stays crisp on HiDPI screens.
        icon.setPixmap(
            self.style()
            .standardIcon(style_icon)
            .pixmap(QSize(size, size), self.devicePixelRatioF())
        )
        icon.setAccessibleName(self.tr("Error"))

        self.message = QLabel()
        self.message.setObjectName("crashMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # error text may contain "<"
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setText(self._message(error, environment))
        self.message.setAccessibleName(self.tr("Error message"))

        self.count_label = QLabel()
        self.count_label.setObjectName("crashCount")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setVisible(False)

        self.details = QPlainTextEdit()
        self.details.setObjectName("crashDetails")
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setPlainText(details)
        self.details.setAccessibleName(self.tr("Error details"))
        self.details.setMinimumHeight(180)
        self.details.setVisible(False)

        self.details_button = QPushButton(self.tr("Show &Details"))
        self.details_button.setObjectName("crashShowDetails")
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._toggle_details)
        self.open_log_button = QPushButton(self.tr("&Open Log File"))
        self.open_log_button.setObjectName("crashOpenLog")
        self.open_log_button.setToolTip(str(self.log_path))
        self.open_log_button.clicked.connect(self.open_log)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.details_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.open_log_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setObjectName("crashClose")
        self.close_button.setDefault(True)
        self.buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.addWidget(self.message)
        text.addWidget(self.count_label)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.close_button.setFocus()

    def _message(self, error: BaseException, environment: bool) -> str:
        safe = self.tr(
            "Your library is safe: every change is saved in its own transaction, so nothing "
            "is half-written."
        )
        if environment:
            return "\n\n".join(
                (
                    self.tr("exodesk could not finish what it was doing:"),
                    redact(str(error)) or type(error).__name__,
                    safe,
                    self.tr(
                        "Check that the disk has free space and that the library file can be "
                        "written, then try again."
                    ),
                )
            )
        return "\n\n".join(
            (
                self.tr("exodesk hit an unexpected error: {error}").format(
                    error=redact(str(error)) or type(error).__name__
                ),
                safe,
                self.tr(
                    "This is a bug in exodesk. The log file holds the details; please attach "
                    "it when you report the problem. You can keep working."
                ),
            )
        )

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText(self.tr("Hide &Details") if shown else self.tr("Show &Details"))
        self.adjustSize()

    def add_error(self, details: str) -> None:
        """Another error while this dialog is open: its traceback joins the details."""
        self.error_count += 1
        self.details.appendPlainText("\n" + "-" * 40 + "\n" + details)
        self.count_label.setText(
            self.tr("{n} errors happened; all are in the details and the log.").format(
                n=self.error_count
            )
        )
        self.count_label.setVisible(True)

    def open_log(self) -> bool:
        """Open the log file in the desktop's viewer (a local file exodesk wrote itself)."""
        target = self.log_path if self.log_path.exists() else self.log_path.parent
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))


class CrashHandler(QObject):
    """Owns the hooks; :func:`install_crash_handler` makes and installs one."""

    #: (exception, redacted traceback text), delivered queued to the GUI thread.
    _report = Signal(object, str)
    #: The dialog that was opened (for tests and for the window to know).
    dialog_shown = Signal(object)

    def __init__(
        self,
        app: QApplication,
        log_path: Path,
        parent_getter: Callable[[], QWidget | None] = lambda: None,
    ) -> None:
        super().__init__(app)
        self.log_path = Path(log_path)
        self._parent_getter = parent_getter
        self.dialog: CrashDialog | None = None
        self.dialogs_shown = 0
        self._showing = False
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._report.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        """Put back the hooks that were there before :meth:`install`."""
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._previous_hook
        if threading.excepthook == self.thread_excepthook:
            threading.excepthook = self._previous_thread_hook

    # -- hooks (any thread) -------------------------------------------------------------------
    def excepthook(
        self,
        exc_type: type[BaseException],
        exc_value: BaseException,
        exc_traceback: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt | SystemExit):
            # Ctrl+C in a terminal, or an explicit exit: not a crash.
            self._previous_hook(exc_type, exc_value, exc_traceback)
            return
        self.report((exc_type, exc_value, exc_traceback), threading.current_thread().name)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        thread = args.thread.name if args.thread is not None else "?"
        self.report((args.exc_type, args.exc_value, args.exc_traceback), thread)

    def report(self, exc_info: ExcInfo, thread: str = "") -> None:
        """Log ``exc_info`` and have the GUI thread show (or extend) the dialog."""
        try:
            log.critical("uncaught exception in thread %s", thread, exc_info=exc_info)
            details = redact("".join(traceback.format_exception(*exc_info)))
        except Exception:  # the log itself failed (disk full?): the dialog still tells
            details = "".join(traceback.format_exception(*exc_info))
        if self._showing and threading.current_thread() is threading.main_thread():
            # Building the dialog raised: showing another one would loop forever.
            return
        self._report.emit(exc_info[1], details)

    # -- GUI thread ---------------------------------------------------------------------------
    def _show(self, error: BaseException, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add_error(details)
            return
        if self.dialogs_shown >= MAX_DIALOGS:
            return
        # Anything raised while the dialog is built or shown (even from an event handled
        # during show()) is logged here, never reported again: that would loop.
        self._showing = True
        try:
            dialog = CrashDialog(error, details, self.log_path, self._parent())
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(self._forget)
            self.dialog = dialog
            self.dialogs_shown += 1
            # open(), not exec(): no nested event loop inside whatever just failed; modal to
            # the window, so the user reads it before going on.
            dialog.open()
            self.dialog_shown.emit(dialog)
        except Exception:
            log.exception("could not show the error dialog")
        finally:
            self._showing = False

    def _forget(self) -> None:
        self.dialog = None

    def _parent(self) -> QWidget | None:
        try:
            parent = self._parent_getter()
        except Exception:  # the window is what broke; an unparented dialog still shows
            return None
        return parent if isinstance(parent, QWidget) and parent.isVisible() else None


def install_crash_handler(
    app: QApplication,
    log_path: Path,
    parent_getter: Callable[[], QWidget | None] = lambda: None,
) -> CrashHandler:
    """Log every uncaught exception (GUI and worker threads) and explain it in a dialog.

    ``parent_getter`` returns the window to centre the dialog on (or None). Returns the
    handler; :meth:`CrashHandler.uninstall` restores the previous hooks.
    """
    handler = CrashHandler(app, log_path, parent_getter)
    handler.install()
    return handler
