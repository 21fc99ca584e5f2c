"""``TagChips``: the tags of one or several works as coloured chips, with a field to add more.

Tag names come from the library and may have been imported, so they are shown only in
plain-text labels; tag colours go into style sheets, so they are checked first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.core.records import Tag
from exodesk.storage.errors import LibraryError
from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.flow_layout import FlowLayout
from exodesk.ui.writes import Writes, waiting_text

_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_FALLBACK_COLOR = "#8d8d8d"
#: Errors a tag change can meet that the user can act on; anything else is a bug.
_USER_ERRORS = (ValueError, LookupError, LibraryError)


def safe_color(color: str) -> str:
    """The colour if it is ``#rrggbb``, else a neutral grey: it goes into a style sheet."""
    return color if _HEX_COLOR.match(color or "") else _FALLBACK_COLOR


def readable_text_color(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (WCAG relative luminance)."""
    color = QColor(safe_color(background))

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = (
        0.2126 * linear(color.redF())
        + 0.7152 * linear(color.greenF())
        + 0.0722 * linear(color.blueF())
    )
    # 0.179 is where the contrast ratio against black and against white is equal.
    return "#000000" if luminance > 0.179 else "#ffffff"


class _TagChip(QFrame):
    """One rounded chip: the tag name and an "×" button that asks to remove the tag."""

    remove_requested = Signal(int)

    def __init__(self, tag: Tag, partial_tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tag = tag
        self.setObjectName("tagChip")
        self.setAccessibleName(tag.name)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        label = QLabel(tag.name, self, objectName="tagChipLabel")
        label.setTextFormat(Qt.TextFormat.PlainText)
        button = QToolButton(self, objectName=f"removeTag:{tag.name}")
        button.setText("×")
        button.setAccessibleName(self.tr("Remove tag %1").replace("%1", tag.name))
        # The tooltip leaves the name out: Qt would read a name like "<b>x" as rich text.
        button.setToolTip(self.tr("Remove this tag"))
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(lambda: self.remove_requested.emit(tag.id))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(9, 1, 3, 1)
        layout.setSpacing(2)
        layout.addWidget(label)
        layout.addWidget(button)
        if partial_tip:
            label.setToolTip(partial_tip)
        self._style(bool(partial_tip))

    def _style(self, partial: bool) -> None:
        background = safe_color(self.tag.color)
        text = readable_text_color(background)
        # A tag only some of the selected works carry is drawn as a dashed outline.
        fill = "transparent" if partial else background
        ink = "palette(text)" if partial else text
        border = f"1px {'dashed' if partial else 'solid'} {background}"
        self.setStyleSheet(
            f"QFrame#tagChip {{ background-color: {fill}; border: {border};"
            " border-radius: 10px; }"
            f"QLabel#tagChipLabel {{ color: {ink}; background: transparent; }}"
            f"QToolButton {{ color: {ink}; background: transparent; border: none;"
            " font-weight: bold; padding: 0px 3px; border-radius: 8px; }"
            "QToolButton:hover, QToolButton:focus { background-color: rgba(127, 127, 127, 90); }"
        )


class _TagEdit(QLineEdit):
    """A line edit that clears itself on Escape (when no completion popup is open)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        completer = self.completer()
        popup_open = completer is not None and completer.popup().isVisible()
        if event.key() == Qt.Key.Key_Escape and not popup_open and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)


