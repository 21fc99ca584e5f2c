"""Notes: saved as you type (debounced), flushed on demand and on close, never lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QImage, QPixmap, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QTabWidget,
    QTextBrowser,
    QToolButton,
)

from exodesk.storage.errors import LibraryError
from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.notes_editor import SAVE_DELAY_MS, NotesEditor, note_label

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support")

REVIEW_PMID = "36766698"
UNTITLED_PMID = "39857679"


@pytest.fixture
def events() -> LibraryEvents:
    return LibraryEvents()


@pytest.fixture
def editor(qtbot, library: Library, events: LibraryEvents) -> NotesEditor:
    widget = NotesEditor(library, events)
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    return widget


@pytest.fixture
def review(library: Library) -> int:
    work_id = library.find_work_id(pmid=REVIEW_PMID)
    assert work_id is not None
    return work_id


@pytest.fixture
def untitled(library: Library) -> int:
    work_id = library.find_work_id(pmid=UNTITLED_PMID)
    assert work_id is not None
    return work_id


def text_edit(editor: NotesEditor) -> QPlainTextEdit:
    return editor.findChild(QPlainTextEdit, "noteEdit")


def selector(editor: NotesEditor) -> QComboBox:
    return editor.findChild(QComboBox, "noteSelector")


def status(editor: NotesEditor) -> str:
    return editor.findChild(QLabel, "noteStatus").text()


def bodies(library: Library, work_id: int) -> list[str]:
    return [note.body for note in library.list_notes(work_id)]


def bodies_in_new_connection(path: Path, work_id: int) -> list[str]:
    other = Library.open(path)
    try:
        return bodies(other, work_id)
    finally:
        other.close()


def preview_html(editor: NotesEditor) -> str:
    editor.findChild(QTabWidget, "noteTabs").setCurrentIndex(1)
    return editor.findChild(QTextBrowser, "notePreview").toHtml()


def test_first_keystrokes_create_the_note_after_a_pause(
    qtbot, editor: NotesEditor, library: Library, events: LibraryEvents, review: int
) -> None:
    editor.set_work(review)
    assert selector(editor).count() == 1  # the new, empty note
    with qtbot.waitSignal(events.notes_changed, timeout=SAVE_DELAY_MS * 4) as changed:
        qtbot.keyClicks(text_edit(editor), "First thoughts")
        assert bodies(library, review) == []  # debounced: nothing written while typing
        assert status(editor) == "Saving…"
    assert changed.args == [review]
    assert bodies(library, review) == ["First thoughts"]
    assert status(editor) == "Saved"
    assert selector(editor).currentText() == "First thoughts"


def test_further_edits_update_the_same_note(
    qtbot, editor: NotesEditor, library: Library, review: int
) -> None:
    editor.set_work(review)
    qtbot.keyClicks(text_edit(editor), "One")
    qtbot.waitUntil(lambda: bodies(library, review) == ["One"], timeout=SAVE_DELAY_MS * 4)
    note_id = editor.current_note_id()
    qtbot.keyClicks(text_edit(editor), " two")
    qtbot.waitUntil(lambda: bodies(library, review) == ["One two"], timeout=SAVE_DELAY_MS * 4)
    assert [note.id for note in library.list_notes(review)] == [note_id]


def test_flush_saves_at_once(
    qtbot, editor: NotesEditor, library: Library, library_path: Path, review: int
) -> None:
    editor.set_work(review)
    qtbot.keyClicks(text_edit(editor), "Right now")
    assert editor.flush()
    assert bodies_in_new_connection(library_path, review) == ["Right now"]
    assert status(editor) == "Saved"
    assert not editor.has_unsaved()


def test_closing_mid_edit_saves_the_text(
    qtbot, editor: NotesEditor, library_path: Path, review: int
) -> None:
    editor.set_work(review)
    editor.show()
    qtbot.keyClicks(text_edit(editor), "Typed just before closing")
    editor.close()
    assert bodies_in_new_connection(library_path, review) == ["Typed just before closing"]


def test_switching_works_mid_edit_saves_to_the_right_work(
    qtbot, editor: NotesEditor, library: Library, review: int, untitled: int
) -> None:
    editor.set_work(review)
    qtbot.keyClicks(text_edit(editor), "About the review")
    editor.set_work(untitled)
    assert text_edit(editor).toPlainText() == ""
    qtbot.keyClicks(text_edit(editor), "About the untitled one")
    editor.set_work(review)

    assert bodies(library, review) == ["About the review"]
    assert bodies(library, untitled) == ["About the untitled one"]
    assert text_edit(editor).toPlainText() == "About the review"


def test_raw_html_in_a_note_is_shown_as_text(
    qtbot, editor: NotesEditor, library: Library, review: int
) -> None:
    library.add_note(review, "**bold** <img src=x onerror=alert(1)> <b>not bold</b>")
    editor.set_work(review)
    html = preview_html(editor)
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html
    preview = editor.findChild(QTextBrowser, "notePreview")
    assert "bold" in preview.toPlainText()
    assert not preview.openLinks() and not preview.openExternalLinks()


def test_preview_opens_no_web_links(
    qtbot, editor: NotesEditor, review: int, opened_urls: list[str]
) -> None:
    editor.set_work(review)
    preview = editor.findChild(QTextBrowser, "notePreview")
    for url in ("https://example.org/", "javascript:alert(1)", "exodesk-open:doi:nonsense"):
        with qtbot.waitSignal(editor.link_refused):
            preview.anchorClicked.emit(QUrl(url))
    assert opened_urls == []
    assert preview.source().isEmpty()


def test_preview_opens_in_app_identifier_links(
    qtbot, editor: NotesEditor, review: int, opened_urls: list[str]
) -> None:
    editor.set_work(review)
    preview = editor.findChild(QTextBrowser, "notePreview")
    with qtbot.assertNotEmitted(editor.link_refused):
        preview.anchorClicked.emit(QUrl("exodesk-open:pubmed:36766698"))
    assert opened_urls == ["https://pubmed.ncbi.nlm.nih.gov/36766698/"]


def test_several_notes_per_work(qtbot, editor: NotesEditor, library: Library, review: int) -> None:
    library.add_note(review, "# Methods\nsample sizes")
    editor.set_work(review)
    assert text_edit(editor).toPlainText() == "# Methods\nsample sizes"

    qtbot.mouseClick(editor.findChild(QToolButton, "newNoteButton"), Qt.MouseButton.LeftButton)
    assert text_edit(editor).toPlainText() == ""
    qtbot.keyClicks(text_edit(editor), "Second note")
    assert editor.flush()
    assert bodies(library, review) == ["# Methods\nsample sizes", "Second note"]
    items = [selector(editor).itemText(i) for i in range(selector(editor).count())]
    assert items == ["Methods", "Second note"]

    selector(editor).setCurrentIndex(0)
    assert text_edit(editor).toPlainText() == "# Methods\nsample sizes"
    qtbot.keyClick(text_edit(editor), Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(text_edit(editor), " and power")
    selector(editor).setCurrentIndex(1)  # switching notes saves the one left
    assert bodies(library, review) == ["# Methods\nsample sizes and power", "Second note"]
    assert text_edit(editor).toPlainText() == "Second note"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(QMessageBox.StandardButton.No, ["Keep me"]), (QMessageBox.StandardButton.Yes, [])],
)
def test_delete_asks_first(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,
    editor: NotesEditor,
    library: Library,
    review: int,
    answer: QMessageBox.StandardButton,
    expected: list[str],
) -> None:
    asked: list[str] = []

    def fake_question(_parent: object, _title: str, text: str, *_args: object) -> object:
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", fake_question)
    library.add_note(review, "Keep me")
    editor.set_work(review)
    qtbot.mouseClick(editor.findChild(QToolButton, "deleteNoteButton"), Qt.MouseButton.LeftButton)
    assert len(asked) == 1
    assert bodies(library, review) == expected
    assert text_edit(editor).toPlainText() == ("Keep me" if expected else "")


def test_failed_save_keeps_the_text_and_retries(
    qtbot, monkeypatch: pytest.MonkeyPatch, editor: NotesEditor, library: Library, review: int
) -> None:
    def locked(*_args: object) -> None:
        raise LibraryError("library.sqlite is locked by another program")

    editor.set_work(review)
    with monkeypatch.context() as patch:
        patch.setattr(library, "add_note", locked)
        qtbot.keyClicks(text_edit(editor), "Precious")
        assert not editor.flush()
        assert status(editor) == "Not saved: library.sqlite is locked by another program"
        assert text_edit(editor).toPlainText() == "Precious"
        assert editor.has_unsaved()
    qtbot.keyClicks(text_edit(editor), " words")  # the next keystroke retries
    qtbot.waitUntil(lambda: bodies(library, review) == ["Precious words"], timeout=3000)
    assert status(editor) == "Saved"


def test_failed_save_survives_switching_works(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,
    editor: NotesEditor,
    library: Library,
    review: int,
    untitled: int,
) -> None:
    def busy(*_args: object) -> None:
        raise LibraryError("busy")

    real_add = library.add_note
    monkeypatch.setattr(library, "add_note", busy)
    editor.set_work(review)
    qtbot.keyClicks(text_edit(editor), "Not lost")
    editor.set_work(untitled)
    assert editor.has_unsaved()
    assert "Not saved: busy" in status(editor)

    editor.set_work(review)  # coming back shows the unsaved text, not an empty note
    assert text_edit(editor).toPlainText() == "Not lost"
    assert selector(editor).currentText() == "Not lost (not saved)"
    editor.set_work(untitled)

    monkeypatch.setattr(library, "add_note", real_add)
    assert editor.flush()  # retries the text left behind
    assert bodies(library, review) == ["Not lost"]
    assert bodies(library, untitled) == []
    editor.set_work(review)
    assert text_edit(editor).toPlainText() == "Not lost"
    assert selector(editor).currentText() == "Not lost"


def test_no_work_disables_the_editor(editor: NotesEditor) -> None:
    editor.set_work(None)
    assert not editor.findChild(QTabWidget, "noteTabs").isEnabled()
    assert not editor.findChild(QToolButton, "newNoteButton").isEnabled()
    assert editor.flush()


def test_note_labels() -> None:
    assert note_label("\n\n## Methods  used\nmore") == "Methods used"
    assert note_label("- item") == "item"
    assert note_label("> 1. **Bold** start") == "**Bold** start"
    assert note_label("x" * 60).endswith("…") and len(note_label("x" * 60)) == 40
    assert note_label("   ") == ""


def test_preview_loads_no_local_files(
    qtbot, editor: NotesEditor, library: Library, review: int, tmp_path: Path
) -> None:
    picture = tmp_path / "secret.png"
    image = QImage(4, 4, QImage.Format.Format_RGB32)
    image.fill(0xFF0000)
    assert image.save(str(picture))
    url = QUrl.fromLocalFile(str(picture))
    library.add_note(review, f"![secret]({url.toString()})")
    editor.set_work(review)
    preview_html(editor)
    preview = editor.findChild(QTextBrowser, "notePreview")
    loaded = preview.document().resource(QTextDocument.ResourceType.ImageResource, url)
    if isinstance(loaded, (QImage, QPixmap)):
        assert loaded.isNull()
    else:
        assert not loaded  # None or empty bytes: the file was not read
