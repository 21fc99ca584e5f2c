"""Import, export, drops and Copy Citation, driven through the main window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog

from exodesk.core.query import Scope, WorkQuery
from exodesk.storage.library import Library
from exodesk.ui.main_window import MainWindow
from exodesk.ui.transfer import KEY_PATTERN_SETTING
from exodesk.ui.transfer_dialogs import ExportDialog, ImportDialog

RIS_RECORD = """TY  - JOUR
AU  - Nowak, Zofia
AU  - Kowalski, Jan
TI  - Exosomal cargo in tumour microenvironments
T2  - Journal of Synthetic Examples
PY  - 2024
VL  - 5
IS  - 2
SP  - 10
EP  - 20
DO  - 10.5555/synthetic.{n}
KW  - vesicles
ER  - {end}
"""


def ris_file(tmp_path: Path, count: int = 1, name: str = "refs.ris") -> Path:
    text = "\n".join(
        RIS_RECORD.replace("{end}", "")
        .replace("{n}", str(n))
        .replace("microenvironments", f"microenvironments {n}")
        for n in range(count)
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def window(transfer_window: MainWindow) -> MainWindow:
    return transfer_window


def test_import_runs_in_the_background_and_updates_the_view(
    qtbot, window: MainWindow, library: Library, tmp_path: Path
) -> None:
    path = ris_file(tmp_path)
    with qtbot.waitSignal(window.transfer.imported, timeout=10_000) as done:
        window.transfer.start_import([path], cites_review=True)
        assert window.task_panel.isVisible()
    report = done.args[0]
    assert (report.added, report.merged, report.skipped) == (1, 0, 0)
    assert library.sidebar_counts().citing == 6
    qtbot.waitUntil(lambda: window.works_model.rowCount() == 6)
    titles = [window.works_model.index(r, 0).data() for r in range(6)]
    assert any("Exosomal cargo" in title for title in titles)
    qtbot.waitUntil(lambda: not window.task_panel.isVisible())


def test_an_import_keys_its_works_with_the_pattern_from_preferences(
    qtbot, window: MainWindow, library: Library, tmp_path: Path
) -> None:
    QSettings().setValue(KEY_PATTERN_SETTING, "{Auth}{year}{Shorttitle}")
    path = ris_file(tmp_path, count=2)
    with qtbot.waitSignal(window.transfer.imported, timeout=10_000) as done:
        window.transfer.start_import([path], cites_review=True)
    assert done.args[0].added == 2
    ids = [library.find_work_id(doi=f"10.5555/synthetic.{n}") for n in range(2)]
    work_ids = [work_id for work_id in ids if work_id is not None]
    # Stored keys come back as they are: none is "not given at import".
    keys = library.assign_citation_keys(work_ids, lambda _record: "not given at import")
    assert [keys[work_id] for work_id in work_ids] == ["Nowak2024Exosomal", "Nowak2024Exosomala"]


def test_import_without_cites_review_adds_references(
    qtbot, window: MainWindow, library: Library, tmp_path: Path
) -> None:
    with qtbot.waitSignal(window.transfer.imported, timeout=10_000):
        window.transfer.start_import([ris_file(tmp_path)], cites_review=False)
    counts = library.sidebar_counts()
    assert (counts.citing, counts.all) == (5, 6)


def test_cancel_leaves_the_library_unchanged(
    qtbot, window: MainWindow, library: Library, tmp_path: Path
) -> None:
    path = ris_file(tmp_path, count=3000)
    before = library.sidebar_counts()
    task = window.transfer.start_import([path], cites_review=True)
    assert task is not None
    with qtbot.waitSignal(task.cancelled, timeout=20_000):
        window.task_panel.cancel_button.click()
    assert library.sidebar_counts() == before
    assert library.count_works(WorkQuery(scope=Scope.ALL)) == 5


def test_a_bad_file_is_reported_and_changes_nothing(
    qtbot, window: MainWindow, library: Library, tmp_path: Path
) -> None:
    path = tmp_path / "image.ris"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    with qtbot.waitSignal(window.transfer.imported, timeout=10_000) as done:
        window.transfer.start_import([path], cites_review=False)
    report = done.args[0]
    assert report.added == 0 and "image.ris: this is a binary file" in report.details()[0]
    assert library.count_works(WorkQuery(scope=Scope.ALL)) == 5


def test_dropping_files_opens_the_import_dialog(
    qtbot, window: MainWindow, library: Library, tmp_path: Path
) -> None:
    path = ris_file(tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)), QUrl("https://example.org/x.ris")])
    event = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    window.dropEvent(event)
    dialog = window.findChild(ImportDialog, "importDialog")
    assert dialog is not None and dialog.paths() == [path]
    dialog.cites.setChecked(True)
    with qtbot.waitSignal(window.transfer.imported, timeout=10_000):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert library.sidebar_counts().citing == 6


def test_export_dialog_writes_the_selection(
    qtbot, window: MainWindow, library: Library, tmp_path: Path, monkeypatch
) -> None:
    target = tmp_path / "out.bib"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.select_rows([0, 1])
    selected = window.selected_work_ids()
    dialog = window.transfer.ask_export()
    assert isinstance(dialog, ExportDialog)
    assert dialog.scope_buttons["selection"].isChecked()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("bibtex"))
    with qtbot.waitSignal(window.transfer.exported, timeout=10_000):
        dialog._ask_path()
    text = target.read_text(encoding="utf-8")
    assert text.count("@article{") == 2
    for work in library.get_works(selected):
        assert work.doi in text
    assert not (tmp_path / "out.bib.part").exists()


def test_export_by_tag_as_a_formatted_bibliography(
    qtbot, window: MainWindow, library: Library, tmp_path: Path, monkeypatch
) -> None:
    ids = list(library.query_work_ids(WorkQuery()))
    library.tag_works("cardio", ids[:1])
    target = tmp_path / "refs.md"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    dialog = window.transfer.ask_export()
    dialog.scope_buttons["tag"].setChecked(True)
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("markdown"))
    assert dialog.style_box.isEnabled()
    dialog.style_box.setCurrentIndex(dialog.style_box.findData("vancouver"))
    with qtbot.waitSignal(window.transfer.exported, timeout=10_000):
        dialog._ask_path()
    text = target.read_text(encoding="utf-8")
    author = library.fetch_rows(ids[:1])[ids[0]].authors_display.split()[0]
    assert author in text
    assert len(text.strip().splitlines()) == 1  # one entry: the one tagged work


def test_copy_citation_puts_rich_and_plain_text_on_the_clipboard(
    qtbot, window: MainWindow, library: Library
) -> None:
    window.select_rows([0])
    work = library.get_work(window.selected_work_ids()[0])
    qtbot.keyClick(
        window.table,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    mime = QGuiApplication.clipboard().mimeData()
    assert work.record.authors[0].family in mime.text()
    assert mime.hasHtml() and work.record.authors[0].family in mime.html()
    assert work.doi in mime.text()


def test_two_tasks_do_not_run_at_once(window: MainWindow, tmp_path: Path) -> None:
    messages: list[str] = []
    window.transfer.failed.connect(messages.append)
    first = window.transfer.start_import([ris_file(tmp_path, count=2000)], cites_review=False)
    second = window.transfer.start_import([ris_file(tmp_path, name="b.ris")], cites_review=False)
    assert first is not None and second is None
    assert messages and "still running" in messages[0]
    first.cancel()
    first.wait(10_000)
    QApplication.processEvents()


def test_export_with_a_users_own_csl_file(
    qtbot, window: MainWindow, library: Library, tmp_path: Path, monkeypatch
) -> None:
    style = Path(__file__).parents[1] / "formats" / "data" / "csl_style_minimal.csl"
    target = tmp_path / "refs.txt"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(style), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    dialog = window.transfer.ask_export()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("text"))
    other = dialog.style_box.count() - 1
    dialog.style_box.activated.emit(other)
    assert dialog.style_box.currentData() == str(style)
    with qtbot.waitSignal(window.transfer.exported, timeout=10_000):
        dialog._ask_path()
    assert "Stefańska" in target.read_text(encoding="utf-8")


def test_a_file_open_event_offers_the_import(qtbot, window: MainWindow, tmp_path: Path) -> None:
    from PySide6.QtGui import QFileOpenEvent

    from exodesk.ui.file_open import FileOpenForwarder

    path = ris_file(tmp_path)
    app = QApplication.instance()
    forwarder = FileOpenForwarder(window.transfer.ask_import, window)
    app.installEventFilter(forwarder)  # type: ignore[union-attr]
    try:
        QApplication.sendEvent(app, QFileOpenEvent(str(path)))
    finally:
        app.removeEventFilter(forwarder)  # type: ignore[union-attr]
    dialog = window.findChild(ImportDialog, "importDialog")
    assert dialog is not None and dialog.paths() == [path]
