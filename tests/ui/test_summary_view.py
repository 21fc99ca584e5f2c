"""The review summary over the seeded library: header, links, chips, chart, refreshes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from exodesk.core.links import doi_url
from exodesk.core.query import Scope, WorkQuery
from exodesk.core.records import Author
from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.summary_view import ReviewSummaryView, citation_line

# The offscreen platform cannot pass size limits to windows and says so whenever a top-level
# window's minimum size changes (layouts, message boxes); that is no problem of the view.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")

TITLE = (
    "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy-Recent Findings "
    "from Molecular and Clinical Research"
)


@pytest.fixture
def events() -> LibraryEvents:
    return LibraryEvents()


@pytest.fixture
def view(qtbot, library: Library, events: LibraryEvents) -> ReviewSummaryView:
    widget = ReviewSummaryView(library, events)
    qtbot.addWidget(widget)
    widget.resize(900, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def click_link(qtbot, label: QLabel) -> None:
    """Click the (only) anchor of a link label, as a user would."""
    assert "<a href=" in label.text()
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=QPoint(4, label.height() // 2))


def test_header_shows_the_review(view: ReviewSummaryView) -> None:
    assert not view.is_showing_placeholder()
    title = view.findChild(QLabel, "summaryTitle")
    assert title is view.title_label
    assert title.text() == TITLE
    assert title.font().bold()
    assert title.font().pointSizeF() > view.font().pointSizeF()
    citation = view.findChild(QLabel, "summaryCitation").text()
    for part in ("Cells", "2023", "12(3)", "356"):
        assert part in citation
    assert "<i>Cells</i> 2023; 12(3): 356" in citation
    assert "MDPI" in view.published_label.text()
    assert view.findChild(QLabel, "summaryAbstract").text().count("Exosomes") >= 2


def test_citation_line_formats() -> None:
    from exodesk.core.records import WorkRecord

    record = WorkRecord(
        container_title="Cells", year=2023, volume="12", issue="3", article_number="356"
    )
    assert citation_line(record) == "Cells 2023; 12(3): 356"
    assert citation_line(replace(record, article_number="", pages="10-20")) == (
        "Cells 2023; 12(3): 10-20"
    )
    assert citation_line(replace(record, issue="", article_number="")) == "Cells 2023; 12"
    assert citation_line(WorkRecord(year=2020)) == "2020"
    assert citation_line(WorkRecord()) == ""


def test_authors_collapse_and_expand_with_the_toggle(qtbot, view: ReviewSummaryView) -> None:
    authors = view.findChild(QLabel, "summaryAuthors")
    toggle = view.findChild(QObject, "authorsToggle")
    assert authors.textFormat() == Qt.TextFormat.PlainText
    collapsed = authors.text()
    assert collapsed.startswith("Katarzyna Stefańska, Małgorzata Józkowiak, Ana Angelova Volponi")
    assert collapsed.endswith("et al.")
    assert "Kempisty" not in collapsed
    assert toggle.isVisible()
    assert toggle.text() == "Show all 14 authors"

    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    expanded = authors.text()
    assert view.authors_expanded()
    assert "et al." not in expanded
    assert "Bartosz Kempisty" in expanded
    assert "Hanna Piotrowska-Kempisty" in expanded
    assert len(expanded.split(", ")) == 14
    assert toggle.text() == "Show fewer"

    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert authors.text() == collapsed
    assert toggle.text() == "Show all 14 authors"


def test_expanded_authors_survive_a_refresh(qtbot, view, events) -> None:
    qtbot.mouseClick(view.authors_toggle, Qt.MouseButton.LeftButton)
    events.works_changed.emit([view.review_id()])
    assert "Bartosz Kempisty" in view.authors_label.text()


def test_few_authors_have_no_toggle(view, library, events) -> None:
    people = (Author(family="Doe", given="Jane"), Author(name="The Exosome Consortium"))
    library.update_fields(view.review_id(), {"authors": people})
    events.works_changed.emit([view.review_id()])
    assert view.authors_label.text() == "Jane Doe, The Exosome Consortium"
    assert not view.authors_toggle.isVisible()


def test_doi_link_opens_the_doi_resolver(qtbot, view, events, opened_urls) -> None:
    link = view.findChild(QLabel, "summaryDoiLink")
    assert (
        link.text() == '<a href="exodesk-open:doi:10.3390/cells12030356">10.3390/cells12030356</a>'
    )
    assert not link.openExternalLinks()
    with (
        qtbot.waitSignal(view.link_opened) as signal,
        qtbot.waitSignal(events.status_message),
    ):
        click_link(qtbot, link)
    assert opened_urls == ["https://doi.org/10.3390/cells12030356"]
    assert signal.args == ["https://doi.org/10.3390/cells12030356"]


def test_pubmed_link_opens_pubmed(qtbot, view, opened_urls) -> None:
    link = view.findChild(QLabel, "summaryPubmedLink")
    assert "36766698" in link.text()
    click_link(qtbot, link)
    assert opened_urls == ["https://pubmed.ncbi.nlm.nih.gov/36766698/"]


def test_unknown_pmcid_is_shown_without_a_link(view) -> None:
    pmc = view.findChild(QLabel, "summaryPmcLink")
    assert pmc.text() == "\u2014"
    assert pmc.textFormat() == Qt.TextFormat.PlainText
    assert "href" not in pmc.text()
    assert pmc.toolTip() == "Not known yet"


def test_a_known_pmcid_becomes_a_link(qtbot, view, library, events, opened_urls) -> None:
    library.update_fields(view.review_id(), {"pmcid": "PMC9913450"})
    events.works_changed.emit([view.review_id()])
    click_link(qtbot, view.pmc_link)
    assert opened_urls == ["https://pmc.ncbi.nlm.nih.gov/articles/PMC9913450/"]


@pytest.mark.parametrize(
    "href",
    [
        "https://evil.example/",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "exodesk-open:doi:not a doi",
        "exodesk-open:pubmed:36766698/../../evil",
        "exodesk-open:shell:rm -rf",
    ],
)
def test_hostile_hrefs_are_refused_and_nothing_opens(qtbot, view, opened_urls, href) -> None:
    with qtbot.waitSignal(view.link_refused) as refused:
        view.doi_link.linkActivated.emit(href)
    assert opened_urls == []
    box = view.findChild(QMessageBox, "linkRefusedBox")
    assert box is not None and box.isVisible()
    # The message may quote the href: it must be shown literally.
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.text() == refused.args[0]
    assert box.text().startswith(("Not opened", "This work has no"))
    box.close()


def test_refusal_can_be_shown_by_a_patched_message_box(qtbot, view, opened_urls, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(view, "warning_box", lambda message: _Recorder(shown, message))
    view.open_link("https://doi.org/10.3390/cells12030356")  # a real URL is no anchor
    assert opened_urls == []
    assert len(shown) == 1 and "Not opened" in shown[0]


class _Recorder:
    def __init__(self, shown: list[str], message: str) -> None:
        self._shown, self._message = shown, message

    def open(self) -> None:
        self._shown.append(self._message)


def test_chips_show_subjects_and_keywords(view) -> None:
    assert view.chip_texts("subject") == ["Biophysics", "Cell Biology", "Molecular Biology"]
    assert view.chip_texts("keyword") == [
        "cancer",
        "cancer therapies",
        "drug resistance",
        "exosomes",
    ]
    chips = view.findChild(QObject, "summaryKeywords").findChildren(QLabel, "summaryChip")
    assert sorted(chip.text() for chip in chips) == sorted(view.chip_texts("keyword"))
    assert all(chip.textFormat() == Qt.TextFormat.PlainText for chip in chips)
    assert all(chip.isVisible() for chip in chips)


def test_chips_wrap_in_a_narrow_view(qtbot, view) -> None:
    view.resize(260, 900)
    qtbot.wait(20)
    chips = view.subjects_box.findChildren(QLabel, "summaryChip")
    assert len({chip.y() for chip in chips}) > 1  # more than one line
    box_width = view.subjects_box.width()
    assert all(chip.geometry().right() < box_width for chip in chips)


def test_citing_count_and_chart(view) -> None:
    assert "5" in view.findChild(QLabel, "summaryCitedBy").text()
    assert view.cited_by_label.text() == "Cited by 5 articles"
    chart = view.findChild(QObject, "yearChart")
    assert chart is view.year_chart
    assert chart.counts() == {2025: 4, 2024: 1}
    assert chart.bars() == [("2024", 1), ("2025", 4)]


def test_removing_a_citing_work_refreshes(view, library, events) -> None:
    citing = library.query_work_ids(WorkQuery(scope=Scope.CITING))
    victim = next(i for i in citing if library.get_work(i).record.year == 2025)
    library.delete_works([victim])
    events.works_added_or_removed.emit()
    assert view.cited_by_label.text() == "Cited by 4 articles"
    assert view.year_chart.counts() == {2025: 3, 2024: 1}


def test_a_lazy_summary_reads_the_library_only_when_shown(
    qtbot, library: Library, events: LibraryEvents
) -> None:
    view = ReviewSummaryView(library, events, lazy=True)  # the main window's: hidden at first
    qtbot.addWidget(view)
    assert view.review_id() is None  # nothing read yet
    view.show()
    qtbot.waitExposed(view)
    assert view.cited_by_label.text() == "Cited by 5 articles"
    view.hide()
    citing = library.query_work_ids(WorkQuery(scope=Scope.CITING))
    library.delete_works([citing[0]])
    events.works_added_or_removed.emit()
    assert view.cited_by_label.text() == "Cited by 5 articles"  # hidden: not read again yet
    view.show()
    assert view.cited_by_label.text() == "Cited by 4 articles"


def test_untrusted_text_is_shown_literally(qtbot, view, library, events) -> None:
    hostile = "<b>x</b><img src=x>"
    library.update_fields(
        view.review_id(),
        {
            "title": hostile,
            "container_title": "<img src=journal>",
            "abstract": "<script>alert(1)</script> & more",
            "keywords": ("<a href='x'>k</a>",),
            "subjects": ("<i>s</i>",),
            "publisher": "<b>MDPI</b>",
            "authors": (Author(family="<img src=a>", given="Eve"),),
        },
    )
    events.works_changed.emit([view.review_id()])

    title = view.findChild(QLabel, "summaryTitle")
    assert title.textFormat() == Qt.TextFormat.PlainText
    assert title.text() == hostile
    assert view.authors_label.textFormat() == Qt.TextFormat.PlainText
    assert view.authors_label.text() == "Eve <img src=a>"
    assert view.published_label.textFormat() == Qt.TextFormat.PlainText
    citation = view.citation_label.text()
    assert "<img" not in citation and "&lt;img src=journal&gt;" in citation
    abstract = view.abstract_label.text()
    assert "<script>" not in abstract and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in abstract
    assert view.chip_texts("keyword") == ["<a href='x'>k</a>"]
    assert view.chip_texts("subject") == ["<i>s</i>"]
    chips = view.findChildren(QLabel, "summaryChip")
    assert chips and all(chip.textFormat() == Qt.TextFormat.PlainText for chip in chips)


def test_a_doi_with_markup_characters_round_trips_through_the_link(
    qtbot, view, library, events, opened_urls
) -> None:
    doi = '10.1234/a<b>&"c'
    library.update_fields(view.review_id(), {"doi": doi})
    events.works_changed.emit([view.review_id()])
    text = view.doi_link.text()
    assert "<b>" not in text and "&lt;b&gt;&amp;&quot;c" in text
    click_link(qtbot, view.doi_link)
    assert opened_urls == [doi_url(doi)]


def test_empty_library_shows_a_placeholder(qtbot, empty_library, events) -> None:
    view = ReviewSummaryView(empty_library, events)
    qtbot.addWidget(view)
    view.show()
    placeholder = view.findChild(QLabel, "summaryPlaceholder")
    assert view.is_showing_placeholder()
    assert placeholder.isVisible()
    assert "No review is tracked yet" in placeholder.text()
    assert view.review_id() is None


def test_placeholder_gives_way_when_a_review_arrives(qtbot, empty_library, events) -> None:
    from exodesk.default_library import load_seed

    view = ReviewSummaryView(empty_library, events)
    qtbot.addWidget(view)
    load_seed(empty_library)
    events.works_added_or_removed.emit()
    assert not view.is_showing_placeholder()
    assert view.title_label.text() == TITLE


def test_important_widgets_are_named_for_assistive_technology(view) -> None:
    for name in (
        "summaryTitle",
        "summaryAuthors",
        "authorsToggle",
        "summaryCitation",
        "summaryDoiLink",
        "summaryPubmedLink",
        "summaryPmcLink",
        "summaryCitedBy",
        "yearChart",
        "summaryAbstract",
        "summarySubjects",
        "summaryKeywords",
    ):
        widget = view.findChild(QObject, name)
        assert widget is not None, name
        assert widget.accessibleName(), name
