"""Sync in the window: F5, a responsive window, Cancel, offline, suggestions, log, add."""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QPushButton

from exodesk.storage.library import Library
from exodesk.sync.config import SyncConfig
from exodesk.ui.events import LibraryEvents
from exodesk.ui.main_window import MainWindow
from exodesk.ui.sync_dialogs import AddByIdentifierDialog, SyncLogDialog
from exodesk.ui.transfer import KEY_PATTERN_SETTING


@pytest.fixture
def make_window(qtbot, library: Library) -> Iterator:
    windows: list[MainWindow] = []

    def build(config: SyncConfig) -> MainWindow:
        win = MainWindow(library, LibraryEvents(), restore=False, sync_config=lambda: config)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow)  # shortcuts go to the active window only
        windows.append(win)
        return win

    yield build
    for win in windows:
        running = win.sync_panel.current()
        if running is not None:
            running.cancel()
            running.wait(5000)


def sidebar_labels(win: MainWindow) -> list[str]:
    model = win.sidebar_model
    return [model.index(r).data() for r in range(model.rowCount())]


def test_f5_syncs_in_the_background_and_the_views_follow(
    qtbot, make_window, upstream, library: Library
) -> None:
    win = make_window(upstream.config())
    with qtbot.waitSignal(win.sync.finished, timeout=20_000) as done:
        qtbot.keyClick(win, Qt.Key.Key_F5)
        assert win.sync_panel.isVisible()
    assert done.args[0].status == "completed"
    assert "New since last sync  (2)" in sidebar_labels(win)
    qtbot.waitUntil(lambda: win.works_model.rowCount() == 7)
    titles = [win.works_model.index(r, 0).data() for r in range(7)]
    assert "[title not yet known]" not in titles
    assert "Synthetic citing article one (test fixture)" in " ".join(titles)


def test_the_window_stays_responsive_and_cancel_stops_within_a_second(
    qtbot, make_window, upstream, library: Library
) -> None:
    upstream.delay = 0.4  # a slow service
    win = make_window(upstream.config())
    ticks: list[float] = []
    heartbeat = QTimer(interval=10)
    heartbeat.timeout.connect(lambda: ticks.append(time.monotonic()))
    heartbeat.start()
    task = win.sync.start()
    assert task is not None
    qtbot.wait(1200)
    running_ticks = list(ticks)
    started = time.monotonic()
    with qtbot.waitSignal(task.finished, timeout=3000):
        win.sync_panel.cancel_button.click()
    stopped_after = time.monotonic() - started
    heartbeat.stop()
    assert stopped_after < 1.0
    gaps = [b - a for a, b in itertools.pairwise(running_ticks)]
    assert len(running_ticks) > 40 and max(gaps) < 0.2  # the event loop kept turning
    assert library.sync_runs()[0]["status"] == "cancelled"
    for work_id in library.query_work_ids(win.works_model.query()):
        work = library.get_work(work_id)
        assert work.needs_metadata == (work.title == "")


def test_offline_says_so_in_the_status_bar_and_retries_later(
    qtbot, make_window, library: Library
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/"
    win = make_window(SyncConfig(eutils_url=base, crossref_url=base, europepmc_url=base))
    messages: list[str] = []
    win.events.status_message.connect(messages.append)
    with qtbot.waitSignal(win.sync.finished, timeout=20_000):
        win.sync.sync_action.trigger()
    assert messages[-1] == "Offline, will retry"
    assert win.sync.timer.isActive()


@pytest.mark.parametrize(
    ("stored", "key"),
    [
        ("s{year}", "s2025"),
        # A hand-edited settings file must not make the sync fail: the default is used.
        ("{nonsense}", "synthetic2025synthetic"),
    ],
)
def test_a_sync_keys_the_works_it_finds_with_the_preferred_pattern(
    qtbot, make_window, upstream, library: Library, stored: str, key: str
) -> None:
    QSettings().setValue(KEY_PATTERN_SETTING, stored)
    win = make_window(upstream.config())
    with qtbot.waitSignal(win.sync.finished, timeout=20_000):
        win.sync.sync_action.trigger()
    assert win.sync.last_report.status == "completed"
    work_id = library.find_work_id(pmid="40222222")
    assert work_id is not None
    assert library.entries_of([work_id])[work_id].key == key


def test_upstream_disagreement_is_shown_with_accept(
    qtbot, make_window, upstream, library: Library
) -> None:
    work_id = library.find_work_id(pmid="39857679")
    assert work_id is not None
    library.update_fields(work_id, {"title": "Title I typed"})
    win = make_window(upstream.config())
    with qtbot.waitSignal(win.sync.finished, timeout=20_000):
        win.sync.start()
    win.select_rows([win.works_model.row_of(work_id)])  # type: ignore[list-item]
    box = win.detail_pane.suggestions
    assert box.isVisible() and box.fields() == ["title"]
    accept = box.findChild(QPushButton, "accept:title")
    qtbot.mouseClick(accept, Qt.MouseButton.LeftButton)
    assert library.get_work(work_id).title == "Synthetic title for PMID 39857679 (test fixture)"
    assert library.suggestions(work_id) == {}


def test_sync_log_lists_runs(qtbot, make_window, upstream, library: Library) -> None:
    win = make_window(upstream.config())
    with qtbot.waitSignal(win.sync.finished, timeout=20_000):
        win.sync.start()
    dialog = win.sync.show_log()
    assert isinstance(dialog, SyncLogDialog)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 2).text() == "completed"
    assert dialog.table.item(0, 3).text() == "2"


def test_add_by_identifier_dialog(qtbot, make_window, upstream, library: Library) -> None:
    win = make_window(upstream.config())
    dialog = win.sync.ask_add()
    assert isinstance(dialog, AddByIdentifierDialog)
    dialog.items.setPlainText("40222222\n")
    dialog.cites.setChecked(True)
    QSettings().setValue(KEY_PATTERN_SETTING, "x{year}")
    with qtbot.waitSignal(win.sync.added, timeout=20_000):
        dialog.accept()
    work_id = library.find_work_id(pmid="40222222")
    assert work_id is not None
    assert library.sidebar_counts().citing == 6
    # Keyed when added, with the pattern of the preferences: a stored key comes back as is.
    year = library.get_work(work_id).record.year
    assert library.assign_citation_keys([work_id], lambda _record: "later") == {
        work_id: f"x{year or ''}"
    }


def test_unusable_settings_give_a_message_not_a_crash(qtbot, library: Library, monkeypatch) -> None:
    monkeypatch.setenv("EXODESK_EUTILS_URL", "ftp://example.org/")
    win = MainWindow(library, LibraryEvents(), restore=False)
    qtbot.addWidget(win)
    messages: list[str] = []
    win.events.status_message.connect(messages.append)
    assert win.sync.start() is None
    assert messages and messages[0].startswith("Sync settings: ")


def test_the_schedule_follows_the_settings(qtbot, library: Library) -> None:
    from PySide6.QtCore import QSettings

    win = MainWindow(library, LibraryEvents(), restore=False)
    qtbot.addWidget(win)
    win.sync.schedule()
    assert win.sync.timer.isActive() and win.sync.timer.interval() == 6 * 3600 * 1000
    QSettings().setValue("sync/intervalHours", "1.5")
    win.sync.schedule()
    assert win.sync.timer.interval() == 90 * 60 * 1000
    win.sync.timer.stop()
    QSettings().setValue("sync/enabled", "false")
    win.sync.schedule()
    assert not win.sync.timer.isActive()
