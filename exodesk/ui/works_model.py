"""The works table: a ``QAbstractTableModel`` that reads the database a window at a time.

For a query (scope, tag, search text, sort) the model holds the ordered work ids, a
compact ``array`` of integers even for a million works, and fetches what the visible rows
show in pages of ``PAGE_SIZE`` when the view first asks for them. Only a bounded number of
pages is kept, so memory stays flat however far the user scrolls.

The ids arrive in two steps so that a new search or sort paints at once at any size: the
first ``FIRST_WINDOW`` ids synchronously (SQLite walks the sort column's index and stops),
then, when there are more, every id from a loader thread with its own connection. The
rows of the rest are appended when they arrive (``loading`` says whether that is still to
come); a newer query cancels a running loader.
"""

from __future__ import annotations

import contextlib
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from exodesk.core.query import SortKey, WorkQuery
from exodesk.core.records import Tag, WorkRow
from exodesk.storage.errors import LibraryError, QueryCancelled
from exodesk.storage.library import Library

UNKNOWN_TITLE = "[title not yet known]"
PAGE_SIZE = 128
#: Ids fetched synchronously for a new query: a few screens, whatever the library's size.
FIRST_WINDOW = 1024
#: The loader of the other ids starts this long after the first page is in (see _load_rest).
LOADER_DELAY_MS = 1
MAX_CACHED_PAGES = 64
WORK_ID_ROLE = Qt.ItemDataRole.UserRole + 1
WORK_ROW_ROLE = Qt.ItemDataRole.UserRole + 2

ModelIndex = QModelIndex | QPersistentModelIndex


class _IdLoader:
    """Runs one query for every id on a Python thread; ``cancel`` stops it.

    A plain thread rather than a QThread: it owns no Qt object, so nothing can be destroyed
    under it, and its stop flag is a ``threading.Event`` that SQLite's progress handler polls
    cheaply. It reports back through ``done(generation)``, a signal of the model, which Qt
    queues to the GUI thread."""

    def __init__(
        self, library: Library, query: WorkQuery, generation: int, done: Callable[[int], None]
    ) -> None:
        self.generation = generation
        self.ids: array[int] | None = None
        self.error = ""
        self._library = library
        self._query = query
        self._done = done
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._run, name="exodesk-work-ids", daemon=True)

    def start(self) -> None:
        if not self._cancelled.is_set():
            self._thread.start()

    def cancel(self) -> None:
        self._cancelled.set()

    def join(self, timeout_s: float) -> None:
        if self._thread.ident is not None:  # started
            self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            self.ids = self._library.query_work_ids(self._query, cancelled=self._cancelled.is_set)
        except QueryCancelled:
            return
        except LibraryError as error:
            self.error = str(error)
        with contextlib.suppress(RuntimeError):  # the model was deleted meanwhile
            self._done(self.generation)


