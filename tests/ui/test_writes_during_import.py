"""Changes made in the window while an import writes the library: the window never waits
for the import (its transaction holds the library's write turn until it ends); the
changes wait for it, in order, and the views show them once they are written."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from older_library import keys_taken_away
from paused_import import PausedImport
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPlainTextEdit
from shiboken6 import isValid
from tag_chip_view import chip_labels, tag_field

from exodesk.core.query import Scope, WorkQuery
from exodesk.core.records import WorkRecord
from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.main_window import MainWindow
from exodesk.ui.notes_editor import SAVE_DELAY_MS


@pytest.fixture
def window(qtbot, library: Library) -> Iterator[MainWindow]:
    win = MainWindow(library, LibraryEvents(), restore=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: not win.works_model.loading)
    yield win


def sidebar_labels(win: MainWindow) -> list[str]:
    model = win.sidebar_model
    return [model.index(row).data() for row in range(model.rowCount())]


def written_after(qtbot, win: MainWindow, running: PausedImport) -> None:
    """Let the paused import end, then wait until the window's queued changes are written."""
    running.resume()
    qtbot.waitUntil(lambda: win.writes.pending() == 0, timeout=5000)


def select_row(qtbot, win: MainWindow, row: int) -> int:
    rect = win.table.visualRect(win.works_model.index(row, 1))
    qtbot.mouseClick(win.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    [work_id] = win.selected_work_ids()
    return work_id


def test_a_star_waits_for_the_import_and_then_shows(
    qtbot, window: MainWindow, library: Library
) -> None:
    work_id = select_row(qtbot, window, 0)
    with PausedImport(library) as running:
        window.work_actions.toggle_star.trigger()
        # The action returned while the import still holds the library: it did not wait.
        assert running.paused.is_set() and running.outcome is None
        assert not library.get_work(work_id).starred
        assert window.writes.pending() == 1
        assert "1 change waits for the running import" in window.statusBar().currentMessage()
        running.resume()
        qtbot.waitUntil(lambda: library.get_work(work_id).starred, timeout=5000)
        qtbot.waitUntil(lambda: window.writes.pending() == 0, timeout=5000)
    assert running.outcome is not None and len(running.outcome.added) == 250
    row = window.works_model.rows_of({work_id})
    qtbot.waitUntil(lambda: window.works_model.index(row[0], 0).data().startswith("★ "))
    assert window.statusBar().currentMessage() == "Changes saved"


def test_a_star_toggled_again_while_it_waits_is_undone_not_repeated(
    qtbot, window: MainWindow, library: Library
) -> None:
    """The table shows the stored star until the import ends: each toggle goes from the
    star the last one set, as if it had been written."""
    work_id = select_row(qtbot, window, 2)
    with PausedImport(library) as running:
        window.work_actions.toggle_star.trigger()  # star
        window.work_actions.toggle_star.trigger()  # unstar
        assert window.writes.pending() == 2
        written_after(qtbot, window, running)
    assert not library.get_work(work_id).starred
    with PausedImport(library) as running:
        for _ in range(3):  # star, unstar, star
            window.work_actions.toggle_star.trigger()
        written_after(qtbot, window, running)
    assert library.get_work(work_id).starred
    # Written: the next toggle reads the stored star again.
    window.work_actions.toggle_star.trigger()
    assert not library.get_work(work_id).starred


def test_changes_made_meanwhile_are_written_in_the_order_made(
    qtbot, window: MainWindow, library: Library
) -> None:
    work_id = select_row(qtbot, window, 1)
    chips = window.detail_pane.tag_chips
    with PausedImport(library) as running:
        window.work_actions.toggle_star.trigger()  # star...
        assert chips.add_tag("Read next")
        window.work_actions.mark_read.trigger()
        written_after(qtbot, window, running)
    work = library.get_work(work_id)
    assert work.starred and work.is_read and [tag.name for tag in work.tags] == ["Read next"]
    qtbot.waitUntil(lambda: chip_labels(chips) == ["Read next"])
    # Marked unread, then read again while both wait: the later change wins.
    with PausedImport(library) as running:
        window.work_actions.mark_unread.trigger()
        window.work_actions.mark_read.trigger()
        window.work_actions.mark_unread.trigger()
        assert window.writes.pending() == 3
        written_after(qtbot, window, running)
    assert not library.get_work(work_id).is_read


def test_a_tag_typed_meanwhile_is_saved_after_the_import(
    qtbot, window: MainWindow, library: Library
) -> None:
    work_id = select_row(qtbot, window, 2)
    chips = window.detail_pane.tag_chips
    field = tag_field(chips)
    with PausedImport(library) as running:
        qtbot.keyClicks(field, "Methods")
        qtbot.keyClick(field, Qt.Key.Key_Return)
        assert field.text() == ""
        assert "Waiting for the running import" in chips.status_text()
        assert library.find_tag("Methods") is None
        running.resume()
        qtbot.waitUntil(lambda: library.find_tag("Methods") is not None, timeout=5000)
    assert [tag.name for tag in library.get_work(work_id).tags] == ["Methods"]
    qtbot.waitUntil(lambda: chips.status_text() == "")
    assert chip_labels(chips) == ["Methods"]


def test_a_note_typed_meanwhile_is_saved_after_the_import(
    qtbot, window: MainWindow, library: Library
) -> None:
    work_id = select_row(qtbot, window, 0)
    editor = window.detail_pane.notes_editor
    edit = editor.findChild(QPlainTextEdit, "noteEdit")
    with PausedImport(library) as running:
        qtbot.keyClicks(edit, "Compare with the 2021 cohort")
        qtbot.waitUntil(
            lambda: "Waiting for the running import" in editor.status_text(),
            timeout=SAVE_DELAY_MS * 4,
        )
        assert library.list_notes(work_id) == [] and editor.has_unsaved()
        running.resume()
        qtbot.waitUntil(lambda: editor.status_text() == "Saved", timeout=SAVE_DELAY_MS * 6)
    assert [note.body for note in library.list_notes(work_id)] == ["Compare with the 2021 cohort"]
    assert not editor.has_unsaved()


def test_a_tag_renamed_meanwhile_is_renamed_after_the_import(
    qtbot, window: MainWindow, library: Library
) -> None:
    ids = list(library.query_work_ids(WorkQuery()))
    library.tag_works("drafts", ids[:2])
    window.events.tags_changed.emit()
    dialog = window.open_tag_manager()
    qtbot.addWidget(dialog)
    dialog.tag_list.item(0).setSelected(True)
    with PausedImport(library) as running:
        dialog.rename_selected("Drafts 2026")
        assert "Waiting for the running import" in dialog.message.text()
        assert library.find_tag("Drafts 2026") is None
        running.resume()
        qtbot.waitUntil(lambda: library.find_tag("Drafts 2026") is not None, timeout=5000)
    qtbot.waitUntil(lambda: dialog.tag_list.item(0).text().startswith("Drafts 2026"))
    assert dialog.message.text() == ""


def test_a_tag_renamed_in_a_dialog_closed_meanwhile_still_reaches_the_sidebar(
    qtbot, window: MainWindow, library: Library
) -> None:
    ids = list(library.query_work_ids(WorkQuery()))
    library.tag_works("to check", ids[:1])
    window.events.tags_changed.emit()
    dialog = window.open_tag_manager()
    dialog.tag_list.item(0).setSelected(True)
    with PausedImport(library) as running:
        dialog.rename_selected("Checked")
        dialog.close()  # deleted on close, before the change is written
        qtbot.waitUntil(lambda: not isValid(dialog))
        written_after(qtbot, window, running)
    assert library.find_tag("Checked") is not None
    qtbot.waitUntil(lambda: "Checked  (1)" in sidebar_labels(window))


def test_closing_the_window_writes_the_changes_still_waiting(
    qtbot, window: MainWindow, library: Library
) -> None:
    work_id = select_row(qtbot, window, 3)
    with PausedImport(library) as running:
        window.work_actions.mark_read.trigger()
        assert not library.get_work(work_id).is_read
        running.resume()  # the import ends as the window closes: the change is not lost
        window.close()
    assert library.get_work(work_id).is_read


def test_waiting_for_the_queued_changes_can_give_up(
    qtbot, window: MainWindow, library: Library
) -> None:
    work_id = select_row(qtbot, window, 4)
    with PausedImport(library) as running:
        window.work_actions.toggle_star.trigger()
        assert not window.writes.wait(0.2)  # the import still writes: the change waits on
        assert not library.get_work(work_id).starred
        window.work_actions.mark_read.trigger()  # queued after the wait gave up: kept too
        running.resume()
        assert window.writes.wait(10)
    work = library.get_work(work_id)
    assert work.starred and work.is_read


def test_copying_a_citation_meanwhile_neither_waits_nor_writes(
    qtbot, window: MainWindow, library: Library
) -> None:
    keyless = library.add_work(WorkRecord(title="Exosomes in saliva", year=2023))
    keys_taken_away(library, [keyless])
    assert window.select_sidebar_key(("filter", Scope.UNREAD))  # a new work is unread
    qtbot.waitUntil(lambda: bool(window.works_model.rows_of({keyless})))
    window.table.selectRow(window.works_model.rows_of({keyless})[0])
    with PausedImport(library) as running:
        text = window.transfer.copy_citation("apa")
        assert running.outcome is None  # the import was still writing
    assert text is not None and "Exosomes in saliva" in text
    assert "Exosomes in saliva" in QGuiApplication.clipboard().text()
    assert library.entries_of([keyless])[keyless].key == ""  # no key was stored


def test_a_star_set_while_another_program_writes_waits_for_it(
    qtbot, window: MainWindow, library: Library, library_path: Path
) -> None:
    work_id = select_row(qtbot, window, 2)
    other = sqlite3.connect(library_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. `exodesk import` in a terminal
    try:
        window.work_actions.toggle_star.trigger()  # returns at once: queued
        assert window.writes.pending() == 1
        assert not library.get_work(work_id).starred
    finally:
        other.execute("ROLLBACK")
        other.close()
    qtbot.waitUntil(lambda: window.writes.pending() == 0, timeout=10_000)
    assert library.get_work(work_id).starred
