"""The main window driven through its real widgets: sidebar, search, sort, actions, state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox, QPlainTextEdit

from exodesk.core.query import Scope, WorkQuery
from exodesk.core.records import WorkRecord
from exodesk.storage.library import Library
from exodesk.ui import works_model
from exodesk.ui.events import LibraryEvents
from exodesk.ui.main_window import MainWindow
from exodesk.ui.works_model import UNKNOWN_TITLE

REVIEW_TITLE = (
    "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy-Recent Findings "
    "from Molecular and Clinical Research"
)


@pytest.fixture
def window(qtbot, library: Library) -> Iterator[MainWindow]:
    win = MainWindow(library, LibraryEvents())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win


def table_titles(win: MainWindow) -> list[str]:
    model = win.works_model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def click_sidebar(qtbot, win: MainWindow, label_start: str) -> None:
    model = win.sidebar_model
    for row in range(model.rowCount()):
        if model.index(row).data().startswith(label_start):
            rect = win.sidebar.visualRect(model.index(row))
            qtbot.mouseClick(win.sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            return
    raise AssertionError(f"no sidebar entry {label_start!r}")


def select_rows(qtbot, win: MainWindow, rows: list[int]) -> None:
    """Click the first row, then Ctrl+click the others, like a user."""
    for number, row in enumerate(rows):
        rect = win.table.visualRect(win.works_model.index(row, 1))
        modifier = Qt.KeyboardModifier.ControlModifier if number else Qt.KeyboardModifier(0)
        qtbot.mouseClick(win.table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_new_rows_are_laid_out_before_the_first_paint(window: MainWindow, library: Library) -> None:
    review_id = library.tracked_review_id()
    assert review_id is not None and window.table.verticalScrollBar().maximum() == 0
    for number in range(80):
        library.add_citing_work(review_id, WorkRecord(title=f"Citing {number}"), "pubmed")
    window.events.works_added_or_removed.emit()
    # No event processed yet: the scroll bar already spans the rows, so the viewport is
    # painted once, at its final width.
    assert window.works_model.rowCount() == 85
    assert window.table.verticalScrollBar().maximum() > 0


def test_opens_on_the_citing_articles_with_the_review_banner(window: MainWindow) -> None:
    assert window.works_model.rowCount() == 5
    assert REVIEW_TITLE in window.banner.text()
    assert window.current_entry().scope is Scope.CITING  # type: ignore[union-attr]
    assert table_titles(window).count(UNKNOWN_TITLE) == 2
    assert "5 citing articles" in window.counts_label.text()
    assert window.path_label.text().endswith("library.sqlite")


def test_sidebar_entries_filter_the_table(qtbot, window: MainWindow) -> None:
    click_sidebar(qtbot, window, "Needs metadata")
    assert table_titles(window) == [UNKNOWN_TITLE, UNKNOWN_TITLE]
    click_sidebar(qtbot, window, "Starred")
    assert window.works_model.rowCount() == 0
    click_sidebar(qtbot, window, "Review summary")
    assert window.stack.currentWidget() is window.summary_view
    click_sidebar(qtbot, window, "Citing articles")
    assert window.stack.currentWidget() is window.works_panel
    assert window.works_model.rowCount() == 5


def test_search_filters_as_you_type_with_prefixes(qtbot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search.hasFocus()
    qtbot.keyClicks(window.search, "exo")
    qtbot.waitUntil(lambda: window.works_model.rowCount() == 3)
    assert all("exosom" in title.lower() for title in table_titles(window))
    qtbot.keyClicks(window.search, "somes cardiac")
    qtbot.waitUntil(lambda: window.works_model.rowCount() == 1)
    assert table_titles(window) == [
        "Mesenchymal stem cells derived exosomes: a new era in cardiac regeneration"
    ]
    window.search.clear()
    qtbot.waitUntil(lambda: window.works_model.rowCount() == 5)


def test_clicking_a_header_sorts(qtbot, window: MainWindow) -> None:
    header = window.table.horizontalHeader()
    x = header.sectionViewportPosition(5) + header.sectionSize(5) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    first = [window.works_model.index(r, 5).data() for r in range(5)]
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    second = [window.works_model.index(r, 5).data() for r in range(5)]
    assert sorted(first) in (first, second) and first == second[::-1]


def test_tag_selected_rows_in_bulk(qtbot, window: MainWindow, library: Library, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Must read", True))
    select_rows(qtbot, window, [0, 1, 3])
    assert len(window.selected_work_ids()) == 3
    selected = window.selected_work_ids()
    qtbot.keyClick(window.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    tag = library.find_tag("must read")
    assert tag is not None and tag.count == 3
    assert set(library.query_work_ids(WorkQuery(scope=Scope.TAG, tag_id=tag.id))) == set(selected)
    assert window.works_model.index(0, 6).data(Qt.ItemDataRole.ToolTipRole) == "Must read"
    # A new tag adds a sidebar entry; the table keeps its rows and the user's selection.
    assert window.selected_work_ids() == selected
    assert "Must read  (3)" in [
        window.sidebar_model.index(row).data() for row in range(window.sidebar_model.rowCount())
    ]
    click_sidebar(qtbot, window, "Must read")
    assert window.works_model.rowCount() == 3


def test_sorting_keeps_the_selection_on_works_beyond_the_first_screen(
    qtbot, library: Library, monkeypatch
) -> None:
    monkeypatch.setattr(works_model, "FIRST_WINDOW", 20)
    for number in range(200):
        library.add_work(WorkRecord(title=f"Filler {number:03d}", year=2000))
    win = MainWindow(library, LibraryEvents(), restore=False)
    qtbot.addWidget(win)
    win.show()
    assert win.select_sidebar_key(("filter", Scope.UNREAD))  # the fillers are unread
    qtbot.waitUntil(lambda: not win.works_model.loading)
    with qtbot.waitSignal(win.works_model.completed, timeout=10_000):
        win.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    select_rows(qtbot, win, [2, 3, 7])
    chosen = win.selected_work_ids()
    titles = {win.works_model.index(row, 0).data() for row in (2, 3, 7)}
    with qtbot.waitSignal(win.works_model.completed, timeout=10_000):
        win.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # the rows move far down
    assert sorted(win.selected_work_ids()) == sorted(chosen)
    rows = win.works_model.rows_of(set(chosen))
    assert len(rows) == 3 and min(rows) > 20
    assert {win.works_model.index(row, 0).data() for row in rows} == titles


def test_remove_tag_from_selection(qtbot, window: MainWindow, library: Library, monkeypatch):
    ids = list(library.query_work_ids(WorkQuery()))
    library.tag_works("Later", ids)
    window.events.tags_changed.emit()
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Later", True))
    select_rows(qtbot, window, [0, 1])
    removed = window.selected_work_ids()
    qtbot.keyClick(
        window.table,
        Qt.Key.Key_T,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    tag = library.find_tag("Later")
    assert tag is not None and tag.count == 3
    for work_id in removed:
        assert library.get_work(work_id).tags == ()


def test_mark_read_unread_and_star(qtbot, window: MainWindow, library: Library) -> None:
    select_rows(qtbot, window, [0, 2])
    ids = window.selected_work_ids()
    qtbot.keyClick(window.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert all(library.get_work(i).is_read for i in ids)
    assert window.works_model.index(0, 7).data() == "✓"
    assert "Unread  (3)" in [
        window.sidebar_model.index(r).data() for r in range(window.sidebar_model.rowCount())
    ]
    window.work_actions.mark_unread.trigger()
    assert not any(library.get_work(i).is_read for i in ids)
    window.work_actions.toggle_star.trigger()
    assert all(library.get_work(i).starred for i in ids)
    assert window.works_model.index(0, 0).data().startswith("★ ")
    window.work_actions.toggle_star.trigger()
    assert not any(library.get_work(i).starred for i in ids)


def test_double_click_opens_the_doi(qtbot, window: MainWindow, opened_urls: list[str]) -> None:
    row = 0
    doi = window.works_model.index(row, 4).data()
    rect = window.table.visualRect(window.works_model.index(row, 1))
    # A real double-click is a press/release followed by the double-click event.
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened_urls == [f"https://doi.org/{doi}"]


def test_open_in_pubmed_and_pmc(qtbot, window: MainWindow, opened_urls: list[str]) -> None:
    select_rows(qtbot, window, [0])
    pmid = window.works_model.index(0, 5).data()
    pmcid = window.works_model.row_data(0).pmcid  # type: ignore[union-attr]
    window.work_actions.open_pubmed.trigger()
    window.work_actions.open_pmc.trigger()
    assert opened_urls == [
        f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/",
    ]


def test_a_stored_hostile_doi_is_refused(
    qtbot, window: MainWindow, library: Library, opened_urls: list[str], monkeypatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: shown.append(text))
    work_id = window.works_model.work_id(0)
    # Storage validates DOIs, so only a damaged or hand-edited file can hold one like this.
    with library.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE works SET doi = 'javascript:alert(1)' WHERE id = ?", (work_id,)
        )
    window.works_model.refresh_all()
    select_rows(qtbot, window, [0])
    window.work_actions.open_doi.trigger()
    assert opened_urls == []
    assert shown and "Not opened" in shown[0]


def test_copy_doi(qtbot, window: MainWindow) -> None:
    select_rows(qtbot, window, [0, 1])
    dois = [window.works_model.index(r, 4).data() for r in (0, 1)]
    window.work_actions.copy_doi.trigger()
    assert QGuiApplication.clipboard().text() == "\n".join(dois)


def test_context_menu_offers_the_actions(qtbot, window: MainWindow, library: Library) -> None:
    select_rows(qtbot, window, [1])
    rect = window.table.visualRect(window.works_model.index(1, 1))
    window.table.customContextMenuRequested.emit(rect.center())
    menu = window.context_menu
    assert isinstance(menu, QMenu)
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    for wanted in (
        "Open DOI",
        "Open in PubMed",
        "Open in PMC",
        "Copy DOI",
        "Tag Selected…",
        "Remove Tag…",
        "Mark Read",
        "Mark Unread",
        "Star",
    ):
        assert wanted in texts
    work_id = window.selected_work_ids()[0]
    next(a for a in menu.actions() if a.text() == "Mark Read").trigger()
    assert library.get_work(work_id).is_read
    menu.close()


def test_manage_tags_rename_recolour_merge_delete(
    qtbot, window: MainWindow, library: Library, monkeypatch
) -> None:
    ids = list(library.query_work_ids(WorkQuery()))
    library.tag_works("alpha", ids[:2])
    library.tag_works("beta", ids[2:4])
    window.events.tags_changed.emit()
    dialog = window.open_tag_manager()
    qtbot.addWidget(dialog)

    def select(*names: str) -> None:
        dialog.tag_list.clearSelection()
        for row in range(dialog.tag_list.count()):
            item = dialog.tag_list.item(row)
            if item.text().split("  (")[0] in names:
                item.setSelected(True)

    select("alpha")
    dialog.rename_selected("Alpha reading")
    assert library.find_tag("alpha reading") is not None
    select("Alpha reading")
    dialog.recolor_selected("#123456")
    assert library.find_tag("Alpha reading").color == "#123456"  # type: ignore[union-attr]
    select("Alpha reading", "beta")
    dialog.merge_selected("beta")
    assert [(t.name, t.count) for t in library.list_tags()] == [("beta", 4)]
    select("beta")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    dialog.delete_button.click()
    assert len(library.list_tags()) == 1  # declined: nothing deleted
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.delete_button.click()
    assert library.list_tags() == []
    labels = [window.sidebar_model.index(r).data() for r in range(window.sidebar_model.rowCount())]
    assert not any(label.startswith("beta") for label in labels)


def test_rename_to_an_existing_tag_is_explained(qtbot, window: MainWindow, library: Library):
    ids = list(library.query_work_ids(WorkQuery()))
    library.tag_works("one", ids[:1])
    library.tag_works("two", ids[1:2])
    dialog = window.open_tag_manager()
    qtbot.addWidget(dialog)
    dialog.tag_list.item(0).setSelected(True)
    dialog.rename_selected("TWO")
    assert "merge" in dialog.message.text()
    assert {t.name for t in library.list_tags()} == {"one", "two"}


def test_window_state_is_restored(qtbot, library: Library) -> None:
    first = MainWindow(library, LibraryEvents())
    qtbot.addWidget(first)
    first.show()
    first.resize(700, 500)  # within the offscreen screen, which clamps restored geometry
    first.table.horizontalHeader().moveSection(3, 0)  # Year first
    first.table.setColumnWidth(2, 222)
    first.close()

    second = MainWindow(library, LibraryEvents())
    qtbot.addWidget(second)
    second.show()
    assert (second.size().width(), second.size().height()) == (700, 500)
    assert second.table.horizontalHeader().visualIndex(3) == 0
    assert second.table.columnWidth(2) == 222
    second.close()


def test_notes_survive_closing_the_window_mid_edit(
    qtbot, library: Library, library_path: Path
) -> None:
    win = MainWindow(library, LibraryEvents())
    qtbot.addWidget(win)
    win.show()
    select_rows(qtbot, win, [0])
    work_id = win.selected_work_ids()[0]
    editor = win.detail_pane.findChild(QPlainTextEdit, "noteEdit")
    assert editor is not None
    editor.setFocus()
    qtbot.keyClicks(editor, "Key finding: exosomal lncRNA")
    win.close()  # before the save timer fires
    reopened = Library.open(library_path)
    assert [n.body for n in reopened.list_notes(work_id)] == ["Key finding: exosomal lncRNA"]
    reopened.close()


def test_selecting_a_row_shows_it_in_the_detail_pane(qtbot, window: MainWindow) -> None:
    select_rows(qtbot, window, [1])
    assert window.detail_pane.current_work_id() == window.selected_work_ids()[0]


def test_preferences_and_about_open_from_the_window(qtbot, window: MainWindow) -> None:
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from exodesk.ui.about import AboutDialog
    from exodesk.ui.preferences import THEME, PreferencesDialog
    from exodesk.ui.theme import is_dark, restore_initial_theme

    dialog = window.open_preferences()
    assert isinstance(dialog, PreferencesDialog)
    qtbot.addWidget(dialog)
    app = QApplication.instance()
    try:
        window.apply_preferences({THEME.key: "dark"})
        assert is_dark(app.palette())  # type: ignore[union-attr]
        qtbot.waitUntil(
            lambda: window.table.palette().color(QPalette.ColorRole.Window).lightness() < 128
        )
    finally:
        restore_initial_theme(app)  # type: ignore[arg-type]
    about = window.open_about()
    assert isinstance(about, AboutDialog)
    qtbot.addWidget(about)
    assert str(window.library.path) in about.details_text()
