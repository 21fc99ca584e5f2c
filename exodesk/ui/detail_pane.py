"""``DetailPane``: everything known about the selected work, its tags and its notes.

All text shown comes from the library, and the library is filled from imported files and
web services, so it is untrusted: it goes into plain-text labels, and the only rich text
here (identifier links, affiliations, tooltips) is built from ``html.escape``d pieces.
Links point to in-app ``exodesk-open:`` anchors that only ``open_href`` can open.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QLocale, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QFont, QHideEvent, QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.core.records import Author, Work, WorkRecord
from exodesk.storage.errors import LibraryError, NotFoundError
from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.notes_editor import NotesEditor
from exodesk.ui.open_links import LinkKind, LinkRefused, link_href, open_href, url_for
from exodesk.ui.suggestions import SuggestionsBox
from exodesk.ui.tag_chips import TagChips
from exodesk.ui.text import counted
from exodesk.ui.writes import Writes

_PLACEHOLDER_PAGE, _WORK_PAGE, _MANY_PAGE = 0, 1, 2
_NO_VALUE = "—"
#: The rows of the details form, in order: plain-text fields, identifier links, more fields.
_FIELDS_BEFORE = (
    "journal",
    "published",
    "volume",
    "issue",
    "pages",
    "article_number",
    "publisher",
    "type",
    "language",
)
_LINKS = (("doi", LinkKind.DOI), ("pmid", LinkKind.PUBMED), ("pmcid", LinkKind.PMC))
_FIELDS_AFTER = ("citation_key", "subjects", "keywords", "status")


def rich_text_of(text: str) -> str:
    """Untrusted text for a place where Qt guesses the format (tooltips, message boxes).

    Escaped text inside ``<p>`` is always taken as rich text and so shown literally.
    """
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class DetailPane(QWidget):
    """The right-hand pane: metadata, tag chips and notes of one work (or tags of many)."""

    #: A link was not opened; the argument is the reason (already shown to the user).
    link_refused = Signal(str)

    def __init__(
        self,
        library: Library,
        events: LibraryEvents,
        parent: QWidget | None = None,
        writes: Writes | None = None,
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._events = events
        self._writes = writes or Writes(library, self)
        self._work_id: int | None = None
        self.setObjectName("detailPane")
        self.setAccessibleName(self.tr("Article details"))
        self._stack = QStackedWidget(self, objectName="detailStack")
        self._stack.addWidget(self._build_placeholder())
        self._stack.addWidget(self._build_work_page())
        self._stack.addWidget(self._build_many_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self.link_refused.connect(self._warn_link_refused)
        self.notes_editor.link_refused.connect(self.link_refused)
        events.works_changed.connect(self._on_works_changed)
        events.works_added_or_removed.connect(self._on_works_added_or_removed)

    # -- building ----------------------------------------------------------------------------
    def _build_placeholder(self) -> QWidget:
        label = QLabel(self.tr("Select an article"), objectName="detailPlaceholder")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        return label

    def _build_work_page(self) -> QWidget:
        content = QWidget(objectName="detailContent")
        box = QVBoxLayout(content)
        box.setContentsMargins(14, 12, 14, 12)
        box.setSpacing(8)
        self._title = self._text_label("detailTitle", self.tr("Title"))
        title_font = QFont(self._title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        self._title.setFont(title_font)
        self._notice = QLabel(
            self.tr("Needs metadata: the title and other details are not known yet."),
            objectName="needsMetadataNotice",
        )
        self._notice.setWordWrap(True)
        self._notice.setStyleSheet(
            "QLabel#needsMetadataNotice { background: #fff4ce; color: #5c4400;"
            " border: 1px solid #f0d88a; border-radius: 4px; padding: 4px 8px; }"
        )
        self._authors = self._text_label("detailAuthors", self.tr("Authors"))
        self.suggestions = SuggestionsBox(self._library, self._events, content, self._writes)
        for widget in (self._title, self._notice, self.suggestions, self._authors):
            box.addWidget(widget)
        box.addLayout(self._build_affiliations())
        box.addWidget(self._rule())
        box.addLayout(self._build_form())
        box.addWidget(self._heading(self.tr("Tags")))
        self.tag_chips = TagChips(self._library, self._events, content, self._writes)
        box.addWidget(self.tag_chips)
        self._abstract_heading = self._heading(self.tr("Abstract"))
        self._abstract = self._text_label("detailAbstract", self.tr("Abstract"))
        box.addWidget(self._abstract_heading)
        box.addWidget(self._abstract)
        box.addStretch(1)
        self._scroll = QScrollArea(objectName="detailScroll")
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setWidget(content)
        return self._split(self._scroll, self._build_notes())

    def _build_affiliations(self) -> QVBoxLayout:
        self._affiliations_toggle = QToolButton(objectName="affiliationsToggle")
        self._affiliations_toggle.setCheckable(True)
        self._affiliations_toggle.setAccessibleName(self.tr("Show affiliations"))
        self._affiliations_toggle.setAutoRaise(True)
        self._affiliations_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self._affiliations_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._affiliations_toggle.toggled.connect(self._show_affiliations)
        self._affiliations = self._text_label("detailAffiliations", self.tr("Affiliations"))
        self._affiliations.setTextFormat(Qt.TextFormat.RichText)  # built from escaped text
        self._affiliations.hide()
        layout = QVBoxLayout()
        layout.setSpacing(2)
        layout.addWidget(self._affiliations_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self._affiliations)
        return layout

    def _build_form(self) -> QFormLayout:
        self._form = QFormLayout()
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._form.setHorizontalSpacing(12)
        self._form.setVerticalSpacing(5)
        names = self._field_names()
        self._values: dict[str, QLabel] = {}
        for field in _FIELDS_BEFORE:
            self._add_row(field, names[field], self._text_label(f"{_camel(field)}Value", ""))
        for field, _kind in _LINKS:
            self._add_row(field, names[field], self._link_label(f"{field}Link", names[field]))
        for field in _FIELDS_AFTER:
            self._add_row(field, names[field], self._text_label(f"{_camel(field)}Value", ""))
        return self._form

    def _add_row(self, field: str, name: str, value: QLabel) -> None:
        caption = QLabel(name)
        caption.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        # Top-aligned, so the caption stays on the first line of a value that wraps.
        caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        caption.setBuddy(value)
        value.setAccessibleName(name)
        self._values[field] = value
        self._form.addRow(caption, value)

    def _build_notes(self) -> QWidget:
        box = QWidget(objectName="detailNotes")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(14, 6, 14, 8)
        layout.setSpacing(4)
        layout.addWidget(self._heading(self.tr("Notes")))
        self.notes_editor = NotesEditor(self._library, self._events, box)
        layout.addWidget(self.notes_editor, 1)
        return box

    def _split(self, top: QWidget, bottom: QWidget) -> QSplitter:
        splitter = QSplitter(Qt.Orientation.Vertical, objectName="detailSplitter")
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        return splitter

    def _build_many_page(self) -> QWidget:
        page = QWidget(objectName="detailManyPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        self._many_count = self._text_label("selectionCount", self.tr("Selection"))
        count_font = QFont(self._many_count.font())
        count_font.setPointSizeF(count_font.pointSizeF() * 1.3)
        count_font.setBold(True)
        self._many_count.setFont(count_font)
        hint = QLabel(self.tr("Tags added or removed here apply to every selected article."))
        hint.setWordWrap(True)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.many_tag_chips = TagChips(self._library, self._events, page, self._writes)
        self.many_tag_chips.setObjectName("manyTagChips")
        for widget in (self._many_count, hint, self._heading(self.tr("Tags")), self.many_tag_chips):
            layout.addWidget(widget)
        layout.addStretch(1)
        return page

    def _text_label(self, name: str, accessible: str) -> QLabel:
        label = QLabel(objectName=name)
        label.setTextFormat(Qt.TextFormat.PlainText)  # library text is never markup
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAccessibleName(accessible)
        return label

    def _link_label(self, name: str, accessible: str) -> QLabel:
        label = QLabel(objectName=name)
        label.setOpenExternalLinks(False)  # clicks come to _open_link, never to Qt
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        label.setAccessibleName(accessible)
        label.linkActivated.connect(self._open_link)
        return label

    def _heading(self, text: str) -> QLabel:
        label = QLabel(text.upper())
        font = QFont(label.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 106)
        label.setFont(font)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        label.setContentsMargins(0, 8, 0, 0)
        return label

    def _rule(self) -> QFrame:
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        return line

    def _field_names(self) -> dict[str, str]:
        return {
            "journal": self.tr("Journal"),
            "published": self.tr("Published"),
            "volume": self.tr("Volume"),
            "issue": self.tr("Issue"),
            "pages": self.tr("Pages"),
            "article_number": self.tr("Article no."),
            "publisher": self.tr("Publisher"),
            "type": self.tr("Type"),
            "language": self.tr("Language"),
            "doi": self.tr("DOI"),
            "pmid": self.tr("PMID"),
            "pmcid": self.tr("PMCID"),
            "citation_key": self.tr("Citation key"),
            "subjects": self.tr("Subjects"),
            "keywords": self.tr("Keywords"),
            "status": self.tr("Status"),
        }

    # -- public API --------------------------------------------------------------------------
    def show_work(self, work_id: int | None) -> None:
        """Show one work, or the "Select an article" placeholder for None."""
        work = self._fetch(work_id)
        if work is None:
            self._work_id = None
            self.notes_editor.set_work(None)
            self.tag_chips.set_work_ids([])
            self._stack.setCurrentIndex(_PLACEHOLDER_PAGE)
            return
        if work.id != self._work_id:
            self._scroll.verticalScrollBar().setValue(0)
        self._work_id = work.id
        self._fill(work)
        self.tag_chips.set_work_ids([work.id])
        self.notes_editor.set_work(work.id)
        self._stack.setCurrentIndex(_WORK_PAGE)

    def show_works(self, work_ids: Sequence[int]) -> None:
        """Show several works: their number and the tags they carry, editable for all."""
        ids = list(dict.fromkeys(work_ids))
        if len(ids) <= 1:
            self.show_work(ids[0] if ids else None)
            return
        self.show_work(None)
        self._many_count.setText(
            counted(len(ids), self.tr("{n} article selected"), self.tr("{n} articles selected"))
        )
        self.many_tag_chips.set_work_ids(ids)
        self._stack.setCurrentIndex(_MANY_PAGE)

    def current_work_id(self) -> int | None:
        return self._work_id

    def flush(self, *, wait: bool = False) -> bool:
        """Save the note being edited now (the main window calls this before closing,
        with ``wait``: see ``NotesEditor.flush``)."""
        return self.notes_editor.flush(wait=wait)

    def refresh(self) -> None:
        """Read the shown work again (its fields may have changed)."""
        work = self._fetch(self._work_id)
        if work is None:
            self.show_work(None)
        else:
            self._fill(work)

    # -- filling -----------------------------------------------------------------------------
    def _fetch(self, work_id: int | None) -> Work | None:
        if work_id is None:
            return None
        try:
            return self._library.get_work(work_id)
        except (NotFoundError, LibraryError):
            return None

    def _fill(self, work: Work) -> None:
        self._fill_header(work)
        self.suggestions.set_work(work.id)
        self._fill_fields(work)
        for field, kind in _LINKS:
            self._set_link(self._values[field], kind, getattr(work, field))
        abstract = work.record.abstract.strip()
        self._abstract.setText(abstract)
        self._abstract_heading.setVisible(bool(abstract))
        self._abstract.setVisible(bool(abstract))

    def _fill_header(self, work: Work) -> None:
        title = work.title.strip()
        self._title.setText(title or self.tr("[title not yet known]"))
        font = self._title.font()
        font.setItalic(not title)
        self._title.setFont(font)
        self._title.setProperty("untitled", not title)
        self._title.setForegroundRole(
            QPalette.ColorRole.WindowText if title else QPalette.ColorRole.PlaceholderText
        )
        self._notice.setVisible(work.needs_metadata)
        authors = work.record.authors
        self._authors.setText(", ".join(a.full_name() for a in authors) or self.tr("No authors"))
        details = _affiliation_html(authors)
        self._authors.setToolTip(details)
        self._affiliations.setText(details)
        count = sum(1 for a in authors if a.affiliations or a.orcid)
        self._affiliations_toggle.setVisible(bool(details))
        self._affiliations_toggle.setText(self.tr("Affiliations (%1)").replace("%1", str(count)))
        self._affiliations.setVisible(bool(details) and self._affiliations_toggle.isChecked())

    def _fill_fields(self, work: Work) -> None:
        record = work.record
        values = {
            "journal": _journal(record),
            "published": record.date or (str(record.year) if record.year else ""),
            "volume": record.volume,
            "issue": record.issue,
            "pages": record.pages,
            "article_number": record.article_number,
            "publisher": record.publisher,
            "type": self._type_name(record.type),
            "language": _language_name(record.language),
            # The key every export writes (BibTeX, BibLaTeX, CSL-JSON id): selectable, for
            # \cite{...} in a manuscript.
            "citation_key": work.citation_key,
            "subjects": ", ".join(record.subjects),
            "keywords": ", ".join(record.keywords),
            "status": self._status(work),
        }
        for field, value in values.items():
            self._values[field].setText(value)
            self._form.setRowVisible(self._values[field], bool(value))

    def _set_link(self, label: QLabel, kind: LinkKind, identifier: str) -> None:
        if not identifier:
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setText(_NO_VALUE)
            label.setToolTip("")
            return
        href = html.escape(link_href(kind, identifier), quote=True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setText(f'<a href="{href}">{html.escape(identifier)}</a>')
        try:
            tip = self.tr("Open %1 in the web browser").replace("%1", url_for(kind, identifier))
        except LinkRefused as error:
            tip = str(error)
        label.setToolTip(rich_text_of(tip))

    def _type_name(self, csl_type: str) -> str:
        names = {
            "article-journal": self.tr("Journal article"),
            "article": self.tr("Article or preprint"),
            "review": self.tr("Review"),
            "book": self.tr("Book"),
            "chapter": self.tr("Book chapter"),
            "paper-conference": self.tr("Conference paper"),
            "report": self.tr("Report"),
            "thesis": self.tr("Thesis"),
            "dataset": self.tr("Dataset"),
            "webpage": self.tr("Web page"),
        }
        return names.get(csl_type, csl_type)

    def _status(self, work: Work) -> str:
        parts = [self.tr("Read") if work.is_read else self.tr("Unread")]
        if work.starred:
            parts.append(self.tr("Starred"))
        return " · ".join(parts)

    # -- reacting ----------------------------------------------------------------------------
    def _show_affiliations(self, shown: bool) -> None:
        self._affiliations.setVisible(shown)
        self._affiliations_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )

    def _on_works_changed(self, work_ids: list[int]) -> None:
        if self._work_id is not None and self._work_id in work_ids:
            self.refresh()

    def _on_works_added_or_removed(self) -> None:
        if self._work_id is not None:
            self.refresh()

    def _open_link(self, href: str) -> None:
        try:
            open_href(href)
        except LinkRefused as error:
            self.link_refused.emit(str(error))

    @Slot(str)
    def _warn_link_refused(self, message: str) -> None:
        QMessageBox.warning(self, self.tr("Link Not Opened"), rich_text_of(message))

    # -- never lose a note -------------------------------------------------------------------
    def hideEvent(self, event: QHideEvent) -> None:
        self.flush()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.flush()
        super().closeEvent(event)


def _journal(record: WorkRecord) -> str:
    full, abbrev = record.container_title.strip(), record.container_abbrev.strip()
    if full and abbrev and full.casefold() != abbrev.casefold():
        return f"{full} ({abbrev})"
    return full or abbrev


def _language_name(code: str) -> str:
    if not code:
        return ""
    locale = QLocale(code)
    if locale.language() == QLocale.Language.C:
        return code
    return QLocale.languageToString(locale.language())


def _affiliation_html(authors: Sequence[Author]) -> str:
    """One block per author with an ORCID or affiliations; every piece escaped."""
    blocks = []
    for author in authors:
        if not (author.affiliations or author.orcid):
            continue
        head = f"<b>{html.escape(author.full_name())}</b>"
        if author.orcid:
            head += f" &nbsp;ORCID {html.escape(author.orcid)}"
        places = "".join(
            f'<div style="margin-left: 12px;">{html.escape(place)}</div>'
            for place in author.affiliations
        )
        blocks.append(f'<div style="margin-bottom: 4px;">{head}{places}</div>')
    return "".join(blocks)