class WorksTableModel(QAbstractTableModel):
    #: Every id of the current query is in (after the loader thread's rows were appended).
    completed = Signal()
    #: The loader thread could not read the rest of the rows (message for the status bar).
    load_failed = Signal(str)
    _loader_done = Signal(int)  # generation; emitted on the loader's thread

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
        self._generation = 0
        self._complete = True
        self._loaders: dict[int, _IdLoader] = {}
        self._loader_done.connect(self._rest_arrived)
        #: How many rows storage was asked for since the last reset; tests read it to
        #: prove the model fetches windows, not the whole table.
        self.rows_fetched = 0

    # -- query -------------------------------------------------------------------------
    def query(self) -> WorkQuery:
        return self._query

    def set_query(self, query: WorkQuery) -> None:
        self.beginResetModel()
        self._query = query
        self._ids = self._first_ids()
        self._pages.clear()
        self.rows_fetched = 0
        self.endResetModel()
        self._load_rest()

    @property
    def loading(self) -> bool:
        """More ids of the current query are on their way from the loader thread."""
        return not self._complete

    def _first_ids(self) -> array[int]:
        self._generation += 1
        self._cancel_loaders()
        window = self._library.first_work_ids(self._query, FIRST_WINDOW)
        self._complete = window.complete
        return window.ids

    def _load_rest(self) -> None:
        if self._complete:
            self.completed.emit()
            return
        loader = _IdLoader(self._library, self._query, self._generation, self._loader_done.emit)
        self._loaders[self._generation] = loader
        # Started by a timer, so after the first page has painted: the loader takes the GIL
        # back for every row it reads, and a paint it ran beside took up to twice as long.
        QTimer.singleShot(LOADER_DELAY_MS, self, loader.start)

    def _cancel_loaders(self) -> None:
        for loader in self._loaders.values():
            loader.cancel()

    def wait_for_loaders(self, timeout_s: float = 30.0) -> None:
        """Stop and join the loader threads (before the library closes)."""
        self._cancel_loaders()
        for loader in list(self._loaders.values()):
            loader.join(timeout_s)
        self._loaders.clear()

    def _rest_arrived(self, generation: int) -> None:
        loader = self._loaders.pop(generation, None)
        for old in [g for g in self._loaders if g < generation]:
            del self._loaders[old]  # cancelled ones end without a word
        if loader is None or generation != self._generation:
            return  # a newer query has replaced this one
        self._complete = True
        if loader.ids is None:
            self.load_failed.emit(loader.error)
            self.completed.emit()
            return
        ids = loader.ids
        shown = len(self._ids)
        if ids[:shown] == self._ids:
            if len(ids) > shown:
                self.beginInsertRows(QModelIndex(), shown, len(ids) - 1)
                self._ids = ids
                # The last cached page was cut short by the first window's end.
                self._pages.pop(shown // PAGE_SIZE, None)
                self.endInsertRows()
        else:  # the library changed between the two reads: show the newer order
            self._replace_ids(ids)
        self.completed.emit()

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
        rows = self.rows_of(set(work_ids))
        if not rows:
            return
        last_column = self.columnCount() - 1
        self.dataChanged.emit(self.index(rows[0], 0), self.index(rows[-1], last_column))

    # -- lookup ---------------------------------------------------------------------------
    def work_id(self, row: int) -> int:
        return int(self._ids[row])

    def row_of(self, work_id: int) -> int | None:
        try:
            return self._ids.index(work_id)
        except ValueError:
            return None

    def rows_of(self, work_ids: set[int]) -> list[int]:
        """The rows of these works, in order: one pass over the ids, however many."""
        return [row for row, work_id in enumerate(self._ids) if work_id in work_ids]

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
        # A paint asks seven roles of every visible cell, most of which have nothing to say:
        # those are answered before the row is looked up (a paint: 7.0 ms before, 4.5 now).
        if role not in _ROLES:
            return None
        key = _COLUMN_KEYS.get(index.column())  # an invalid index has column -1
        if key is None:
            return None
        if role == _ALIGNMENT:
            return _CENTRED if key in _CENTRED_KEYS else None
        if role in _TITLE_ONLY_ROLES and key is not SortKey.TITLE:
            return None
        if role == _DECORATION and key is not SortKey.TAGS:
            return None
        row = self.row_data(index.row())
        if row is None:
            return None
        if role == _DISPLAY:
            return self._display(row, key)
        if role == _TOOLTIP:
            return self._tooltip(row, key)
        if role == _FONT:
            return self._font(row)
        if role == _FOREGROUND:
            return None if row.title else _UNKNOWN_TITLE_COLOR
        if role == _DECORATION:
            return self._tag_icon(row.tags) if row.tags else None
        if role == WORK_ID_ROLE:
            return row.id
        return row  # WORK_ROW_ROLE

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
    def _font(row: WorkRow) -> QFont:
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
        self._query = WorkQuery(
            scope=self._query.scope,
            tag_id=self._query.tag_id,
            text=self._query.text,
            sort=key,
            descending=descending,
        )
        self._replace_ids(self._first_ids())
        self._load_rest()

    def _replace_ids(self, ids: array[int]) -> None:
        """New order (and possibly new rows): keep selections and the current row on the
        same works after they move. Works that moved beyond the first window lose their
        indexes until the rest arrives (``completed``); the view's owner selects them again.
        """
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        kept_ids = [self.work_id(index.row()) for index in persistent]
        self._ids = ids
        self._pages.clear()
        wanted = set(kept_ids)
        rows = {work_id: row for row, work_id in enumerate(ids) if work_id in wanted}
        moved = []
        for index, work_id in zip(persistent, kept_ids, strict=True):
            row = rows.get(work_id)
            moved.append(QModelIndex() if row is None else self.index(row, index.column()))
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()


# What ``WorksTableModel.data`` answers, by role and column (ints: Qt passes roles as ints).
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_ROLES = frozenset(
    {_DISPLAY, _TOOLTIP, _FONT, _FOREGROUND, _DECORATION, _ALIGNMENT, WORK_ID_ROLE, WORK_ROW_ROLE}
)
_TITLE_ONLY_ROLES = frozenset({_FONT, _FOREGROUND})
_COLUMN_KEYS = dict(enumerate(key for key, _label in WorksTableModel.COLUMNS))
_CENTRED_KEYS = frozenset({SortKey.YEAR, SortKey.READ})
_CENTRED = int(Qt.AlignmentFlag.AlignCenter)
_UNKNOWN_TITLE_COLOR = QColor("#8a8a8a")

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
