"""Manage tags: rename, recolour, merge and delete (with confirmation)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from exodesk.core.records import Tag
from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.text import counted
from exodesk.ui.writes import Writes, waiting_text

TAG_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def color_icon(color: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawEllipse(1, 1, 12, 12)
    painter.end()
    return QIcon(pixmap)


class TagManagerDialog(QDialog):
    failed = Signal(str)

    def __init__(
        self,
        library: Library,
        events: LibraryEvents,
        parent: QWidget | None = None,
        writes: Writes | None = None,
    ):
        super().__init__(parent)
        self._library = library
        self._events = events
        self._writes = writes or Writes(library, self)
        self.setWindowTitle(self.tr("Manage Tags"))
        self.setObjectName("tagManager")
        self.resize(420, 380)

        self.tag_list = QListWidget(objectName="tagList")
        self.tag_list.setAccessibleName(self.tr("Tags"))
        self.tag_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.tag_list.itemSelectionChanged.connect(self._update_buttons)
        self.message = QLabel(objectName="tagManagerMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)

        self.rename_button = self._button(self.tr("Rename…"), "renameTag", self.rename_selected)
        self.color_button = self._button(self.tr("Colour…"), "recolorTag", self.recolor_selected)
        self.merge_button = self._button(self.tr("Merge…"), "mergeTags", self.merge_selected)
        self.delete_button = self._button(self.tr("Delete"), "deleteTag", self.delete_selected)
        buttons = QVBoxLayout()
        for button in (self.rename_button, self.color_button, self.merge_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)

        body = QHBoxLayout()
        body.addWidget(self.tag_list, 1)
        body.addLayout(buttons)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.failed.connect(self.message.setText)
        self.refresh()

    def _button(self, text: str, name: str, slot: object) -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.setAccessibleName(text.rstrip("…"))
        button.clicked.connect(slot)
        return button

    def refresh(self) -> None:
        selected = set(self.selected_ids())
        self.tag_list.clear()
        for tag in self._library.list_tags():
            item = QListWidgetItem(color_icon(tag.color), f"{tag.name}  ({tag.count})")
            item.setData(TAG_ID_ROLE, tag.id)
            self.tag_list.addItem(item)
            item.setSelected(tag.id in selected)
        self._update_buttons()

    def selected_ids(self) -> list[int]:
        return [int(item.data(TAG_ID_ROLE)) for item in self.tag_list.selectedItems()]

    def _selected_tags(self) -> list[Tag]:
        wanted = set(self.selected_ids())
        return [tag for tag in self._library.list_tags() if tag.id in wanted]

    def _update_buttons(self) -> None:
        count = len(self.tag_list.selectedItems())
        self.rename_button.setEnabled(count == 1)
        self.color_button.setEnabled(count >= 1)
        self.merge_button.setEnabled(count >= 2)
        self.delete_button.setEnabled(count >= 1)

    def _changed(self) -> None:
        self.message.clear()
        self.refresh()
        self._events.tags_changed.emit()

    # -- commands (each takes its answer as an argument so tests need no modal dialog) ----
    def rename_selected(self, new_name: str | None = None) -> None:
        tags = self._selected_tags()
        if len(tags) != 1:
            return
        if not isinstance(new_name, str):
            new_name, ok = QInputDialog.getText(
                self, self.tr("Rename Tag"), self.tr("New name:"), text=tags[0].name
            )
            if not ok:
                return
        self._run(lambda: self._library.rename_tag(tags[0].id, new_name))

    def recolor_selected(self, color: str | None = None) -> None:
        tags = self._selected_tags()
        if not tags:
            return
        if not isinstance(color, str):
            chosen = QColorDialog.getColor(QColor(tags[0].color), self, self.tr("Tag Colour"))
            if not chosen.isValid():
                return
            color = chosen.name()
        self._run(lambda: [self._library.recolor_tag(tag.id, color) for tag in tags])

    def merge_selected(self, target_name: str | None = None) -> None:
        tags = self._selected_tags()
        if len(tags) < 2:
            return
        names = [tag.name for tag in tags]
        if not isinstance(target_name, str):
            target_name, ok = QInputDialog.getItem(
                self,
                self.tr("Merge Tags"),
                self.tr("Merge the selected tags into:"),
                names,
                0,
                False,
            )
            if not ok:
                return
        target = next((tag for tag in tags if tag.name == target_name), None)
        if target is None:
            return
        sources = [tag.id for tag in tags if tag.id != target.id]
        self._run(lambda: self._library.merge_tags(sources, target.id))

    def delete_selected(self, confirmed: bool | None = None) -> None:
        tags = self._selected_tags()
        if not tags:
            return
        if confirmed is not True:
            names = ", ".join(f"“{tag.name}”" for tag in tags)
            works = sum(tag.count for tag in tags)
            answer = QMessageBox.question(
                self,
                self.tr("Delete Tags"),
                counted(
                    works,
                    self.tr("Delete {names}? It is removed from {n} work; the work stays."),
                    self.tr("Delete {names}? It is removed from {n} works; the works stay."),
                ).replace("{names}", names),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._run(lambda: [self._library.delete_tag(tag.id) for tag in tags])

    def _run(self, operation: Callable[[], object]) -> None:
        # A change that waited for an import may be written after this dialog was closed
        # (and deleted): the window's views are told anyway; the dialog only if it is there.
        events = self._events

        def written(_result: object) -> None:
            if isValid(self):
                self._changed()
            else:
                events.tags_changed.emit()

        def refused(error: Exception) -> None:
            if isValid(self):
                self.failed.emit(str(error))
                self.refresh()
            else:
                events.status_message.emit(str(error))

        if not self._writes.run(operation, written, refused):
            self.message.setText(waiting_text())
