"""The detail pane shows every field of a work, safely, and opens only checked links."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, QUrl
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QMessageBox, QStackedWidget

from exodesk.core.records import Author
from exodesk.storage.library import Library
from exodesk.ui.detail_pane import DetailPane
from exodesk.ui.events import LibraryEvents

# The offscreen platform says this whenever a window is shown; it is not our warning.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support")

REVIEW_PMID = "36766698"
UNTITLED_PMID = "39857679"
HOSTILE_TITLE = '<img src=x> <a href="javascript:alert(1)">x</a>'


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def fake_warning(_parent: object, _title: str, text: str, *_args: object) -> object:
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", fake_warning)
    return shown


@pytest.fixture
def pane(qtbot, library: Library) -> DetailPane:
    widget = DetailPane(library, LibraryEvents())
    qtbot.addWidget(widget)
    widget.resize(420, 800)
    return widget


def label(pane: DetailPane, name: str) -> QLabel:
    found = pane.findChild(QLabel, name)
    assert found is not None, name
    return found


def shown_page(pane: DetailPane) -> str:
    stack = pane.findChild(QStackedWidget, "detailStack")
    return stack.currentWidget().objectName()


def test_placeholder_when_nothing_is_selected(pane: DetailPane) -> None:
    pane.show_work(None)
    assert shown_page(pane) == "detailPlaceholder"
    assert label(pane, "detailPlaceholder").text() == "Select an article"
    assert pane.current_work_id() is None


def test_shows_all_metadata_of_the_review(pane: DetailPane, library: Library) -> None:
    review_id = library.find_work_id(pmid=REVIEW_PMID)
    pane.show_work(review_id)

    assert pane.current_work_id() == review_id
    assert shown_page(pane) == "detailSplitter"
    assert label(pane, "detailTitle").text().startswith("The Role of Exosomes in Human")
    assert label(pane, "detailTitle").textFormat() == Qt.TextFormat.PlainText
    authors = label(pane, "detailAuthors").text()
    assert authors.startswith("Katarzyna Stefańska, Małgorzata Józkowiak")
    assert authors.endswith("Bartosz Kempisty")
    assert authors.count(",") == 13  # all 14 authors, no "et al."
    assert "Poznan University of Medical Sciences" in label(pane, "detailAffiliations").text()
    assert "Poznan University" in label(pane, "detailAuthors").toolTip()
    assert label(pane, "journalValue").text() == "Cells"
    assert label(pane, "publishedValue").text() == "2023-01-18"
    assert label(pane, "volumeValue").text() == "12"
    assert label(pane, "issueValue").text() == "3"
    assert label(pane, "articleNumberValue").text() == "356"
    assert label(pane, "publisherValue").text() == "MDPI"
    assert label(pane, "typeValue").text() == "Journal article"
    assert label(pane, "subjectsValue").text() == "Biophysics, Cell Biology, Molecular Biology"
    assert "drug resistance" in label(pane, "keywordsValue").text()
    assert 'href="exodesk-open:doi:10.3390/cells12030356"' in label(pane, "doiLink").text()
    assert 'href="exodesk-open:pubmed:36766698"' in label(pane, "pmidLink").text()
    assert label(pane, "pmcidLink").text() == "—"
    # The key exports write, to copy into a manuscript.
    key = label(pane, "citationKeyValue")
    assert key.text() == "stefanska2023role" and key.isVisibleTo(pane)
    assert key.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert label(pane, "detailAbstract").text().startswith("Exosomes are biological")
    assert label(pane, "needsMetadataNotice").isHidden()


def test_journal_shows_full_title_and_abbreviation(pane: DetailPane, library: Library) -> None:
    work_id = library.find_work_id(pmid=UNTITLED_PMID)
    library.update_fields(work_id, {"container_title": "Biomedicines Journal"})
    pane.show_work(work_id)
    assert label(pane, "journalValue").text() == "Biomedicines Journal (Biomedicines)"


def test_untitled_work_is_marked(pane: DetailPane, library: Library) -> None:
    work_id = library.find_work_id(pmid=UNTITLED_PMID)
    pane.show_work(work_id)

    title = label(pane, "detailTitle")
    assert title.text() == "[title not yet known]"
    assert title.font().italic()
    assert title.foregroundRole() == QPalette.ColorRole.PlaceholderText
    assert title.property("untitled") is True
    assert not label(pane, "needsMetadataNotice").isHidden()
    assert label(pane, "pmcidLink").text().endswith(">PMC11759861</a>")
    assert not label(pane, "citationKeyValue").isVisibleTo(pane)  # keyed once it has a title

    review_id = library.find_work_id(pmid=REVIEW_PMID)
    pane.show_work(review_id)
    assert not title.font().italic()
    assert title.property("untitled") is False
    assert label(pane, "needsMetadataNotice").isHidden()


def test_doi_link_click_opens_exactly_the_doi_page(
    qtbot, pane: DetailPane, library: Library, opened_urls: list[str], warnings: list[str]
) -> None:
    pane.show_work(library.find_work_id(pmid=UNTITLED_PMID))
    pane.show()
    qtbot.waitExposed(pane)
    link = label(pane, "doiLink")
    # Click in the middle of the identifier, which is the whole text of the label.
    middle = link.fontMetrics().horizontalAdvance("10.3390/biomedicines13010095") // 2
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton, pos=QPoint(middle, link.height() // 2))

    assert opened_urls == ["https://doi.org/10.3390/biomedicines13010095"]
    assert warnings == []


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "https://evil.example/",
        "file:///etc/passwd",
        "exodesk-open:doi:not a doi",
        "exodesk-open:shell:rm",
    ],
)
def test_hostile_href_is_refused(
    qtbot,
    pane: DetailPane,
    library: Library,
    opened_urls: list[str],
    warnings: list[str],
    href: str,
) -> None:
    pane.show_work(library.find_work_id(pmid=REVIEW_PMID))
    with qtbot.waitSignal(pane.link_refused) as refused:
        label(pane, "doiLink").linkActivated.emit(href)

    assert opened_urls == []
    assert refused.args[0].startswith("Not opened")
    assert len(warnings) == 1
    # The message quotes the href; it must reach the dialog escaped, as literal text.
    assert "<a " not in warnings[0] and "<img" not in warnings[0]


def test_library_text_is_shown_literally(pane: DetailPane, library: Library) -> None:
    work_id = library.find_work_id(pmid=REVIEW_PMID)
    hostile_author = Author(
        family="<b>Bold</b>", given="<i>", affiliations=('<img src="y" onerror="alert(1)">',)
    )
    library.update_fields(
        work_id,
        {
            "title": HOSTILE_TITLE,
            "container_title": "<script>alert(1)</script>",
            "keywords": ("<u>kw</u>",),
            "authors": (hostile_author,),
        },
    )
    pane.show_work(work_id)

    title = label(pane, "detailTitle")
    assert title.text() == HOSTILE_TITLE
    assert title.textFormat() == Qt.TextFormat.PlainText
    assert label(pane, "detailAuthors").text() == "<i> <b>Bold</b>"
    assert label(pane, "journalValue").text().startswith("<script>alert(1)</script>")
    assert label(pane, "keywordsValue").text() == "<u>kw</u>"
    # The only rich-text labels carry escaped library text and in-app anchors only.
    for widget in pane.findChildren(QLabel):
        if widget.textFormat() != Qt.TextFormat.PlainText:
            assert "<img" not in widget.text() and "<script" not in widget.text()
            assert "javascript:" not in widget.text()
        assert "<img" not in widget.toolTip()
    assert "&lt;img src=&quot;y&quot;" in label(pane, "detailAffiliations").text()


def test_refreshes_when_its_work_changes(pane: DetailPane, library: Library) -> None:
    work_id = library.find_work_id(pmid=UNTITLED_PMID)
    pane.show_work(work_id)
    library.update_fields(work_id, {"title": "Now known"})
    pane._events.works_changed.emit([work_id])

    title = label(pane, "detailTitle")
    assert title.text() == "Now known"
    assert not title.font().italic()
    assert label(pane, "needsMetadataNotice").isHidden()


def test_shows_placeholder_when_its_work_is_deleted(pane: DetailPane, library: Library) -> None:
    work_id = library.find_work_id(pmid=UNTITLED_PMID)
    pane.show_work(work_id)
    library.delete_works([work_id])
    pane._events.works_added_or_removed.emit()
    assert shown_page(pane) == "detailPlaceholder"
    assert pane.current_work_id() is None


def test_several_works_show_a_count_and_shared_tags(pane: DetailPane, library: Library) -> None:
    ids = [library.find_work_id(pmid=REVIEW_PMID), library.find_work_id(pmid=UNTITLED_PMID)]
    pane.show_works(ids)
    assert shown_page(pane) == "detailManyPage"
    assert label(pane, "selectionCount").text() == "2 articles selected"
    assert pane.many_tag_chips.work_ids() == ids
    assert pane.current_work_id() is None
    pane.show_works(ids[:1])
    assert pane.current_work_id() == ids[0]


def test_flush_saves_the_note_being_typed(
    qtbot, pane: DetailPane, library: Library, library_path
) -> None:
    work_id = library.find_work_id(pmid=REVIEW_PMID)
    pane.show_work(work_id)
    pane.show()
    editor = pane.notes_editor
    qtbot.keyClicks(editor.findChild(QObject, "noteEdit"), "Typed in the pane")
    assert pane.flush()

    other = Library.open(library_path)
    try:
        assert [note.body for note in other.list_notes(work_id)] == ["Typed in the pane"]
    finally:
        other.close()


def test_note_link_refusal_reaches_the_pane(
    qtbot, pane: DetailPane, library: Library, opened_urls: list[str], warnings: list[str]
) -> None:
    pane.show_work(library.find_work_id(pmid=REVIEW_PMID))
    preview = pane.notes_editor.findChild(QObject, "notePreview")
    with qtbot.waitSignal(pane.link_refused):
        preview.anchorClicked.emit(QUrl("https://example.org/"))
    assert opened_urls == []
    assert len(warnings) == 1
