"""``ReviewSummaryView``: the article header of the tracked review, and who cites it.

Everything shown comes from the library, which is filled from files and web services, so
all of it is untrusted: labels that show it are plain text, and the few rich-text labels
(citation line, identifier links, abstract) put it through ``html.escape`` first. Links
never carry a web address: they are ``link_href`` anchors that go back through
``open_href``, which validates them before anything reaches the browser.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QDate, QLocale, Qt, Signal, Slot
from PySide6.QtGui import QFont, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from exodesk.core.query import Scope, WorkQuery
from exodesk.core.records import Author, Work, WorkRecord
from exodesk.storage.errors import LibraryError, NotFoundError
from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.flow_layout import FlowLayout
from exodesk.ui.open_links import LinkKind, LinkRefused, link_href, open_href, url_for
from exodesk.ui.year_chart import YearBarChart

#: Authors shown before "et al." while the list is collapsed.
COLLAPSED_AUTHORS = 3
#: Lines longer than this are tiring to read; the column stops growing here.
MAX_COLUMN_WIDTH = 860

_TEXT_SELECTABLE = (
    Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
)
_LINK_FLAGS = (
    Qt.TextInteractionFlag.LinksAccessibleByMouse
    | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
    | Qt.TextInteractionFlag.TextSelectableByMouse
)
# palette(...) is resolved against the chip's own palette, so chips follow dark themes.
_CHIP_STYLES = {
    "subject": (
        "QLabel { background: palette(button); color: palette(button-text);"
        " border: 1px solid palette(mid); border-radius: 10px; padding: 2px 9px; }"
    ),
    "keyword": (
        "QLabel { background: palette(base); color: palette(text);"
        " border: 1px solid palette(mid); border-radius: 10px; padding: 2px 9px; }"
    ),
}
_TOGGLE_STYLE = (
    "QPushButton { border: none; padding: 0; color: palette(link); text-align: left; }"
    "QPushButton:hover, QPushButton:focus { text-decoration: underline; }"
)


def citation_line(record: WorkRecord) -> str:
    """``Cells 2023; 12(3): 356`` (journal, year; volume(issue): article number or pages)."""
    head = " ".join(part for part in (record.container_title, _year(record)) if part)
    volume = record.volume + (f"({record.issue})" if record.issue else "")
    locator = record.article_number or record.pages
    tail = f"{volume}: {locator}" if volume and locator else volume or locator
    return f"{head}; {tail}" if head and tail else head or tail


def _year(record: WorkRecord) -> str:
    return str(record.year) if record.year else ""


def _plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally: Qt guesses rich text for tooltips."""
    return f"<p>{html.escape(text)}</p>" if text else ""


