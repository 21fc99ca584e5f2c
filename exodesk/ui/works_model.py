"""The works table: a ``QAbstractTableModel`` that reads the database a window at a time.

For a query (scope, tag, search text, sort) the model asks storage once for the ordered
work ids, a compact ``array`` of integers even for a million works, and then fetches what
the visible rows show in pages of ``PAGE_SIZE`` when the view first asks for them. Only a
bounded number of pages is kept, so memory stays flat however far the user scrolls.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from exodesk.core.query import SortKey, WorkQuery
from exodesk.core.records import Tag, WorkRow
from exodesk.storage.library import Library

UNKNOWN_TITLE = "[title not yet known]"
PAGE_SIZE = 128
MAX_CACHED_PAGES = 64
WORK_ID_ROLE = Qt.ItemDataRole.UserRole + 1
WORK_ROW_ROLE = Qt.ItemDataRole.UserRole + 2

ModelIndex = QModelIndex | QPersistentModelIndex


class WorksTableModel(QAbstractTableModel):
    COLUMNS: tuple[tuple[SortKey, str], ...] = (
        (SortKey.TITLE, "Title"),
        (SortKey.AUTHORS, "Authors"),
        (SortKey.JOURNAL, "Journal"),
        (SortKey.YEAR, "Year"),
        (SortKey.DOI, "DOI"),
        (SortKey.PMID, "PMID"),
        (SortKey.TAGS, "Tags"),
        (SortKey.READ, "Read"),
    )

    def __init__(self, library: Library, parent: Any = None) -> None:
        super().__init__(parent)
        self._library = library
        self._query = WorkQuery()
        self._ids: array[int] = array("q")
        self._pages: OrderedDict[int, list[WorkRow | None]] = OrderedDict()
        self._tag_icons: dict[tuple[str, ...], QIcon] = {}
        #: How many rows storage was asked for since the last reset; tests read it to
        #: prove the model fetches windows, not the whole table.
        self.rows_fetched = 0

    # -- query -------------------------------------------------------------------------
    def query(self) -> WorkQuery:
        return self._query

    def set_query(self, query: WorkQuery) -> None:
        self.beginResetModel()
        self._query = query
        self._ids = self._library.query_work_ids(query)
        self._pages.clear()
        self.rows_fetched = 0
        self.endResetModel()

    def reload(self) -> None:
        """Run the current query again (works were added, removed, or re-filtered)."""
        self.set_query(self._query)

    def refresh_all(self) -> None:
        """Everything shown may have changed (e.g. a tag was recoloured): repaint all rows."""
        self._pages.clear()
        if self._ids:
            last = self.index(len(self._ids) - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def refresh_works(self, work_ids: list[int]) -> None:
        """Rows of these works changed in place: drop cached pages and repaint them."""
        if not self._ids:
            return
        self._pages.clear()
        wanted = set(work_ids)
        rows = [row for row, work_id in enumerate(self._ids) if work_id in wanted]
        if not rows:
            return
        last_column = self.columnCount() - 1
        self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), last_column))

    # -- lookup ---------------------------------------------------------------------------
    def work_id(self, row: int) -> int:
        return int(self._ids[row])

    def row_of(self, work_id: int) -> int | None:
        try:
            return self._ids.index(work_id)
        except ValueError:
            return None

    def work_ids(self) -> array[int]:
        return self._ids

    def row_data(self, row: int) -> WorkRow | None:
        if not 0 <= row < len(self._ids):
            return None
        page_number, offset = divmod(row, PAGE_SIZE)
        page = self._pages.get(page_number)
        if page is None:
            page = self._load_page(page_number)
        else:
            self._pages.move_to_end(page_number)
        return page[offset]

    def _load_page(self, page_number: int) -> list[WorkRow | None]:
        start = page_number * PAGE_SIZE
        ids = self._ids[start : start + PAGE_SIZE]
        fetched = self._library.fetch_rows(ids)
        self.rows_fetched += len(ids)
        page = [fetched.get(work_id) for work_id in ids]
        self._pages[page_number] = page
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        return page

    # -- Qt model interface --------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.tr(self.COLUMNS[section][1])
            return None
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() >= len(self.COLUMNS):
            return None
        row = self.row_data(index.row())
        if row is None:
            return None
        key = self.COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, key)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(row, key)
        if role == Qt.ItemDataRole.ForegroundRole and key is SortKey.TITLE and not row.title:
            return QColor("#8a8a8a")
        if role == Qt.ItemDataRole.DecorationRole and key is SortKey.TAGS and row.tags:
            return self._tag_icon(row.tags)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in (SortKey.YEAR, SortKey.READ):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == WORK_ID_ROLE:
            return row.id
        if role == WORK_ROW_ROLE:
            return row
        return None

    def _display(self, row: WorkRow, key: SortKey) -> str:
        if key is SortKey.TITLE:
            star = "★ " if row.starred else ""
            return star + (row.title or self.tr(UNKNOWN_TITLE))
        values = {
            SortKey.AUTHORS: row.authors_display,
            SortKey.JOURNAL: row.container,
            SortKey.YEAR: "" if row.year is None else str(row.year),
            SortKey.DOI: row.doi,
            SortKey.PMID: row.pmid,
            SortKey.TAGS: "",
            SortKey.READ: "✓" if row.is_read else "",
        }
        return values[key]

    def _tooltip(self, row: WorkRow, key: SortKey) -> str | None:
        if key is SortKey.TAGS:
            return ", ".join(tag.name for tag in row.tags) or None
        if key is SortKey.TITLE:
            return row.title or self.tr("Title not yet known: sync or edit to fill it in")
        if key is SortKey.READ:
            return self.tr("Read") if row.is_read else self.tr("Unread")
        return None

    @staticmethod
    def _font(row: WorkRow, key: SortKey) -> QFont | None:
        if key is not SortKey.TITLE:
            return None
        font = QFont()
        if not row.title:
            font.setItalic(True)
        if not row.is_read:
            font.setBold(True)
        return font

    def _tag_icon(self, tags: tuple[Tag, ...]) -> QIcon:
        colors = tuple(tag.color for tag in tags[:8])
        icon = self._tag_icons.get(colors)
        if icon is None:
            icon = QIcon(_dots_pixmap(colors))
            self._tag_icons[colors] = icon
        return icon

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.COLUMNS):
            return
        key = self.COLUMNS[column][0]
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self._query.sort, self._query.descending):
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        kept_ids = [self.work_id(index.row()) for index in persistent]
        self._query = WorkQuery(
            scope=self._query.scope,
            tag_id=self._query.tag_id,
            text=self._query.text,
            sort=key,
            descending=descending,
        )
        self._ids = self._library.query_work_ids(self._query)
        self._pages.clear()
        # Keep selections and the current row on the same works after they move.
        moved = []
        for index, work_id in zip(persistent, kept_ids, strict=True):
            row = self.row_of(work_id)
            moved.append(QModelIndex() if row is None else self.index(row, index.column()))
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()


DOT = 10
GAP = 3


def _dots_pixmap(colors: tuple[str, ...]) -> QPixmap:
    """A row of coloured dots, one per tag, as the Tags column's decoration."""
    pixmap = QPixmap(len(colors) * (DOT + GAP), DOT)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    for index, color in enumerate(colors):
        painter.setBrush(QColor(color))
        painter.drawEllipse(index * (DOT + GAP), 0, DOT, DOT)
    painter.end()
    return pixmap
