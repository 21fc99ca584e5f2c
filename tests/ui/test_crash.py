"""Uncaught exceptions: logged with a traceback, explained in a dialog that offers the log.

pytest-qt normally turns an exception in a slot into a test failure through its own
``sys.excepthook``; these tests opt out (``qt_no_exception_capture``) so that exodesk's hook
is the one that runs, as in the real application.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from exodesk.logging_setup import BACKUP_COUNT, LOG_FILE, configure_logging, reset_logging
from exodesk.storage.errors import LibraryBusyError
from exodesk.ui.crash import MAX_DIALOGS, CrashDialog, CrashHandler, install_crash_handler

pytestmark = pytest.mark.qt_no_exception_capture


@pytest.fixture
def log_path(tmp_path: Path) -> Iterator[Path]:
    path = configure_logging(tmp_path / "logs")
    yield path
    reset_logging()


@pytest.fixture
def handler(qapp: QApplication, log_path: Path) -> Iterator[CrashHandler]:
    installed = install_crash_handler(qapp, log_path, lambda: None)
    yield installed
    installed.uninstall()
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, CrashDialog):
            widget.close()
    installed.deleteLater()


def crash_dialogs() -> list[CrashDialog]:
    return [
        widget
        for widget in QApplication.topLevelWidgets()
        if isinstance(widget, CrashDialog) and widget.isVisible()
    ]


def flushed_log(path: Path) -> str:
    for log_handler in logging.getLogger().handlers:
        log_handler.flush()
    return path.read_text(encoding="utf-8")


class Faulty(QPushButton):
    def __init__(self, error: BaseException) -> None:
        super().__init__("Do it")
        self.error = error
        self.clicked.connect(self.do_it)

    def do_it(self) -> None:
        raise self.error


def test_an_exception_in_a_slot_shows_the_dialog_and_logs_the_traceback(
    qtbot, handler: CrashHandler, log_path: Path, opened_urls: list[str]
) -> None:
    button = Faulty(ZeroDivisionError("the <b>denominator</b> was zero"))
    qtbot.addWidget(button)
    button.show()
    with qtbot.waitSignal(handler.dialog_shown, timeout=5000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    [dialog] = crash_dialogs()
    message = dialog.message.text()
    assert "exodesk hit an unexpected error" in message
    assert "the <b>denominator</b> was zero" in message  # shown as plain text
    assert "Your library is safe" in message and "own transaction" in message
    assert "bug" in message

    # The traceback is in the collapsible details and in the log file.
    assert not dialog.details.isVisible()
    qtbot.mouseClick(dialog.details_button, Qt.MouseButton.LeftButton)
    assert dialog.details.isVisible()
    details = dialog.details.toPlainText()
    assert "Traceback (most recent call last)" in details and "in do_it" in details
    log_text = flushed_log(log_path)
    assert "uncaught exception" in log_text
    assert "ZeroDivisionError: the <b>denominator</b> was zero" in log_text
    assert "in do_it" in log_text

    qtbot.mouseClick(dialog.open_log_button, Qt.MouseButton.LeftButton)
    assert opened_urls == [log_path.as_uri()]

    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not crash_dialogs())


def test_a_timer_slot_and_a_worker_thread_are_covered_too(
    qtbot, handler: CrashHandler, log_path: Path
) -> None:
    def fail() -> None:
        raise KeyError("from a timer")

    with qtbot.waitSignal(handler.dialog_shown, timeout=5000):
        QTimer.singleShot(0, fail)
    # A second error while the dialog is open joins it instead of opening another.
    worker = threading.Thread(target=fail, name="sync-worker")
    worker.start()
    worker.join()
    [dialog] = crash_dialogs()
    qtbot.waitUntil(lambda: dialog.error_count == 2)
    assert "2 errors" in dialog.count_label.text()
    assert flushed_log(log_path).count("KeyError: 'from a timer'") == 2
    assert "thread sync-worker" in flushed_log(log_path)


def test_environment_errors_get_a_friendlier_message(qtbot, handler: CrashHandler) -> None:
    error = LibraryBusyError("The library /data/library.sqlite is in use by another program.")
    button = Faulty(error)
    qtbot.addWidget(button)
    with qtbot.waitSignal(handler.dialog_shown, timeout=5000) as shown:
        button.click()
    dialog = shown.args[0]
    message = dialog.message.text()
    assert "is in use by another program" in message
    assert "Your library is safe" in message
    assert "bug" not in message.lower()
    assert "Problem with the Library" in dialog.windowTitle()


def test_no_recursion_and_no_pile_of_dialogs(qtbot, handler: CrashHandler) -> None:
    # The dialog itself failing to build must not report itself forever.
    def broken_dialog(*_args: object) -> None:
        raise RuntimeError("cannot build the dialog")

    original = CrashDialog.__init__
    CrashDialog.__init__ = broken_dialog  # type: ignore[method-assign,assignment]
    try:
        QTimer.singleShot(0, lambda: 1 / 0)
        qtbot.wait(50)
    finally:
        CrashDialog.__init__ = original  # type: ignore[method-assign]
    assert handler.dialog is None and not crash_dialogs()

    # Many errors, each after the previous dialog was closed: at most MAX_DIALOGS appear.
    shown: list[QWidget] = []
    handler.dialog_shown.connect(shown.append)
    for _ in range(MAX_DIALOGS + 3):
        QTimer.singleShot(0, lambda: 1 / 0)
        qtbot.wait(10)
        for dialog in crash_dialogs():
            dialog.close()
    assert handler.dialogs_shown == MAX_DIALOGS
    assert len(shown) <= MAX_DIALOGS


def test_uninstall_restores_the_previous_hooks(qapp, log_path: Path) -> None:
    import sys

    before, thread_before = sys.excepthook, threading.excepthook
    installed = install_crash_handler(qapp, log_path)
    assert sys.excepthook == installed.excepthook
    installed.uninstall()
    assert sys.excepthook is before and threading.excepthook is thread_before
    installed.deleteLater()


def test_the_log_file_rotates(tmp_path: Path, monkeypatch) -> None:
    import exodesk.logging_setup as logging_setup

    monkeypatch.setattr(logging_setup, "MAX_BYTES", 2_000)
    path = configure_logging(tmp_path / "rotating")
    # A second call replaces the handler instead of adding one: no line is written twice.
    assert configure_logging(tmp_path / "rotating") == path
    try:
        logger = logging.getLogger("exodesk.test.rotation")
        logger.info("first line")
        for number in range(200):
            logger.info("line %03d %s", number, "x" * 40)
    finally:
        reset_logging()
    assert path.name == LOG_FILE
    backups = sorted(path.parent.glob(LOG_FILE + ".*"))
    assert len(backups) == BACKUP_COUNT
    assert all(backup.stat().st_size <= 2_000 for backup in [path, *backups])
    text = path.read_text(encoding="utf-8")
    assert "line 199" in text and text.count("line 199") == 1


def test_an_unusable_log_folder_does_not_stop_the_program(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    try:
        path = configure_logging(blocker / "logs")  # a folder inside a file: cannot exist
        logging.getLogger("exodesk.test").warning("still logged api_key=abcdef123456")
    finally:
        reset_logging()
    assert path == blocker / "logs" / LOG_FILE
    err = capsys.readouterr().err
    assert "cannot write the log file" in err
    assert "still logged api_key=***" in err
