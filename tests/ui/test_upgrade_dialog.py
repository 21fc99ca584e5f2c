"""Opening a library an older exodesk made: a dialog names it while the upgrade runs on a
thread, and the window's event loop keeps turning."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from older_library import keyless_at_0010
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog

from exodesk.storage.errors import NewerSchemaError
from exodesk.storage.library import Library
from exodesk.storage.migrate import (
    BACKUP_STEP,
    HEAD_REVISION,
    KEYS_STEP,
    UpgradeProgress,
    alembic_config,
    needs_upgrade,
)
from exodesk.ui.upgrade import open_showing_upgrade


def _made_by_an_older_exodesk(library: Library) -> None:
    with library.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    library.close()


def _open_looking(
    path: Path, opener: Callable[[Path, UpgradeProgress], Library], look: Callable[[], None]
) -> Library:
    """``open_showing_upgrade`` with ``look`` called every few milliseconds meanwhile, on
    the event loop the dialog turns."""
    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(5)
    try:
        return open_showing_upgrade(path, opener)
    finally:
        timer.stop()


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

    def opener(path: Path, _progress: UpgradeProgress) -> Library:
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

    opened = _open_looking(library_path, opener, look)
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

    def opener(path: Path, _progress: UpgradeProgress) -> Library:
        raise NewerSchemaError(f"{path} was written by a newer version of exodesk", path)

    with pytest.raises(NewerSchemaError, match="newer version"):
        open_showing_upgrade(library_path, opener)
    qtbot.waitUntil(lambda: not _upgrade_dialogs())


def test_a_current_library_opens_at_once_on_the_callers_thread(
    qtbot, library: Library, library_path: Path
) -> None:
    library.close()
    threads: list[threading.Thread] = []

    def opener(path: Path, _progress: UpgradeProgress) -> Library:
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


def test_the_dialog_shows_how_far_the_long_steps_are(
    qtbot, library: Library, library_path: Path
) -> None:
    """The copy and the keying say how far they are; between them, and after, the dialog
    is busy again (what follows reports nothing)."""
    _made_by_an_older_exodesk(library)
    reported = threading.Event()
    release = threading.Event()
    looks: list[tuple[str, int, int, int]] = []

    def opener(path: Path, progress: UpgradeProgress) -> Library:
        progress(BACKUP_STEP, 40, 100)
        progress(KEYS_STEP, 3_000, 12_500)
        reported.set()
        assert release.wait(10)
        progress(KEYS_STEP, 12_500, 12_500)
        return Library.open(path)

    def look() -> None:
        for dialog in _upgrade_dialogs():
            looks.append((dialog.labelText(), dialog.minimum(), dialog.maximum(), dialog.value()))
            if reported.is_set() and dialog.value() == 3_000:
                release.set()

    _open_looking(library_path, opener, look).close()
    assert release.is_set()
    keying = [entry for entry in looks if entry[2] == 12_500]
    assert keying and keying[-1][3] == 3_000
    assert keying[-1][0] == (
        f"Giving citation keys to the 12,500 works of {library_path.name} that have none…"
    )
    qtbot.waitUntil(lambda: not _upgrade_dialogs())


def test_a_real_upgrade_reports_its_copy_and_its_keys(
    library: Library, library_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exodesk.storage import citekeys, migrate

    library.close()
    keyless_at_0010(library_path)
    monkeypatch.setattr(citekeys, "KEYLESS_CHUNK", 2)
    monkeypatch.setattr(migrate, "BACKUP_PAGES_PER_STEP", 5)
    heard: list[tuple[str, int, int]] = []
    opened = Library.open(
        library_path, upgrade_progress=lambda step, done, total: heard.append((step, done, total))
    )
    opened.close()
    copy = [(done, total) for step, done, total in heard if step == BACKUP_STEP]
    keys = [(done, total) for step, done, total in heard if step == KEYS_STEP]
    assert len(copy) > 1 and copy[-1][0] == copy[-1][1] > 0  # page by page, to the end
    # The seed's four titled works, two at a time; its two untitled ones wait for metadata.
    assert keys == [(0, 4), (2, 4), (4, 4)]