class TagChips(QWidget):
    """Shows and edits the tags of the works set by ``set_work_ids``.

    With several works, the chips are the union of their tags; adding a tag applies it to
    all of them and "×" removes it from all of them.
    """

    #: Emitted after the tags of the shown works changed through this widget.
    tags_edited = Signal()

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
        self._work_ids: list[int] = []
        self._chips: list[_TagChip] = []
        self._announcing = False
        self.setObjectName("tagChips")
        self._build()
        events.works_changed.connect(self._on_works_changed)
        events.work_tags_changed.connect(self._on_works_changed)
        events.tags_changed.connect(self._on_tags_changed)

    def _build(self) -> None:
        self._flow = FlowLayout(h_spacing=6, v_spacing=6)
        self._edit = _TagEdit(self, objectName="addTagEdit")
        self._edit.setPlaceholderText(self.tr("Add tag…"))
        self._edit.setAccessibleName(self.tr("Add tag"))
        self._edit.setToolTip(self.tr("Type a tag name and press Enter; Escape clears"))
        self._edit.setMinimumWidth(140)
        self._edit.setMaxLength(200)  # longer than any valid name, so the error is shown
        self._names = QStringListModel(self)
        completer = QCompleter(self._names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self._edit.setCompleter(completer)
        self._edit.returnPressed.connect(self._on_return)
        self._edit.textEdited.connect(lambda _text: self._status.clear())
        self._status = QLabel(self, objectName="tagStatus")
        self._status.setTextFormat(Qt.TextFormat.PlainText)
        self._status.setWordWrap(True)
        self._status.setAccessibleName(self.tr("Tag status"))
        self._status.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self._flow)
        layout.addWidget(self._status)
        self._flow.addWidget(self._edit)

    # -- public API --------------------------------------------------------------------------
    def set_work_ids(self, work_ids: Sequence[int]) -> None:
        ids = list(dict.fromkeys(int(i) for i in work_ids))
        if ids != self._work_ids:  # the same works again: keep a half-typed name
            self._work_ids = ids
            self._edit.clear()
            self._show_status("")
        self.refresh()

    def work_ids(self) -> list[int]:
        return list(self._work_ids)

    def chip_names(self) -> list[str]:
        """The names on the chips shown, in order (for tests and accessibility)."""
        return [chip.tag.name for chip in self._chips]

    def status_text(self) -> str:
        return self._status.text()

    def refresh(self) -> None:
        """Read the tags of the works again and rebuild the chips and completions."""
        if not self._work_ids:  # nothing shown: no chips, and nothing to read
            self._rebuild_chips([], 0)
            self._edit.setEnabled(False)
            return
        try:
            counted_tags = self._library.tag_counts(self._work_ids)
            all_tags = self._library.list_tags(counts=False)
        except _USER_ERRORS as error:
            self._show_status(str(error))
            return
        self._rebuild_chips(counted_tags, len(self._work_ids))
        shown = {chip.tag.id for chip in self._chips}
        self._names.setStringList([tag.name for tag in all_tags if tag.id not in shown])
        self._edit.setEnabled(bool(self._work_ids))

    def add_tag(self, name: str) -> bool:
        """Tag every shown work with ``name`` (created if new); False and a message if not.
        While an import is writing, the change waits for it (and True is returned)."""
        if not self._work_ids:
            return False
        work_ids = list(self._work_ids)
        refused = self._write(
            lambda: self._library.tag_works_creating(name, work_ids)[1],
            lambda created: self._changed(created, work_ids),
        )
        if not refused:
            self._edit.clear()
        return not refused

    def remove_tag(self, tag_id: int) -> bool:
        """Take the tag off every shown work; False and a message if that failed."""
        work_ids = list(self._work_ids)
        refused = self._write(
            lambda: self._library.untag_works(tag_id, work_ids),
            lambda _: self._changed(False, work_ids),
        )
        return not refused

    def _write(self, write: Callable[[], Any], done: Callable[[Any], None]) -> bool:
        """Run one change through ``Writes``; True when it was refused at once."""
        refused: list[Exception] = []

        def failed(error: Exception) -> None:
            refused.append(error)
            self._show_status(str(error))

        def written(result: Any) -> None:
            self._show_status("")
            done(result)

        if not self._writes.run(write, written, failed):
            self._show_status(waiting_text(), error=False)
        return bool(refused)

    # -- internals ---------------------------------------------------------------------------
    def _rebuild_chips(self, counted_tags: list[tuple[Tag, int]], total: int) -> None:
        for chip in self._chips:
            self._flow.removeWidget(chip)
            chip.hide()
            # Clear the names at once so a lookup by name never finds a chip being deleted.
            for child in chip.findChildren(QWidget):
                child.setObjectName("")
            chip.setObjectName("")
            chip.deleteLater()
        self._chips = []
        self._flow.removeWidget(self._edit)
        for tag, count in sorted(counted_tags, key=lambda pair: pair[0].name.casefold()):
            chip = _TagChip(tag, self._partial_tip(count, total), self)
            chip.remove_requested.connect(self.remove_tag)
            self._flow.addWidget(chip)
            chip.show()  # a layout shows new children of a visible widget only later
            self._chips.append(chip)
        self._flow.addWidget(self._edit)  # the field stays after the last chip

    def _partial_tip(self, count: int, total: int) -> str:
        if count >= total:
            return ""
        return (
            self.tr("On %1 of the %2 selected articles")
            .replace("%1", str(count))
            .replace("%2", str(total))
        )

    def _changed(self, tag_created: bool, work_ids: list[int]) -> None:
        self.refresh()
        self.tags_edited.emit()
        self._announcing = True  # our own refresh is done; skip the echo of our event
        try:
            self._events.work_tags_changed.emit(list(work_ids))
            if tag_created:
                self._events.tags_changed.emit()
        finally:
            self._announcing = False

    def _on_tags_changed(self) -> None:
        if not self._announcing:
            self.refresh()

    def _on_works_changed(self, work_ids: list[int]) -> None:
        if not self._announcing and set(work_ids) & set(self._work_ids):
            self.refresh()

    def _on_return(self) -> None:
        completer = self._edit.completer()
        from_popup = completer is not None and completer.popup().isVisible()
        if self.add_tag(self._edit.text()) and from_popup:
            # Enter on the completion popup reaches us before the completer is done with
            # it, and the completer then puts the typed prefix back: clear once more after.
            QTimer.singleShot(0, self._edit.clear)

    def _show_status(self, message: str, *, error: bool = True) -> None:
        # Red for what went wrong; the palette's own colour for a change that waits.
        self._status.setStyleSheet("color: #c62828;" if error else "")
        self._status.setText(message)
        self._status.setVisible(bool(message))

    def focus_add_field(self) -> None:
        self._edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
