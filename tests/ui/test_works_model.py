"""The works table model: windowed fetching, sorting, refreshing, Qt model rules."""

from __future__ import annotations

from PySide6.QtCore import QPersistentModelIndex, Qt

from exodesk.core.query import Scope, SortKey, WorkQuery
from exodesk.core.records import WorkRecord
from exodesk.storage.library import Library
from exodesk.ui import works_model
from exodesk.ui.sidebar import ENTRY_ROLE, EntryKind, SidebarModel
from exodesk.ui.works_model import PAGE_SIZE, UNKNOWN_TITLE, WORK_ID_ROLE, WorksTableModel


def make_model(library: Library, **query: object) -> WorksTableModel:
    model = WorksTableModel(library)
    model.set_query(WorkQuery(**query))  # type: ignore[arg-type]
    return model


def test_model_passes_qt_model_tester(qtmodeltester, library: Library) -> None:
    model = make_model(library)
    qtmodeltester.check(model, force_py=True)


def test_sidebar_model_passes_qt_model_tester(qtmodeltester, library: Library) -> None:
    library.tag_works("Tagged", list(library.query_work_ids(WorkQuery()))[:1])
    model = SidebarModel(library)
    model.refresh()
    qtmodeltester.check(model, force_py=True)


def test_rows_show_the_seed_articles(library: Library) -> None:
    model = make_model(library, sort=SortKey.PMID, descending=False)
    assert model.rowCount() == 5 and model.columnCount() == 8
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(8)]
    assert headers == ["Title", "Authors", "Journal", "Year", "DOI", "PMID", "Tags", "Read"]
    first = [model.index(0, c).data() for c in range(8)]
    assert first == [
        UNKNOWN_TITLE,
        "Bogdanovic B et al.",
        "Pharmaceuticals (Basel)",
        "2024",
        "10.3390/ph17111556",
        "39598465",
        "",
        "",
    ]
    assert model.index(0, 0).data(Qt.ItemDataRole.FontRole).italic()
    assert not model.index(4, 0).data(Qt.ItemDataRole.FontRole).italic()
    assert model.index(4, 0).data() == (
        "Exosomal lncRNAs as diagnostic and therapeutic targets in multiple myeloma"
    )


def test_each_role_answers_in_its_columns_only(qapp, library: Library) -> None:
    library.tag_works("Alpha", [library.find_work_id(pmid="39598465")])  # type: ignore[list-item]
    model = make_model(library, sort=SortKey.PMID, descending=False)
    role = Qt.ItemDataRole
    untitled, titled = 0, 4  # rows
    answered = {
        name: [c for c in range(8) if model.index(untitled, c).data(value) is not None]
        for name, value in [
            ("font", role.FontRole), ("foreground", role.ForegroundRole),
            ("decoration", role.DecorationRole), ("alignment", role.TextAlignmentRole),
            ("background", role.BackgroundRole), ("check", role.CheckStateRole),
        ]
    }  # fmt: skip
    assert answered == {"font": [0], "foreground": [0], "decoration": [6],
                        "alignment": [3, 7], "background": [], "check": []}  # fmt: skip
    assert model.index(untitled, 0).data(role.ForegroundRole).name() == "#8a8a8a"
    assert model.index(titled, 0).data(role.ForegroundRole) is None
    assert model.index(titled, 6).data(role.DecorationRole) is None  # no tags
    assert model.index(untitled, 3).data(role.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignCenter
    )
    assert model.index(untitled, 1).data(WORK_ID_ROLE) == library.find_work_id(pmid="39598465")
    assert model.index(untitled, 8).data() is None and model.index(-1, 0).data() is None


def test_sort_reorders_through_sql(library: Library) -> None:
    model = make_model(library)
    model.sort(5, Qt.SortOrder.AscendingOrder)  # PMID
    pmids = [model.index(r, 5).data() for r in range(5)]
    assert pmids == sorted(pmids)
    model.sort(5, Qt.SortOrder.DescendingOrder)
    assert [model.index(r, 5).data() for r in range(5)] == sorted(pmids, reverse=True)
    assert model.query().sort is SortKey.PMID and model.query().descending


def test_model_fetches_only_the_windows_it_is_asked_for(empty_library: Library) -> None:
    for number in range(1000):
        empty_library.add_work(WorkRecord(title=f"Work {number:04d}", year=2000 + number % 20))
    model = make_model(empty_library, scope=Scope.ALL, sort=SortKey.TITLE, descending=False)
    assert model.rowCount() == 1000
    assert model.rows_fetched == 0  # counting rows reads ids only, no row data
    assert model.index(0, 0).data() == "Work 0000"
    assert model.rows_fetched == PAGE_SIZE
    assert model.index(999, 0).data() == "Work 0999"
    last_page = 1000 % PAGE_SIZE or PAGE_SIZE
    assert model.rows_fetched == PAGE_SIZE + last_page
    model.index(1, 0).data()  # already cached
    assert model.rows_fetched == PAGE_SIZE + last_page


def test_refresh_works_repaints_changed_rows(qtbot, library: Library) -> None:
    model = make_model(library)
    work_id = model.index(2, 0).data(WORK_ID_ROLE)
    library.set_read([work_id])
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.refresh_works([work_id])
    top_left, bottom_right = blocker.args[:2]
    assert top_left.row() == bottom_right.row() == 2
    assert model.index(2, 7).data() == "✓"