class ReviewSummaryView(QWidget):
    """The tracked review as a journal's article header, with its citing articles per year."""

    #: A link was refused (the message says why); a warning box shows it.
    link_refused = Signal(str)
    #: A link was handed to the browser (the URL).
    link_opened = Signal(str)

    def __init__(
        self,
        library: Library,
        events: LibraryEvents,
        parent: QWidget | None = None,
        *,
        lazy: bool = False,
    ) -> None:
        super().__init__(parent)
        self._library = library
        # Lazy: read only when shown. Counting citing works by year is a scan of every
        # citing work; the main window opens on the table, not on this page.
        self._lazy = lazy
        self._stale = True
        self._events = events
        self._review_id: int | None = None
        self._authors: tuple[Author, ...] = ()
        self._authors_expanded = False
        self._chip_terms: dict[str, tuple[str, ...]] = {}
        self.setObjectName("reviewSummaryView")
        self.setAccessibleName(self.tr("Review summary"))

        self._stack = QStackedWidget(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._stack)

        self.placeholder = QLabel(self)
        self.placeholder.setObjectName("summaryPlaceholder")
        self.placeholder.setTextFormat(Qt.TextFormat.PlainText)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setMargin(24)
        self.placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._stack.addWidget(self.placeholder)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("summaryScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self._stack.addWidget(self.scroll_area)
        self._build_content()

        self.link_refused.connect(self._warn_link_refused)
        events.works_added_or_removed.connect(self._on_works_added_or_removed)
        events.works_changed.connect(self._on_works_changed)
        if not lazy:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def _refresh_when_seen(self) -> None:
        if self._lazy and not self.isVisible():
            self._stale = True
        else:
            self.refresh()

    # -- building ------------------------------------------------------------------------------
    def _build_content(self) -> None:
        page = QWidget()
        page.setObjectName("summaryContent")
        row = QHBoxLayout(page)
        row.setContentsMargins(28, 22, 28, 28)
        column = QWidget(page)
        column.setMaximumWidth(MAX_COLUMN_WIDTH)
        row.addWidget(column, 1)
        row.addStretch(0)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)

        self.kicker_label = self._muted_label(self.tr("Tracked review"), "summaryKicker")
        kicker_font = self._scaled_font(0.85, bold=True)
        kicker_font.setCapitalization(QFont.Capitalization.AllUppercase)
        kicker_font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
        self.kicker_label.setFont(kicker_font)
        layout.addWidget(self.kicker_label)

        self.title_label = self._plain_label("summaryTitle", self.tr("Title"))
        self.title_label.setFont(self._scaled_font(1.55, bold=True))
        layout.addWidget(self.title_label)
        layout.addSpacing(4)

        self.authors_label = self._plain_label("summaryAuthors", self.tr("Authors"))
        self.authors_label.setFont(self._scaled_font(1.08))
        layout.addWidget(self.authors_label)
        self.authors_toggle = QPushButton(column)
        self.authors_toggle.setObjectName("authorsToggle")
        self.authors_toggle.setFlat(True)
        self.authors_toggle.setStyleSheet(_TOGGLE_STYLE)
        self.authors_toggle.setCursor(Qt.CursorShape.PointingHandCursor)
        self.authors_toggle.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.authors_toggle.clicked.connect(self.toggle_authors)
        layout.addWidget(self.authors_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addSpacing(4)

        # Rich text: the journal is set in italics; every part of it is escaped.
        self.citation_label = QLabel(column)
        self.citation_label.setObjectName("summaryCitation")
        self.citation_label.setAccessibleName(self.tr("Citation"))
        self.citation_label.setTextFormat(Qt.TextFormat.RichText)
        self.citation_label.setWordWrap(True)
        self.citation_label.setTextInteractionFlags(_TEXT_SELECTABLE)
        self.citation_label.setFont(self._scaled_font(1.08))
        layout.addWidget(self.citation_label)
        self.published_label = self._muted_label("", "summaryPublished")
        self.published_label.setTextFormat(Qt.TextFormat.PlainText)
        self.published_label.setTextInteractionFlags(_TEXT_SELECTABLE)
        layout.addWidget(self.published_label)
        layout.addSpacing(2)

        identifiers = QWidget(column)
        identifiers.setObjectName("summaryIdentifiers")
        flow = FlowLayout(identifiers, h_spacing=22, v_spacing=4)
        flow.setContentsMargins(0, 0, 0, 0)
        self.doi_link = self._identifier(flow, "DOI", "summaryDoiLink")
        self.pubmed_link = self._identifier(flow, "PMID", "summaryPubmedLink")
        self.pmc_link = self._identifier(flow, "PMCID", "summaryPmcLink")
        layout.addWidget(identifiers)

        layout.addSpacing(10)
        layout.addWidget(self._rule(column))
        layout.addSpacing(8)

        self._cited_heading = self._heading(self.tr("Citing articles"))
        layout.addWidget(self._cited_heading)
        self.cited_by_label = self._plain_label("summaryCitedBy", self.tr("Cited by"))
        self.cited_by_label.setFont(self._scaled_font(1.08, bold=True))
        layout.addWidget(self.cited_by_label)
        self.year_chart = YearBarChart(column)
        self.year_chart.setMaximumWidth(560)
        layout.addWidget(self.year_chart, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addSpacing(12)

        self._abstract_heading = self._heading(self.tr("Abstract"))
        layout.addWidget(self._abstract_heading)
        # Rich text only for the line spacing and paragraphs; the text itself is escaped.
        self.abstract_label = QLabel(column)
        self.abstract_label.setObjectName("summaryAbstract")
        self.abstract_label.setAccessibleName(self.tr("Abstract"))
        self.abstract_label.setTextFormat(Qt.TextFormat.RichText)
        self.abstract_label.setWordWrap(True)
        self.abstract_label.setTextInteractionFlags(_TEXT_SELECTABLE)
        self.abstract_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.abstract_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout.addWidget(self.abstract_label)
        layout.addSpacing(12)

        self._subjects_heading = self._heading(self.tr("Subjects"))
        layout.addWidget(self._subjects_heading)
        self.subjects_box, subjects_flow = self._chip_box(column, "summarySubjects")
        self.subjects_box.setAccessibleName(self.tr("Subjects"))
        layout.addWidget(self.subjects_box)
        layout.addSpacing(10)

        self._keywords_heading = self._heading(self.tr("Keywords"))
        layout.addWidget(self._keywords_heading)
        self.keywords_box, keywords_flow = self._chip_box(column, "summaryKeywords")
        self._chip_flows = {"subject": subjects_flow, "keyword": keywords_flow}
        self.keywords_box.setAccessibleName(self.tr("Keywords"))
        layout.addWidget(self.keywords_box)
        layout.addStretch(1)

        self.scroll_area.setWidget(page)

    def _scaled_font(self, factor: float, *, bold: bool = False) -> QFont:
        font = QFont(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * factor)
        else:
            font.setPixelSize(max(8, round(font.pixelSize() * factor)))
        font.setBold(bold)
        return font

    def _plain_label(self, name: str, accessible: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setAccessibleName(accessible)
        label.setTextFormat(Qt.TextFormat.PlainText)  # untrusted text is shown literally
        label.setWordWrap(True)
        label.setTextInteractionFlags(_TEXT_SELECTABLE)
        return label

    def _muted_label(self, text: str, name: str) -> QLabel:
        label = QLabel(text, self)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        return label

    def _heading(self, text: str) -> QLabel:
        label = self._muted_label(text, "summarySectionHeading")
        font = self._scaled_font(0.85, bold=True)
        font.setCapitalization(QFont.Capitalization.AllUppercase)
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
        label.setFont(font)
        return label

    def _rule(self, parent: QWidget) -> QFrame:
        rule = QFrame(parent)
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Plain)
        rule.setForegroundRole(QPalette.ColorRole.Mid)
        return rule

    def _identifier(self, flow: FlowLayout, caption: str, name: str) -> QLabel:
        pair = QWidget(flow.parentWidget())
        row = QHBoxLayout(pair)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        caption_label = self._muted_label(caption, f"{name}Caption")
        caption_label.setFont(self._scaled_font(0.9, bold=True))
        caption_label.setWordWrap(False)
        value = QLabel(pair)
        value.setObjectName(name)
        value.setAccessibleName(caption)
        value.setOpenExternalLinks(False)  # every click goes through open_link
        value.linkActivated.connect(self.open_link)
        caption_label.setBuddy(value)
        row.addWidget(caption_label)
        row.addWidget(value)
        flow.addWidget(pair)
        return value

    def _chip_box(self, parent: QWidget, name: str) -> tuple[QWidget, FlowLayout]:
        box = QWidget(parent)
        box.setObjectName(name)
        flow = FlowLayout(box, h_spacing=6, v_spacing=6)
        flow.setContentsMargins(0, 2, 0, 0)
        return box, flow

    # -- data ----------------------------------------------------------------------------------
    def review_id(self) -> int | None:
        return self._review_id

    @Slot()
    def refresh(self) -> None:
        """Read the tracked review and its citing counts again and show them."""
        self._stale = False
        try:
            review_id = self._library.tracked_review_id()
            if review_id is None:
                self._show_placeholder(self._no_review_text())
                return
            work = self._library.get_work(review_id)
            citing = self._library.count_works(WorkQuery(scope=Scope.CITING))
            by_year = self._library.citing_counts_by_year(review_id)
        except NotFoundError:  # the review was deleted between two reads
            self._show_placeholder(self._no_review_text())
            return
        except LibraryError as error:
            self._show_placeholder(str(error))
            self._events.status_message.emit(str(error))
            return
        if review_id != self._review_id:
            self._authors_expanded = False  # another review: start collapsed again
        self._review_id = review_id
        self._show_work(work, citing, by_year)
        self._stack.setCurrentWidget(self.scroll_area)

    @Slot()
    def _on_works_added_or_removed(self) -> None:
        self._refresh_when_seen()

    @Slot(list)
    def _on_works_changed(self, _work_ids: list[int]) -> None:
        # A citing article's year may have changed too, so the whole summary is re-read.
        self._refresh_when_seen()

    def _no_review_text(self) -> str:
        return self.tr(
            "No review is tracked yet.\n\nImport a PubMed \u201cCited by\u201d page of a review"
            " to see its summary here and follow the articles that cite it."
        )

    def _show_placeholder(self, text: str) -> None:
        self._review_id = None
        self.placeholder.setText(text)
        self._stack.setCurrentWidget(self.placeholder)

    def is_showing_placeholder(self) -> bool:
        return self._stack.currentWidget() is self.placeholder

    def _show_work(self, work: Work, citing: int, by_year: dict[int | None, int]) -> None:
        record = work.record
        self.title_label.setText(record.title or self.tr("Untitled work"))
        self._authors = record.authors
        self._show_authors()

        line = citation_line(record)
        journal = record.container_title
        if journal and line.startswith(journal):
            rich = f"<i>{html.escape(journal)}</i>{html.escape(line[len(journal) :])}"
        else:
            rich = html.escape(line)
        self.citation_label.setText(rich)
        self.citation_label.setVisible(bool(line))
        published = self._published_text(record)
        self.published_label.setText(published)
        self.published_label.setVisible(bool(published))

        self._show_identifier(self.doi_link, LinkKind.DOI, record.doi)
        self._show_identifier(self.pubmed_link, LinkKind.PUBMED, record.pmid)
        self._show_identifier(self.pmc_link, LinkKind.PMC, record.pmcid)

        self.cited_by_label.setText(
            self.tr("Cited by 1 article")
            if citing == 1
            else self.tr("Cited by {count} articles").format(count=citing)
        )
        self.year_chart.set_counts(by_year)

        self._show_abstract(record.abstract)
        self._show_chips("subject", self._subjects_heading, self.subjects_box, record.subjects)
        self._show_chips("keyword", self._keywords_heading, self.keywords_box, record.keywords)

    # -- authors -------------------------------------------------------------------------------
    def authors_expanded(self) -> bool:
        return self._authors_expanded

    @Slot()
    def toggle_authors(self) -> None:
        self._authors_expanded = not self._authors_expanded
        self._show_authors()

    def _show_authors(self) -> None:
        names = [author.full_name() for author in self._authors]
        collapsible = len(names) > COLLAPSED_AUTHORS
        if not names:
            self.authors_label.setText(self.tr("Authors not known"))
        elif collapsible and not self._authors_expanded:
            shown = ", ".join(names[:COLLAPSED_AUTHORS])
            self.authors_label.setText(self.tr("{names}, et al.").format(names=shown))
        else:
            self.authors_label.setText(", ".join(names))
        self.authors_toggle.setVisible(collapsible)
        if collapsible:
            self.authors_toggle.setText(
                self.tr("Show fewer")
                if self._authors_expanded
                else self.tr("Show all {count} authors").format(count=len(names))
            )
            self.authors_toggle.setAccessibleName(self.authors_toggle.text())

    # -- citation details ----------------------------------------------------------------------
    def _published_text(self, record: WorkRecord) -> str:
        parts = []
        date = self._readable_date(record.date)
        if date:
            parts.append(self.tr("Published {date}").format(date=date))
        if record.publisher:
            parts.append(record.publisher)
        return " \u00b7 ".join(parts)

    def _readable_date(self, iso: str) -> str:
        """A full or year-month ISO date in the user's language; "" for a bare year."""
        locale = QLocale()
        full = QDate.fromString(iso[:10], Qt.DateFormat.ISODate)
        if len(iso) >= 10 and full.isValid():
            return locale.toString(full, "d MMMM yyyy")
        month = QDate.fromString(iso[:7] + "-01", Qt.DateFormat.ISODate)
        if len(iso) >= 7 and month.isValid():
            return locale.toString(month, "MMMM yyyy")
        return ""

    def _show_identifier(self, label: QLabel, kind: LinkKind, identifier: str) -> None:
        label.setTextInteractionFlags(_TEXT_SELECTABLE)
        if not identifier:
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setText("\u2014")
            label.setToolTip(self.tr("Not known yet"))
            label.setAccessibleDescription(self.tr("Not known yet"))
            return
        try:
            url = url_for(kind, identifier)
        except LinkRefused as refused:
            # Shown, so that it can be corrected, but not as a link.
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setText(identifier)
            label.setToolTip(_plain_tooltip(str(refused)))
            label.setAccessibleDescription(str(refused))
            return
        href = html.escape(link_href(kind, identifier), quote=True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setText(f'<a href="{href}">{html.escape(identifier)}</a>')
        label.setTextInteractionFlags(_LINK_FLAGS)
        label.setToolTip(_plain_tooltip(self.tr("Open {url}").format(url=url)))
        label.setAccessibleDescription(self.tr("Link: {url}").format(url=url))

    @Slot(str)
    def open_link(self, href: str) -> None:
        """Open an anchor of this view in the browser; anything else is refused."""
        try:
            url = open_href(href)
        except LinkRefused as refused:
            self.link_refused.emit(str(refused))
            return
        self.link_opened.emit(url)
        self._events.status_message.emit(self.tr("Opened {url}").format(url=url))

    @Slot(str)
    def _warn_link_refused(self, message: str) -> None:
        self.warning_box(message).open()  # window-modal, without a nested event loop

    def warning_box(self, message: str) -> QMessageBox:
        """The box that says why a link was not opened (plain text: it may quote the href)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Link not opened"),
            message,
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName("linkRefusedBox")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return box

    # -- abstract and chips --------------------------------------------------------------------
    def _show_abstract(self, abstract: str) -> None:
        paragraphs = [part.strip() for part in abstract.splitlines() if part.strip()]
        if paragraphs:
            body = "".join(
                f'<p style="line-height: 135%; margin-bottom: 6px">{html.escape(part)}</p>'
                for part in paragraphs
            )
            self.abstract_label.setForegroundRole(QPalette.ColorRole.WindowText)
        else:
            body = html.escape(self.tr("No abstract in the library yet."))
            self.abstract_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.abstract_label.setText(body)

    def _show_chips(self, kind: str, heading: QLabel, box: QWidget, terms: Sequence[str]) -> None:
        terms = tuple(terms)
        flow = self._chip_flows[kind]
        heading.setVisible(bool(terms))
        box.setVisible(bool(terms))
        if self._chip_terms.get(kind) == terms:
            return  # unchanged: keep the widgets, no flicker on every refresh
        self._chip_terms[kind] = terms
        flow.clear()
        for term in terms:
            chip = QLabel(term, box)
            chip.setObjectName("summaryChip")
            chip.setProperty("chipKind", kind)
            chip.setTextFormat(Qt.TextFormat.PlainText)
            chip.setStyleSheet(_CHIP_STYLES[kind])
            chip.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            flow.addWidget(chip)
            chip.show()

    def chip_texts(self, kind: str) -> list[str]:
        """The chips shown for ``"subject"`` or ``"keyword"``, in order (for tests)."""
        widgets = self._chip_flows[kind].widgets()
        return [widget.text() for widget in widgets if isinstance(widget, QLabel)]
