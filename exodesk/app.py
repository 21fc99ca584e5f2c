"""Composition root: builds the library, the event hub and the main window, and runs Qt."""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from exodesk import APP_ID, APP_NAME, __version__
from exodesk.core.citekeys import DEFAULT_PATTERN
from exodesk.default_library import ensure_default_library
from exodesk.icons import app_icon
from exodesk.storage.errors import LibraryError
from exodesk.storage.library import Library
from exodesk.storage.migrate import UpgradeProgress

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from exodesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

SCREENSHOT_SIZE = (1360, 820)
#: The first sync starts shortly after the window is up, so start-up stays quick.
STARTUP_SYNC_DELAY_MS = 3000


#: The interpreter's thread switch interval while the window runs (see ``_application``).
GUI_SWITCH_INTERVAL_S = 0.001


def _application() -> QApplication:
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = (
        existing
        if isinstance(existing, QApplication)
        else QApplication([sys.argv[0] if sys.argv else APP_NAME])
    )
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    # Wayland and macOS take the icon from the desktop file or bundle; X11 and Windows
    # title bars and task bars need it set on the application.
    app.setWindowIcon(app_icon())
    # Worker threads (imports, sync, the table's id loader) run Python too. A thread waiting
    # for the interpreter lock gets it after the switch interval, and the window's thread
    # waits again for each call into Python while it paints: at the default 5 ms a paint
    # can take 100 ms. 1 ms keeps the window fluid for a little more switching.
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    if existing is None:
        from exodesk.ui.translations import install_translations

        install_translations(app)  # parented to the app, so they live as long as it
    return app


def open_library(
    path: Path, key_pattern: str = DEFAULT_PATTERN, progress: UpgradeProgress | None = None
) -> Library:
    """The library at ``path``, upgraded if need be (keyless works get keys of
    ``key_pattern``; ``progress`` hears how the upgrade goes), holding the embedded default
    library when it was empty."""
    library = Library.open(path, key_pattern=key_pattern, upgrade_progress=progress)
    try:
        ensure_default_library(library)
    except BaseException:
        library.close()
        raise
    return library


def build_main_window(library: Library, *, restore: bool = True) -> MainWindow:
    from exodesk.ui.events import LibraryEvents
    from exodesk.ui.main_window import MainWindow

    events = LibraryEvents()
    window = MainWindow(library, events, restore=restore)
    events.setParent(window)
    return window


def run_gui(library_path: Path, screenshot: Path | None = None, files: Sequence[Path] = ()) -> int:
    """Open the main window on ``library_path``; with ``screenshot``, save a PNG and exit.

    When exodesk already runs on this library, ``files`` go to that window and this process
    exits 0 without opening the library: one library, one writer.
    """
    from PySide6.QtWidgets import QMessageBox

    from exodesk.logging_setup import configure_logging
    from exodesk.paths import log_dir
    from exodesk.single_instance import Claim, InstanceGuard, bring_to_front, instance_key
    from exodesk.ui.crash import install_crash_handler
    from exodesk.ui.preferences import API_KEY, KEY_PATTERN, THEME, read_option
    from exodesk.ui.theme import apply_theme

    log_path = configure_logging(
        log_dir(), stderr_level=logging.WARNING, secrets=[os.environ.get("EXODESK_NCBI_API_KEY")]
    )
    app = _application()
    share_the_gil()
    window: MainWindow | None = None
    crash = install_crash_handler(app, log_path, lambda: window)
    guard: InstanceGuard | None = None
    if screenshot is None:
        guard = InstanceGuard(instance_key(library_path), app)
        claim = guard.claim([str(name) for name in files])
        if claim is Claim.HANDED_OVER:
            return 0
        if claim is Claim.BUSY:
            message = app.translate(
                "app", "exodesk is already open with {path} but does not respond."
            ).format(path=library_path)
            print(f"exodesk: error: {message}", file=sys.stderr)
            QMessageBox.warning(None, APP_NAME, message)
            return 1
    log.info("exodesk %s starting on %s", __version__, library_path)
    read_option(API_KEY)  # registers a stored key with the log's redaction
    # A screenshot shows the default look, not the one this user picked.
    apply_theme(app, "system" if screenshot is not None else read_option(THEME))
    from exodesk.ui.upgrade import open_showing_upgrade

    # Launches that hand files over while the library opens (an upgrade can take a while)
    # are answered by the event loop the upgrade dialog turns; their files wait here.
    handed_over: list[list[str]] = []
    if guard is not None:
        guard.files_received.connect(handed_over.append)
    try:
        pattern = str(read_option(KEY_PATTERN))
        library = open_showing_upgrade(
            library_path, lambda path, progress: open_library(path, pattern, progress)
        )
    except LibraryError as error:
        log.error("cannot open library: %s", error)
        print(f"exodesk: error: {error}", file=sys.stderr)
        if screenshot is None:
            QMessageBox.critical(None, APP_NAME, str(error))
        return 1
    # A screenshot shows the default layout, not the one this user last left.
    window = build_main_window(library, restore=screenshot is None)
    try:
        if screenshot is not None:
            return save_screenshot(app, window, Path(screenshot))
        if guard is not None:
            shown = window
            guard.files_received.disconnect(handed_over.append)
            guard.activation_requested.connect(lambda: bring_to_front(shown))
            guard.files_received.connect(
                lambda names: shown.transfer.ask_import([Path(name) for name in names])
            )
        from exodesk.ui.file_open import FileOpenForwarder

        app.installEventFilter(FileOpenForwarder(window.transfer.ask_import, window))
        window.show()
        settle_heap()
        window.sync.schedule(STARTUP_SYNC_DELAY_MS)
        # One import dialog for this launch's files and those handed over meanwhile.
        waiting = [*files, *(Path(name) for names in handed_over for name in names)]
        if waiting:
            window.transfer.ask_import(waiting)
        return int(app.exec())
    finally:
        if guard is not None:
            guard.close()  # before the library closes: later launches start afresh
        crash.uninstall()
        library.close()


#: How long a thread keeps the GIL once another thread asks for it (CPython's default: 5 ms).
GIL_SWITCH_INTERVAL_S = 0.001


def share_the_gil() -> None:
    """Make threads hand the GIL to the window's thread within a millisecond.

    The works table's loader reads ids through SQLite, which releases the GIL for each row
    and takes it back at once; the window's thread, waking up for it a moment too late,
    waited up to CPython's 5 ms switch interval again and again. After a 100,000-record
    import the table's first paint took 27-30 ms while the loader ran (13 ms without it),
    and 14-18 ms with this interval."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


def settle_heap() -> None:
    """Leave what exists once the window is up (modules, classes, Qt wrappers, the window)
    out of every later cyclic garbage collection.

    A full collection walks every tracked object with the GIL held, whichever thread runs
    it; after a 100,000-record import one took 52 ms on the importing thread, and the
    window did not respond meanwhile. These objects live as long as the process, so no
    collection would free them; cycles among them that become garbage later are never
    freed (none are known)."""
    gc.freeze()


def save_screenshot(app: QApplication, window: MainWindow, path: Path) -> int:
    """Render the main window as a user first sees it, with the first article selected."""
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    if window.works_model.rowCount():
        window.select_rows([0])
    for _ in range(5):
        app.processEvents()
    ok = window.grab().save(str(path))
    window.close()
    if not ok:
        print(f"exodesk: error: could not write the screenshot to {path}", file=sys.stderr)
        return 1
    return 0