def test_tags_column_shows_colour_dots_and_names(library: Library) -> None:
    model = make_model(library)
    work_id = model.work_id(0)
    library.tag_works("Alpha", [work_id])
    library.tag_works("Beta", [work_id])
    model.refresh_all()
    assert model.index(0, 6).data(Qt.ItemDataRole.ToolTipRole) == "Alpha, Beta"
    icon = model.index(0, 6).data(Qt.ItemDataRole.DecorationRole)
    assert not icon.isNull()


def test_sidebar_lists_filters_with_counts_then_tags(library: Library) -> None:
    library.tag_works("Review", list(library.query_work_ids(WorkQuery()))[:2])
    model = SidebarModel(library)
    model.refresh()
    labels = [model.index(r).data() for r in range(model.rowCount())]
    assert labels == [
        "Review summary",
        "Citing articles  (5)",
        "Unread  (5)",
        "Starred  (0)",
        "Needs metadata  (2)",
        "New since last sync  (0)",
        "Tags",
        "Review  (2)",
    ]
    header = model.index(6).data(ENTRY_ROLE)
    assert header.kind is EntryKind.HEADER
    assert not model.flags(model.index(6)) & Qt.ItemFlag.ItemIsSelectable
    assert not model.index(7).data(Qt.ItemDataRole.DecorationRole).isNull()


# -- two-step loading: the first window at once, the rest from a thread ----------------------
def many_works(library: Library, count: int) -> None:
    for number in range(count):
        library.add_work(WorkRecord(title=f"Work {number:04d}", year=2000 + number % 20))


def test_a_large_result_shows_the_first_window_then_appends_the_rest(
    qtbot, empty_library: Library, monkeypatch
) -> None:
    monkeypatch.setattr(works_model, "FIRST_WINDOW", 100)
    many_works(empty_library, 1000)
    query = WorkQuery(scope=Scope.ALL, sort=SortKey.TITLE, descending=False)
    model = WorksTableModel(empty_library)
    with (
        qtbot.waitSignal(model.completed, timeout=10_000),
        qtbot.waitSignal(model.rowsInserted) as inserted,
    ):
        model.set_query(query)
        assert model.rowCount() == 100 and model.loading
        assert model.index(99, 0).data() == "Work 0099"
    assert inserted.args[1:] == [100, 999]
    assert not model.loading
    assert list(model.work_ids()) == list(empty_library.query_work_ids(query))
    assert model.index(999, 0).data() == "Work 0999"


def test_a_newer_query_replaces_one_still_loading(
    qtbot, empty_library: Library, monkeypatch
) -> None:
    monkeypatch.setattr(works_model, "FIRST_WINDOW", 10)
    many_works(empty_library, 500)
    model = WorksTableModel(empty_library)
    model.set_query(WorkQuery(scope=Scope.ALL, sort=SortKey.TITLE, descending=False))
    newest = WorkQuery(scope=Scope.ALL, text="work", sort=SortKey.TITLE, descending=True)
    with qtbot.waitSignal(model.completed, timeout=10_000):
        model.set_query(newest)
    model.wait_for_loaders()
    qtbot.wait(50)  # a late result of the first query, if any, would arrive now
    assert list(model.work_ids()) == list(empty_library.query_work_ids(newest))
    assert model.index(0, 0).data() == "Work 0499"


def test_the_loader_starts_after_the_first_page_and_never_for_a_query_replaced_first(
    qtbot, empty_library: Library, monkeypatch
) -> None:
    monkeypatch.setattr(works_model, "FIRST_WINDOW", 10)
    many_works(empty_library, 100)
    asked: list[str] = []
    real_query = empty_library.query_work_ids

    def query_work_ids(query, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(query.text)
        return real_query(query, **kwargs)

    monkeypatch.setattr(empty_library, "query_work_ids", query_work_ids)
    model = WorksTableModel(empty_library)
    model.set_query(WorkQuery(scope=Scope.ALL, text="first"))
    model.set_query(WorkQuery(scope=Scope.ALL, text="work"))
    assert asked == [] and model.loading  # nothing read beside the first page's paint
    model.wait_for_loaders()  # loaders not started yet are let go, not joined
    model.set_query(WorkQuery(scope=Scope.ALL, text="work 00"))
    with qtbot.waitSignal(model.completed, timeout=10_000):
        pass
    assert asked == ["work 00"] and model.rowCount() == 100


def test_a_sort_moving_a_selected_work_beyond_the_first_window_finds_it_later(
    qtbot, empty_library: Library, monkeypatch
) -> None:
    monkeypatch.setattr(works_model, "FIRST_WINDOW", 20)
    many_works(empty_library, 300)
    model = WorksTableModel(empty_library)
    with qtbot.waitSignal(model.completed, timeout=10_000):
        model.set_query(WorkQuery(scope=Scope.ALL, sort=SortKey.TITLE, descending=False))
    selected = QPersistentModelIndex(model.index(5, 0))  # "Work 0005"
    work_id = model.work_id(5)
    with qtbot.waitSignal(model.completed, timeout=10_000):
        model.sort(0, Qt.SortOrder.DescendingOrder)  # "Work 0005" moves to row 294
        assert model.rowCount() == 20 and not selected.isValid()  # no row for it yet
    assert model.row_of(work_id) == 294  # the main window selects it again (its test)
