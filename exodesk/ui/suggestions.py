""" "Upstream says ...": values a service gave for fields the user set, with Accept."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from exodesk.core.records import Author
from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.writes import Writes, waiting_text

FIELD_LABELS = {
    "title": "title", "abstract": "abstract", "container_title": "journal",
    "container_abbrev": "journal abbreviation", "year": "year", "date": "date",
    "volume": "volume", "issue": "issue", "pages": "pages",
    "article_number": "article number", "publisher": "publisher", "language": "language",
    "doi": "DOI", "pmid": "PMID", "pmcid": "PMCID", "authors": "authors",
    "subjects": "subjects", "keywords": "keywords", "type": "type",
}  # fmt: skip
SERVICE_LABELS = {"pubmed": "PubMed", "crossref": "Crossref", "europepmc": "Europe PMC"}
PREVIEW_CHARS = 160


def shown_value(value: Any) -> str:
    if isinstance(value, tuple) and value and isinstance(value[0], Author):
        return ", ".join(person.full_name() for person in value)
    if isinstance(value, tuple):
        return "; ".join(str(item) for item in value)
    text = str(value)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


class SuggestionsBox(QWidget):
    def __init__(
        self,
        library: Library,
        events: LibraryEvents,
        parent: QWidget | None = None,
        writes: Writes | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("suggestionsBox")
        self._library = library
        self._events = events
        self._writes = writes or Writes(library, self)
        self._work_id: int | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.setVisible(False)

    def set_work(self, work_id: int | None) -> None:
        self._work_id = work_id
        self.refresh()

    def fields(self) -> list[str]:
        return [
            str(child.property("field"))
            for child in self.findChildren(QFrame, "suggestion")
            if not child.isHidden()
        ]

    def refresh(self) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        suggestions = {} if self._work_id is None else self._library.suggestions(self._work_id)
        for name, (value, service) in suggestions.items():
            self._layout.addWidget(self._row(name, value, service))
        self.setVisible(bool(suggestions))

    def _row(self, name: str, value: Any, service: str) -> QFrame:
        frame = QFrame(objectName="suggestion")
        frame.setProperty("field", name)
        frame.setStyleSheet(
            "QFrame#suggestion { background: #e8f1fd; border: 1px solid #b4cdf0;"
            " border-radius: 4px; } QFrame#suggestion QLabel { color: #17365d; }"
        )
        text = QLabel(frame)
        text.setTextFormat(Qt.TextFormat.PlainText)  # upstream text is untrusted
        text.setWordWrap(True)
        text.setText(
            self.tr("{service} says the {field} is “{value}”").format(
                service=SERVICE_LABELS.get(service, service),
                field=self.tr(FIELD_LABELS.get(name, name)),
                value=shown_value(value),
            )
        )
        accept = QPushButton(self.tr("Accept"), frame, objectName=f"accept:{name}")
        accept.setAccessibleName(self.tr("Accept the upstream {}").format(name))
        accept.clicked.connect(lambda: self.accept(name))
        dismiss = QPushButton(self.tr("Keep mine"), frame, objectName=f"dismiss:{name}")
        dismiss.clicked.connect(lambda: self.dismiss(name))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(dismiss)
        buttons.addWidget(accept)
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(text)
        layout.addLayout(buttons)
        return frame

    def accept(self, name: str) -> None:
        self._apply(lambda work_id: self._library.accept_suggestion(work_id, name))

    def dismiss(self, name: str) -> None:
        self._apply(lambda work_id: self._library.dismiss_suggestion(work_id, name))

    def _apply(self, operation: Any) -> None:
        if self._work_id is None:
            return
        work_id = self._work_id

        def done(_result: object) -> None:
            self._events.works_changed.emit([work_id])
            self.refresh()

        written = self._writes.run(
            lambda: operation(work_id),
            done,
            lambda error: self._events.status_message.emit(str(error)),
        )
        if not written:
            self._events.status_message.emit(waiting_text())
