"""``NotesEditor``: the Markdown notes of one work, saved as you type.

Saving is debounced (a single-shot timer restarted on every change) and ``flush`` saves at
once; the editor flushes before it shows another work or note and when it is hidden or
closed. An edit that could not be saved is never thrown away: it stays in memory as a
draft, the error is shown, and every later keystroke or flush tries again.

Notes may come from imported files, so the preview renders Markdown with HTML switched
off, loads no images or other resources, and opens no web links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QSizePolicy,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.storage.errors import LibraryError, NotFoundError, WriteBusyError
from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.open_links import LinkRefused, open_href
from exodesk.ui.writes import waiting_text

#: How long typing must pause before the note is written.
SAVE_DELAY_MS = 700
_SAVE_ERRORS = (LibraryError, LookupError, ValueError)
_MARKDOWN = (
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub
    | QTextDocument.MarkdownFeature.MarkdownNoHTML
)
_LABEL_LENGTH = 40
_EDIT_TAB, _PREVIEW_TAB = 0, 1
#: Heading, quote and list markers at the start of a line, left out of a note's label.
_LINE_MARKERS = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)*")
#: Data of the note-list entry of a new note that is not in the library yet.
_NEW_ENTRY = "new"


@dataclass(eq=False)
class _Draft:
    """Text of one note that the library does not have yet."""

    work_id: int
    note_id: int | None  # None until the library has created the note
    body: str
    error: str = ""
    #: An import or a sync was writing: saved once it has finished (the timer retries).
    waiting: bool = False


def note_label(body: str) -> str:
    """The first non-blank line without Markdown markers, shortened for the note list."""
    for line in body.splitlines():
        text = " ".join(_LINE_MARKERS.sub("", line).split())
        if text:
            if len(text) > _LABEL_LENGTH:
                return text[: _LABEL_LENGTH - 1].rstrip() + "…"
            return text
    return ""


class _NotePreview(QTextBrowser):
    """A browser that never fetches anything a note refers to (images, style sheets)."""

    def loadResource(self, kind: int, name: QUrl) -> Any:
        # Not None: for a null answer QTextDocument falls back to reading local files
        # itself. Empty bytes are a valid answer that decodes to nothing.
        return QByteArray()


class NotesEditor(QWidget):
    """Lists, edits, previews, adds and deletes the notes of the work given to set_work."""

    #: A link in the preview was not opened; the argument says why.
    link_refused = Signal(str)

    def __init__(
        self, library: Library, events: LibraryEvents, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._events = events
        self._work_id: int | None = None
        self._note_id: int | None = None  # the note in the editor; None: not created yet
        self._index = -1  # the entry of the note list shown in the editor
        self._draft: _Draft | None = None  # unsaved text of the note in the editor
        self._stranded: list[_Draft] = []  # unsaved text of notes no longer in the editor
        self._bodies: dict[int, str] = {}  # note id -> text as stored, for the work shown
        self._loading = False
        self._announcing = False
        self.setObjectName("notesEditor")
        self._timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        self._build()
        events.notes_changed.connect(self._on_notes_changed)
        self._show_work_state()

    # -- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self._build_header())
        self._tabs = QTabWidget(self, objectName="noteTabs")
        self._tabs.setDocumentMode(True)
        self._tabs.setAccessibleName(self.tr("Note editor and preview"))
        self._edit = QPlainTextEdit(self, objectName="noteEdit")
        self._edit.setAccessibleName(self.tr("Note text (Markdown)"))
        self._edit.setTabChangesFocus(True)
        self._edit.textChanged.connect(self._on_text_changed)
        self._preview = _NotePreview(self)
        self._preview.setObjectName("notePreview")
        self._preview.setAccessibleName(self.tr("Note preview"))
        self._preview.setOpenLinks(False)
        self._preview.setOpenExternalLinks(False)
        self._preview.anchorClicked.connect(self._on_anchor_clicked)
        self._tabs.addTab(self._edit, self.tr("Edit"))
        self._tabs.addTab(self._preview, self.tr("Preview"))
        self._tabs.currentChanged.connect(self._on_tab_changed)
        layout.addWidget(self._tabs, 1)
        self._status = QLabel(self, objectName="noteStatus")
        self._status.setTextFormat(Qt.TextFormat.PlainText)
        self._status.setAccessibleName(self.tr("Note save state"))
        self._status.setWordWrap(True)
        layout.addWidget(self._status)

    def _build_header(self) -> QHBoxLayout:
        self._selector = QComboBox(self, objectName="noteSelector")
        self._selector.setAccessibleName(self.tr("Notes of this article"))
        self._selector.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._selector.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self._selector.setMinimumContentsLength(10)
        self._selector.currentIndexChanged.connect(self._on_note_chosen)
        self._new_button = self._tool_button("newNoteButton", self.tr("New note"))
        self._new_button.setToolTip(self.tr("Start another note on this article"))
        self._new_button.clicked.connect(self.new_note)
        self._delete_button = self._tool_button("deleteNoteButton", self.tr("Delete note"))
        self._delete_button.setToolTip(self.tr("Delete the note shown"))
        self._delete_button.clicked.connect(self.delete_current_note)
        header = QHBoxLayout()
        header.setSpacing(4)
        header.addWidget(self._selector, 1)
        header.addWidget(self._new_button)
        header.addWidget(self._delete_button)
        return header

    def _tool_button(self, name: str, text: str) -> QToolButton:
        button = QToolButton(self, objectName=name)
        button.setText(text)
        button.setAccessibleName(text)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    # -- public API --------------------------------------------------------------------------
    def set_work(self, work_id: int | None) -> None:
        """Show the notes of another work, saving the edit in progress first."""
        if work_id == self._work_id:
            return
        self.flush()
        self._strand_draft()
        self._work_id = work_id
        self._reload(select=None)

    def work_id(self) -> int | None:
        return self._work_id

    def current_note_id(self) -> int | None:
        """The note in the editor; None while it is new and not saved yet."""
        return self._note_id

    def text(self) -> str:
        return self._edit.toPlainText()

    def status_text(self) -> str:
        return self._status.text()

    def has_unsaved(self) -> bool:
        return self._draft is not None or bool(self._stranded)

    def flush(self, *, wait: bool = False) -> bool:
        """Save every pending edit now; True when nothing is left unsaved.

        While an import or a sync writes the library, the edits wait (the window never
        does) and are saved by a later try, unless ``wait`` (closing the window)."""
        self._timer.stop()
        saved = False
        draft = self._draft
        if draft is not None and self._save(draft, wait=wait):
            self._draft = None
            saved = True
            self._note_id = draft.note_id
            self._update_entry(self._index, draft.note_id, draft.body)
        kept = [d for d in self._stranded if not self._save(d, wait=wait)]
        saved = saved or len(kept) < len(self._stranded)
        self._stranded = kept
        if any(d.waiting for d in (self._draft, *self._stranded) if d is not None):
            self._timer.start()  # try again after a while
        self._show_save_state(saved=saved)
        return not self.has_unsaved()

    def new_note(self) -> None:
        """Start an empty note; it is created in the library on the first keystroke."""
        if self._work_id is None:
            return
        self.flush()
        self._strand_draft()
        index = self._selector.findData(_NEW_ENTRY)
        if index < 0:
            self._loading = True
            self._selector.addItem(self.tr("(new note)"), _NEW_ENTRY)
            self._loading = False
            index = self._selector.count() - 1
        self._select(index)
        self._tabs.setCurrentIndex(_EDIT_TAB)
        self._edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def delete_current_note(self) -> bool:
        """Delete the note shown, after the user confirmed; True when it was deleted."""
        if self._work_id is None or (self._note_id is None and self._draft is None):
            return False
        answer = QMessageBox.question(
            self,
            self.tr("Delete Note"),
            self.tr("Delete this note? This cannot be undone."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self._timer.stop()
        if self._note_id is not None:
            try:
                with self._library.write_turn(wait=False):
                    self._library.delete_note(self._note_id)
            except WriteBusyError:
                self._set_status(
                    self.tr("Not deleted: an import or a sync is writing the library; try again")
                )
                return False
            except _SAVE_ERRORS as error:
                self._set_status(self.tr("Not deleted: %1").replace("%1", str(error)))
                return False
            self._announce(self._work_id)
        self._draft = None  # the user chose to throw this text away
        self._reload(select=None)
        self._set_status(self.tr("Note deleted"))
        return True

    def render_preview(self) -> None:
        """Render the editor's text into the preview (Markdown without HTML)."""
        self._preview.document().setMarkdown(self._edit.toPlainText(), _MARKDOWN)

    # -- saving ------------------------------------------------------------------------------
    def _on_text_changed(self) -> None:
        if self._loading or self._work_id is None:
            return
        if self._draft is None:
            self._draft = _Draft(self._work_id, self._note_id, "")
            self._show_work_state()
        self._draft.body = self._edit.toPlainText()
        self._timer.start()  # restarts: saving waits for a pause in typing
        if not self._draft.error:
            self._set_status(self.tr("Saving…"))

    def _save(self, draft: _Draft, *, wait: bool = False) -> bool:
        """Write one draft; on failure keep it and remember why.

        A new note whose text is still blank is not created: there is nothing to keep.
        """
        try:
            with self._library.write_turn(wait=wait):
                written = self._write(draft)
        except WriteBusyError:
            draft.waiting, draft.error = True, ""
            return False
        except _SAVE_ERRORS as error:
            draft.waiting, draft.error = False, str(error)
            return False
        draft.waiting, draft.error = False, ""
        if written:
            self._announce(draft.work_id)
        return True

    def _write(self, draft: _Draft) -> bool:
        if draft.note_id is not None:
            try:
                self._library.update_note(draft.note_id, draft.body)
                return True
            except NotFoundError:
                # Deleted elsewhere while being edited: keep the text as a new note.
                draft.note_id = None
        if not draft.body.strip():
            return False
        draft.note_id = self._library.add_note(draft.work_id, draft.body).id
        return True

    def _strand_draft(self) -> None:
        """Keep a draft that could not be saved aside before the editor shows other text."""
        if self._draft is not None:
            self._stranded.append(self._draft)
            self._draft = None

    def _show_save_state(self, *, saved: bool) -> None:
        drafts = [d for d in (self._draft, *self._stranded) if d is not None]
        errors = [d.error for d in drafts if d.error]
        if errors:
            self._set_status(self.tr("Not saved: %1").replace("%1", errors[0]))
        elif any(d.waiting for d in drafts):
            self._set_status(waiting_text())
        elif self._timer.isActive():
            self._set_status(self.tr("Saving…"))
        elif saved:
            self._set_status(self.tr("Saved"))

    def _announce(self, work_id: int) -> None:
        self._announcing = True  # our own save: do not reload the editor from the library
        try:
            self._events.notes_changed.emit(work_id)
        finally:
            self._announcing = False

    # -- the note list -----------------------------------------------------------------------
    def _reload(self, select: int | None) -> None:
        """Fill the note list for the current work and show the note ``select`` (or the first)."""
        self._loading = True
        self._selector.clear()
        self._loading = False
        self._index = -1
        notes = []
        if self._work_id is not None:
            try:
                notes = self._library.list_notes(self._work_id)
            except _SAVE_ERRORS as error:
                self._set_status(self.tr("Notes not loaded: %1").replace("%1", str(error)))
        self._bodies = {note.id: note.body for note in notes}
        self._loading = True
        for note in notes:
            self._selector.addItem(self._label(note.body), note.id)
        for draft in self._stranded:
            if draft.work_id == self._work_id and draft.note_id is None:
                self._selector.addItem(self._label(draft.body, saved=False), draft)
        if self._work_id is not None and self._selector.count() == 0:
            self._selector.addItem(self.tr("(new note)"), _NEW_ENTRY)
        self._loading = False
        found = self._selector.findData(select) if select is not None else -1
        self._select(max(found, 0))
        self._show_work_state()

    def _select(self, index: int) -> None:
        """Show entry ``index`` of the note list in the editor."""
        self._loading = True
        self._selector.setCurrentIndex(index)
        self._loading = False
        self._show_entry(index)

    def _show_entry(self, index: int) -> None:
        self._index = index
        data = self._selector.itemData(index) if index >= 0 else None
        body = ""
        self._note_id = None
        if isinstance(data, _Draft):
            if data in self._stranded:
                self._stranded.remove(data)
                self._draft = data
            else:  # a retry has saved it since the list was filled
                self._note_id = data.note_id
            body = data.body
        elif isinstance(data, int):
            self._note_id = data
            body = self._bodies.get(data, "")
            for draft in self._stranded:
                if draft.note_id == data:
                    self._stranded.remove(draft)
                    self._draft = draft
                    body = draft.body
                    break
        self._loading = True
        self._edit.setPlainText(body)
        self._loading = False
        if self._draft is not None:
            self._timer.start()  # retry the save of the reattached draft soon
        if self._tabs.currentIndex() == _PREVIEW_TAB:
            self.render_preview()
        self._show_work_state()

    def _update_entry(self, index: int, note_id: int | None, body: str) -> None:
        if not 0 <= index < self._selector.count() or note_id is None:
            return
        self._bodies[note_id] = body
        self._selector.setItemData(index, note_id)
        self._selector.setItemText(index, self._label(body))

    def _label(self, body: str, *, saved: bool = True) -> str:
        label = note_label(body) or self.tr("Empty note")
        return label if saved else self.tr("%1 (not saved)").replace("%1", label)

    def _on_note_chosen(self, index: int) -> None:
        if self._loading:
            return
        self.flush()
        self._strand_draft()
        self._show_entry(index)

    def _on_notes_changed(self, work_id: int) -> None:
        # Another view changed the notes; reload unless that would replace unsaved text.
        if self._announcing or work_id != self._work_id or self._draft is not None:
            return
        self._reload(select=self._note_id)

    # -- state shown -------------------------------------------------------------------------
    def _show_work_state(self) -> None:
        has_work = self._work_id is not None
        for widget in (self._selector, self._new_button, self._tabs):
            widget.setEnabled(has_work)
        self._delete_button.setEnabled(
            has_work and (self._note_id is not None or self._draft is not None)
        )
        self._edit.setPlaceholderText(
            self.tr("Write a note in Markdown…")
            if has_work
            else self.tr("Select an article to write notes")
        )

    def _set_status(self, text: str) -> None:
        self._status.setText(text)

    # -- links and tabs ----------------------------------------------------------------------
    def _on_tab_changed(self, index: int) -> None:
        if index == _PREVIEW_TAB:
            self.render_preview()

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() != "exodesk-open":
            message = self.tr(
                "Links in notes are not opened; only DOI, PubMed and PMC links of articles are."
            )
        else:
            href = f"exodesk-open:{url.path(QUrl.ComponentFormattingOption.FullyDecoded)}"
            try:
                open_href(href)
                return
            except LinkRefused as error:
                message = str(error)
        self._set_status(message)
        self.link_refused.emit(message)

    # -- never lose text ---------------------------------------------------------------------
    def hideEvent(self, event: QHideEvent) -> None:
        self.flush()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.flush()
        super().closeEvent(event)
