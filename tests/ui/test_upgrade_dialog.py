"""Opening a library an older exodesk made: a dialog names it while the upgrade runs on a
thread, and the window's event loop keeps turning."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic import command
from older_library import keyless_at_0010
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog

from exodesk.storage.errors import NewerSchemaError
from exodesk.storage.library import Library
from exodesk.storage.migrate import HEAD_REVISION, alembic_config, needs_upgrade
from exodesk.ui.upgrade import open_showing_upgrade


def _made_by_an_older_exodesk(library: Library) -> None:
    with library.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    library.close()


def _upgrade_dialogs() -> list[QProgressDialog]:
    return [
        widget
        for widget in QApplication.topLevelWidgets()
        if isinstance(widget, QProgressDialog)
        and widget.objectName() == "upgradeDialog"
        and widget.isVisible()
    ]


def test_only_a_library_at_another_revision_needs_upgrading(
    library: Library, library_path: Path, tmp_path: Path
) -> None:
    assert not needs_upgrade(library_path)  # current
    _made_by_an_older_exodesk(library)
    assert needs_upgrade(library_path)
    assert not needs_upgrade(tmp_path / "missing.sqlite")
    (tmp_path / "notes.txt").write_text("not a library")
    assert not needs_upgrade(tmp_path / "notes.txt")  # Library.open says what is wrong
    (tmp_path / "empty.sqlite").write_bytes(b"")
    assert not needs_upgrade(tmp_path / "empty.sqlite")
    # The file itself is asked, whatever characters its folder's name holds.
    odd = tmp_path / "lab ?1 #2 %41 é" / "library.sqlite"
    other = Library.open(odd)
    assert not needs_upgrade(odd)
    _made_by_an_older_exodesk(other)
    assert needs_upgrade(odd)


def test_an_old_library_opens_on_a_thread_behind_a_dialog_naming_it(
    qtbot, library: Library, library_path: Path
) -> None:
    _made_by_an_older_exodesk(library)
    release = threading.Event()
    seen: list[str] = []
    turns: list[int] = []

    def opener(path: Path) -> Library:
        # Held until the test has seen the dialog: the upgrade is under way meanwhile.
        seen.append(threading.current_thread().name)
        assert release.wait(10)
        return Library.open(path)

    def look() -> None:
        dialogs = _upgrade_dialogs()
        turns.append(len(dialogs))
        if dialogs:
            assert library_path.name in dialogs[0].labelText()
            release.set()

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(10)
    opened = open_showing_upgrade(library_path, opener)
    timer.stop()
    try:
        assert release.is_set() and turns  # the event loop turned while it opened
        assert seen and seen[0] != threading.main_thread().name
        assert opened.backup_path is not None
        with opened.engine.connect() as connection:
            revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            assert revision.scalar() == HEAD_REVISION
        assert opened.get_work(1) is not None
    finally:
        opened.close()
    qtbot.waitUntil(lambda: not _upgrade_dialogs())


def test_what_the_opening_raises_reaches_the_caller_and_the_dialog_goes(
    qtbot, library: Library, library_path: Path
) -> None:
    _made_by_an_older_exodesk(library)

    def opener(path: Path) -> Library:
        raise NewerSchemaError(f"{path} was written by a newer version of exodesk", path)

    with pytest.raises(NewerSchemaError, match="newer version"):
        open_showing_upgrade(library_path, opener)
    qtbot.waitUntil(lambda: not _upgrade_dialogs())


def test_a_current_library_opens_at_once_on_the_callers_thread(
    qtbot, library: Library, library_path: Path
) -> None:
    library.close()
    threads: list[threading.Thread] = []

    def opener(path: Path) -> Library:
        threads.append(threading.current_thread())
        assert not _upgrade_dialogs()
        return Library.open(path)

    opened = open_showing_upgrade(library_path, opener)
    opened.close()
    assert threads == [threading.main_thread()]


def test_the_window_upgrades_a_library_with_the_key_pattern_of_its_preferences(
    library: Library, library_path: Path, tmp_path: Path
) -> None:
    """``exodesk`` itself (a process of its own, as launched): works an older exodesk left
    without keys get them from the pattern in the preferences."""
    import os
    import sqlite3
    import subprocess
    import sys

    from PySide6.QtCore import QSettings

    library.close()
    keyless_at_0010(library_path)
    folders = {name: str(tmp_path / name.lower()) for name in (
        "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"
    )}  # fmt: skip
    settings = QSettings(
        str(Path(folders["XDG_CONFIG_HOME"]) / "exodesk" / "exodesk.conf"),
        QSettings.Format.IniFormat,
    )
    settings.setValue("citation/keyPattern", "{Auth}:{year}")
    settings.sync()
    done = subprocess.run(
        [sys.executable, "-m", "exodesk", "--library", str(library_path),
         "--screenshot", str(tmp_path / "shot.png")],
        env={**os.environ, **folders, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    connection = sqlite3.connect(library_path)
    try:
        keys = dict(connection.execute("SELECT pmid, citation_key FROM works"))
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        connection.close()
    assert revision == HEAD_REVISION
    assert keys["39886670"] == "Yan:2025"  # a citing article, by the preferences' pattern
    assert keys["39598465"] is None  # untitled: keyed when its metadata comes in
