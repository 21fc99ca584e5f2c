"""Shared fixtures: a fresh temporary library per test, and a clean Qt environment."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt reads these when the first QApplication starts, so set them at import time: offscreen
# rendering (no display needed) and private runtime/config folders so that no test touches
# the real user folders.
_RUNTIME = tempfile.mkdtemp(prefix="exodesk-xdg-runtime-")
os.chmod(_RUNTIME, 0o700)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_RUNTIME_DIR"] = _RUNTIME
_HOME = tempfile.mkdtemp(prefix="exodesk-home-")
for _name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_name] = os.path.join(_HOME, _name.lower())
os.environ.setdefault("LANG", "C.UTF-8")
os.environ.pop("EXODESK_LIBRARY", None)

from exodesk.default_library import load_seed  # noqa: E402
from exodesk.storage.library import Library  # noqa: E402


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    return tmp_path / "library.sqlite"


@pytest.fixture
def empty_library(library_path: Path) -> Iterator[Library]:
    library = Library.open(library_path)
    yield library
    library.close()


@pytest.fixture
def library(empty_library: Library) -> Library:
    """A fresh library holding the embedded default: the review and its 5 citing articles."""
    load_seed(empty_library)
    return empty_library


@pytest.fixture(autouse=True)
def _isolated_qsettings(tmp_path: Path) -> Iterator[None]:
    """Every test gets its own QSettings store (INI files under tmp_path)."""
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("exodesk-tests")
    QCoreApplication.setApplicationName("exodesk-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    yield


@pytest.fixture
def opened_urls(qapp: object) -> Iterator[list[str]]:
    """Every URL exodesk hands to QDesktopServices.openUrl, instead of a real browser."""
    from PySide6.QtCore import QObject, QUrl, Slot
    from PySide6.QtGui import QDesktopServices

    class Recorder(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.urls: list[str] = []

        @Slot(QUrl)
        def record(self, url: QUrl) -> None:
            self.urls.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))

    recorder = Recorder()
    for scheme in ("https", "http", "file", "javascript"):
        QDesktopServices.setUrlHandler(scheme, recorder, "record")
    yield recorder.urls
    for scheme in ("https", "http", "file", "javascript"):
        QDesktopServices.unsetUrlHandler(scheme)


@pytest.fixture(autouse=True)
def _empty_clipboard_after_test() -> Iterator[None]:
    """Qt's offscreen platform crashes at exit when the clipboard still holds QMimeData
    (seen with PySide6 6.12 and 6.11; xcb is fine), so every test leaves the clipboard empty."""
    yield
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is not None:
        QGuiApplication.clipboard().clear()


@pytest.fixture
def upstream(httpserver: object):  # type: ignore[no-untyped-def]
    """PubMed, Crossref and Europe PMC stand-ins on 127.0.0.1 (see tests/upstream.py)."""
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    from upstream import Upstream

    return Upstream(httpserver).install()


@pytest.fixture
def transfer_window(qtbot, library: Library):  # type: ignore[no-untyped-def]
    """A shown main window whose imports and exports ask nothing (no dialogs); a task still
    running at the end is cancelled and awaited."""
    from exodesk.ui.events import LibraryEvents
    from exodesk.ui.main_window import MainWindow

    win = MainWindow(library, LibraryEvents(), restore=False)
    win.transfer.interactive = False
    qtbot.addWidget(win)
    win.show()
    yield win
    running = win.task_panel.current()
    if running is not None:
        running.cancel()
        running.wait(5000)
