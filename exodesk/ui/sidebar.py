"""The sidebar: the review summary, the fixed filters with their counts, then every tag."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from exodesk.core.query import Scope
from exodesk.storage.library import Library
from exodesk.storage.listing import SidebarCounts

ModelIndex = QModelIndex | QPersistentModelIndex
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1


class EntryKind(str, Enum):
    SUMMARY = "summary"
    FILTER = "filter"
    HEADER = "header"
    TAG = "tag"


@dataclass(frozen=True, slots=True)
class SidebarEntry:
    kind: EntryKind
    label: str
    count: int | None = None
    scope: Scope | None = None
    tag_id: int | None = None
    color: str | None = None

    def key(self) -> tuple[str, object]:
        """Identity that survives a refresh (counts and labels change, the key does not)."""
        if self.kind is EntryKind.TAG:
            return (self.kind.value, self.tag_id)
        return (self.kind.value, self.scope or self.label)


class SidebarModel(QAbstractListModel):
    def __init__(self, library: Library, parent: Any = None) -> None:
        super().__init__(parent)
        self._library = library
        self._entries: list[SidebarEntry] = []
        self._icons: dict[str, QIcon] = {}
        self._counts: SidebarCounts | None = None

    def refresh(self) -> None:
        """Read the counts and the tags again."""
        self._counts = self._library.sidebar_counts()
        self._rebuild()

    def refresh_tags(self) -> None:
        """Read the tags again; the filters' counts cannot have changed (tagging, renaming)."""
        if self._counts is None:
            self.refresh()
        else:
            self._rebuild()

    def _rebuild(self) -> None:
        counts = self._counts
        assert counts is not None
        entries = [
            SidebarEntry(EntryKind.SUMMARY, self.tr("Review summary")),
            SidebarEntry(EntryKind.FILTER, self.tr("Citing articles"), counts.citing, Scope.CITING),
            SidebarEntry(EntryKind.FILTER, self.tr("Unread"), counts.unread, Scope.UNREAD),
            SidebarEntry(EntryKind.FILTER, self.tr("Starred"), counts.starred, Scope.STARRED),
            SidebarEntry(
                EntryKind.FILTER,
                self.tr("Needs metadata"),
                counts.needs_metadata,
                Scope.NEEDS_METADATA,
            ),
            SidebarEntry(EntryKind.FILTER, self.tr("New since last sync"), counts.new, Scope.NEW),
        ]
        tags = self._library.list_tags()
        if tags:
            entries.append(SidebarEntry(EntryKind.HEADER, self.tr("Tags")))
        entries += [
            SidebarEntry(EntryKind.TAG, tag.name, tag.count, Scope.TAG, tag.id, tag.color)
            for tag in tags
        ]
        if [e.key() for e in entries] == [e.key() for e in self._entries]:
            # Same entries: update in place so the selection is kept.
            self._entries = entries
            self.dataChanged.emit(self.index(0), self.index(len(entries) - 1))
            return
        self.beginResetModel()
        self._entries = entries
        self.endResetModel()

    def entry(self, row: int) -> SidebarEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def row_of_key(self, key: tuple[str, object]) -> int | None:
        for row, entry in enumerate(self._entries):
            if entry.key() == key:
                return row
        return None

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return Qt.ItemFlag.NoItemFlags
        if entry.kind is EntryKind.HEADER:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if entry.count is None:
                return entry.label
            return f"{entry.label}  ({entry.count})"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return entry.label if entry.count is None else f"{entry.label}, {entry.count}"
        if role == Qt.ItemDataRole.DecorationRole and entry.color:
            return self._dot(entry.color)
        if role == Qt.ItemDataRole.FontRole and entry.kind is EntryKind.HEADER:
            font = QFont()
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 0.9)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and entry.kind is EntryKind.HEADER:
            return QColor("#7a7a7a")
        if role == Qt.ItemDataRole.SizeHintRole:
            return QSize(0, 26)
        if role == ENTRY_ROLE:
            return entry
        return None

    def _dot(self, color: str) -> QIcon:
        icon = self._icons.get(color)
        if icon is None:
            pixmap = QPixmap(12, 12)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(color))
            painter.drawEllipse(1, 1, 10, 10)
            painter.end()
            icon = self._icons[color] = QIcon(pixmap)
        return icon
