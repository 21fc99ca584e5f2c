"""The main window: sidebar | review summary or citing-articles table | detail pane."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QItemSelection,
    QItemSelectionModel,
    QPoint,
    QSettings,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from exodesk import APP_NAME
from exodesk.core.query import Scope, WorkQuery
from exodesk.storage.library import Library
from exodesk.ui.about import AboutDialog
from exodesk.ui.detail_pane import DetailPane
from exodesk.ui.events import LibraryEvents
from exodesk.ui.open_links import LinkKind
from exodesk.ui.preferences import SYNC_ENABLED, SYNC_INTERVAL, THEME, PreferencesDialog
from exodesk.ui.sidebar import EntryKind, SidebarEntry, SidebarModel
from exodesk.ui.summary_view import ReviewSummaryView
from exodesk.ui.sync_controller import SyncController, default_sync_config
from exodesk.ui.tag_manager import TagManagerDialog
from exodesk.ui.tasks import TaskPanel
from exodesk.ui.text import counted
from exodesk.ui.theme import apply_theme
from exodesk.ui.transfer import TransferController, dropped_paths
from exodesk.ui.work_actions import WorkActions
from exodesk.ui.works_model import WorksTableModel
from exodesk.ui.writes import Writes

SEARCH_DELAY_MS = 150
#: Widths of Authors … Read; Title takes the rest of the table's width.
DEFAULT_COLUMN_WIDTHS = (0, 115, 120, 48, 140, 76, 52, 44)
SIDEBAR_STYLE = (
    "QListView#sidebar { padding-top: 6px; } QListView#sidebar::item { padding: 2px 6px; }"
)


class MainWindow(QMainWindow):
    def __init__(
        self,
        library: Library,
        events: LibraryEvents | None = None,
        *,
        restore: bool = True,
        sync_config: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__()
        self.library = library
        self.events = events or LibraryEvents(self)
        self.writes = Writes(library, self)
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        self.resize(1360, 820)

        self._keeping_sidebar_entry = False
        self._selected_before_layout: list[int] = []
        self._selected_ids: list[int] | None = None
        self.sidebar_model = SidebarModel(library, self)
        self.works_model = WorksTableModel(library, self)
        self._build_sidebar()
        self._build_works_panel()
        self.summary_view = ReviewSummaryView(library, self.events, self, lazy=True)
        self.detail_pane = DetailPane(library, self.events, self, self.writes)
        self.stack = QStackedWidget(objectName="centralStack")
        self.stack.addWidget(self.summary_view)
        self.stack.addWidget(self.works_panel)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.detail_pane)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([170, 880, 310])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.work_actions = WorkActions(
            library, self.events, self.selected_work_ids, self, self.writes
        )
        self.task_panel = TaskPanel(self)
        self.transfer = TransferController(
            library, self.events, self.task_panel, self.selected_work_ids,
            self.search.text, self,
        )  # fmt: skip
        self.sync_panel = TaskPanel(self)
        self.sync_panel.setObjectName("syncPanel")
        self.sync = SyncController(
            library, self.events, self.sync_panel, sync_config or default_sync_config, self
        )
        self._build_menus()
        self._build_status_bar()
        self.setAcceptDrops(True)
        self._connect_events()

        self.sidebar_model.refresh()
        self._refresh_banner()
        # Selecting the entry runs the table's one query (newest first, set on the header
        # before sorting was enabled, so enabling it did not run another).
        self.select_sidebar_key((EntryKind.FILTER.value, Scope.CITING))
        self._update_status()
        self._save_on_close = restore
        if restore:
            self.restore_state()

    # -- construction ---------------------------------------------------------------------
    def _build_sidebar(self) -> None:
        self.sidebar = QListView(objectName="sidebar")
        self.sidebar.setAccessibleName(self.tr("Library sections"))
        self.sidebar.setModel(self.sidebar_model)
        self.sidebar.setMinimumWidth(160)
        self.sidebar.setStyleSheet(SIDEBAR_STYLE)
        self.sidebar.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sidebar.selectionModel().currentChanged.connect(self._sidebar_changed)

    def _build_works_panel(self) -> None:
        self.banner = QLabel(objectName="reviewBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setContentsMargins(4, 2, 4, 6)
        self.banner.linkActivated.connect(lambda _href: self.show_summary())

        self.search = QLineEdit(objectName="searchBox")
        self.search.setPlaceholderText(
            self.tr("Search titles, authors, journals, abstracts, keywords, tags, notes  (Ctrl+F)")
        )
        self.search.setAccessibleName(self.tr("Search"))
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())

        self.table = QTableView(objectName="worksTable")
        self.table.setAccessibleName(self.tr("Citing articles"))
        self.table.setModel(self.works_model)
        self.table.horizontalHeader().setSortIndicator(3, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._show_context_menu)
        self.table.doubleClicked.connect(
            lambda index: self.work_actions.open_link(
                LinkKind.DOI, [self.works_model.work_id(index.row())]
            )
        )
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        # Fixed row heights: the view never measures rows it does not show.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(36)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate(DEFAULT_COLUMN_WIDTHS[1:], start=1):
            self.table.setColumnWidth(column, width)
        # The cache of selected ids is dropped before anyone reacts to the change.
        self.table.selectionModel().selectionChanged.connect(self._forget_selected_ids)
        for signal in (
            self.works_model.modelReset,
            self.works_model.layoutChanged,
            self.works_model.rowsInserted,
            self.works_model.rowsRemoved,
        ):
            signal.connect(self._forget_selected_ids)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.works_panel = QWidget(objectName="worksPanel")
        layout = QVBoxLayout(self.works_panel)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addAction(self.transfer.import_action)
        file_menu.addAction(self.transfer.export_action)
        file_menu.addSeparator()
        quit_action = QAction(self.tr("&Quit"), self, objectName="actionQuit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        edit_menu = bar.addMenu(self.tr("&Edit"))
        self.find_action = QAction(self.tr("&Find"), self, objectName="actionFind")
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_search)
        self.addAction(self.find_action)
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.transfer.copy_citation_action)
        edit_menu.addAction(self.work_actions.copy_doi)
        edit_menu.addSeparator()
        self.preferences_action = QAction(
            self.tr("&Preferences…"), self, objectName="actionPreferences"
        )
        self.preferences_action.setShortcuts(
            QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
            or [QKeySequence("Ctrl+,")]
        )
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.preferences_action.triggered.connect(self.open_preferences)
        self.addAction(self.preferences_action)
        edit_menu.addAction(self.preferences_action)

        articles = bar.addMenu(self.tr("&Articles"))
        self._add_work_actions(articles)

        sync_menu = bar.addMenu(self.tr("&Sync"))
        sync_menu.addAction(self.sync.sync_action)
        sync_menu.addAction(self.sync.add_action)
        sync_menu.addSeparator()
        sync_menu.addAction(self.sync.log_action)

        tags_menu = bar.addMenu(self.tr("&Tags"))
        tags_menu.addAction(self.work_actions.tag_selected)
        tags_menu.addAction(self.work_actions.remove_tag)
        tags_menu.addSeparator()
        self.manage_tags_action = QAction(
            self.tr("&Manage Tags…"), self, objectName="actionManageTags"
        )
        self.manage_tags_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.manage_tags_action.triggered.connect(self.open_tag_manager)
        self.addAction(self.manage_tags_action)
        tags_menu.addAction(self.manage_tags_action)

        help_menu = bar.addMenu(self.tr("&Help"))
        about = QAction(self.tr("&About exodesk"), self, objectName="actionAbout")
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self.open_about)
        help_menu.addAction(about)

        toolbar = self.addToolBar(self.tr("Main"))
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        for action in (
            self.sync.sync_action,
            self.work_actions.open_doi,
            self.work_actions.open_pubmed,
            self.work_actions.open_pmc,
            self.work_actions.tag_selected,
            self.work_actions.mark_read,
            self.work_actions.toggle_star,
            self.manage_tags_action,
        ):
            toolbar.addAction(action)
        self.work_actions.update_enabled()

    def _add_work_actions(self, menu: QMenu) -> None:
        a = self.work_actions
        for group in (
            (a.open_doi, a.open_pubmed, a.open_pmc, a.copy_doi),
            (self.transfer.copy_citation_action, self.transfer.export_action),
            (a.tag_selected, a.remove_tag),
            (a.mark_read, a.mark_unread, a.toggle_star),
        ):
            for action in group:
                menu.addAction(action)
            menu.addSeparator()

    def _build_status_bar(self) -> None:
        self.path_label = QLabel(objectName="statusLibraryPath")
        self.path_label.setTextFormat(Qt.TextFormat.PlainText)
        self.counts_label = QLabel(objectName="statusCounts")
        self.counts_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.path_label, 1)
        self.statusBar().addPermanentWidget(self.sync_panel)
        self.statusBar().addPermanentWidget(self.task_panel)
        self.statusBar().addPermanentWidget(self.counts_label)
        self.path_label.setText(str(self.library.path or ""))

    def _connect_events(self) -> None:
        self.events.works_changed.connect(self._works_changed)
        self.events.works_added_or_removed.connect(self._works_added_or_removed)
        self.events.tags_changed.connect(self._tags_changed)
        self.events.work_tags_changed.connect(self._work_tags_changed)
        self.events.notes_changed.connect(lambda work_id: self._works_changed([work_id]))
        self.events.status_message.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self.writes.waiting.connect(self._show_waiting_writes)
        self.works_model.modelReset.connect(self._update_status)
        self.works_model.layoutChanged.connect(self._update_status)
        self.works_model.layoutAboutToBeChanged.connect(self._remember_selection)
        self.works_model.modelReset.connect(lambda: setattr(self, "_selected_before_layout", []))
        self.works_model.completed.connect(self._rows_completed)
        self.works_model.load_failed.connect(lambda text: self.statusBar().showMessage(text, 8000))

    # -- sidebar and table ------------------------------------------------------------------
    def select_sidebar_key(self, key: tuple[str, object]) -> bool:
        row = self.sidebar_model.row_of_key(key)
        if row is None:
            return False
        index = self.sidebar_model.index(row)
        self.sidebar.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        return True

    def show_summary(self) -> None:
        self.select_sidebar_key((EntryKind.SUMMARY.value, "Review summary"))
        self.stack.setCurrentWidget(self.summary_view)

    def current_entry(self) -> SidebarEntry | None:
        index = self.sidebar.currentIndex()
        return self.sidebar_model.entry(index.row()) if index.isValid() else None

    def _sidebar_changed(self) -> None:
        if self._keeping_sidebar_entry:
            return
        entry = self.current_entry()
        if entry is None or entry.kind is EntryKind.HEADER:
            return
        if entry.kind is EntryKind.SUMMARY:
            self.stack.setCurrentWidget(self.summary_view)
            return
        self.stack.setCurrentWidget(self.works_panel)
        self.table.setAccessibleName(entry.label)
        self._run_query()

    def _run_query(self) -> None:
        entry = self.current_entry()
        scope = entry.scope if entry and entry.scope else Scope.CITING
        current = self.works_model.query()
        self.works_model.set_query(
            WorkQuery(
                scope=scope,
                tag_id=entry.tag_id if entry else None,
                text=self.search.text(),
                sort=current.sort,
                descending=current.descending,
            )
        )
        # Lay the rows out now rather than on the view's timer: when the scroll bar comes or
        # goes, the viewport is painted once at its new width, not once before and once after.
        self.table.doItemsLayout()
        self._selection_changed()

    def apply_search(self) -> None:
        self._search_timer.stop()
        if self.stack.currentWidget() is not self.works_panel:
            self.select_sidebar_key((EntryKind.FILTER.value, Scope.CITING))
        self._run_query()

    def focus_search(self) -> None:
        if self.stack.currentWidget() is not self.works_panel:
            self.select_sidebar_key((EntryKind.FILTER.value, Scope.CITING))
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def selected_work_ids(self) -> list[int]:
        """The works of the selected rows, top to bottom.

        Read from the selection's ranges and kept until the selection or the rows change:
        ``selectedRows()`` asks the model about every cell of every selected row, which
        takes seconds for 10,000 rows, and every action asks several times."""
        if self.stack.currentWidget() is not self.works_panel:
            return []
        if self._selected_ids is None:
            rows: set[int] = set()
            for selected in self.table.selectionModel().selection():
                rows.update(range(selected.top(), selected.bottom() + 1))
            self._selected_ids = [self.works_model.work_id(row) for row in sorted(rows)]
        return list(self._selected_ids)

    def _forget_selected_ids(self) -> None:
        self._selected_ids = None

    def select_rows(self, rows: list[int]) -> None:
        selection = self.table.selectionModel()
        selection.clearSelection()
        self._add_rows_to_selection(rows)
        if rows:
            selection.setCurrentIndex(
                self.works_model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )

    def _remember_selection(self) -> None:
        self._selected_before_layout = self.selected_work_ids()

    def _rows_completed(self) -> None:
        """Every row of the query is in: select again the works a sort moved beyond the
        first window (they had no row until now), then count again."""
        wanted, self._selected_before_layout = self._selected_before_layout, []
        missing = set(wanted) - set(self.selected_work_ids())
        if missing:
            self._add_rows_to_selection(self.works_model.rows_of(missing))
        self._update_status()

    def _add_rows_to_selection(self, rows: list[int]) -> None:
        """Select these rows too, as one range per run of neighbouring rows."""
        runs: list[tuple[int, int]] = []
        for row in sorted(set(rows)):
            if runs and row == runs[-1][1] + 1:
                runs[-1] = (runs[-1][0], row)
            else:
                runs.append((row, row))
        selection = QItemSelection()
        last_column = self.works_model.columnCount() - 1
        for top, bottom in runs:
            selection.select(
                self.works_model.index(top, 0), self.works_model.index(bottom, last_column)
            )
        self.table.selectionModel().select(
            selection,
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _selection_changed(self) -> None:
        ids = self.selected_work_ids()
        self.work_actions.update_enabled()
        self.detail_pane.show_work(ids[0] if len(ids) == 1 else None)
        if len(ids) > 1 and hasattr(self.detail_pane, "show_works"):
            self.detail_pane.show_works(ids)
        self._update_status()

    def _show_context_menu(self, position: QPoint) -> None:
        if not self.selected_work_ids():
            return
        menu = QMenu(self)
        menu.setObjectName("worksContextMenu")
        self._add_work_actions(menu)
        menu.popup(self.table.viewport().mapToGlobal(position))
        self.context_menu = menu

    # -- reacting to changes ------------------------------------------------------------------
    def _works_changed(self, work_ids: list[int]) -> None:
        self.works_model.refresh_works(work_ids)
        self.sidebar_model.refresh()
        self._refresh_banner()
        self._update_status()

    def _work_tags_changed(self, work_ids: list[int]) -> None:
        # Tags only: the rows repaint and the tags' counts change; the other counts cannot.
        entry = self.current_entry()
        if entry is not None and entry.kind is EntryKind.TAG:
            self._tags_changed()  # the rows of the tag shown may have come or gone
        else:
            self.sidebar_model.refresh_tags()
            self.works_model.refresh_works(work_ids)
        self._update_status()

    def _works_added_or_removed(self) -> None:
        if self._refresh_sidebar(self.sidebar_model.refresh):
            self._run_query()
        self._refresh_banner()

    def _tags_changed(self) -> None:
        entry = self.current_entry()
        if not self._refresh_sidebar(self.sidebar_model.refresh_tags):
            return
        if entry is not None and entry.kind is EntryKind.TAG:
            self._run_query()  # the rows of the tag shown may have come or gone
        else:
            self.works_model.refresh_all()

    def _refresh_sidebar(self, refresh: Callable[[], None]) -> bool:
        """Run ``refresh`` keeping the sidebar's current entry: a new or removed tag rebuilds
        the sidebar, which loses its current entry for a moment, and putting it back must
        not run the table's query (that would clear the user's selection).

        False when the entry is gone (its tag was merged away or deleted): Citing articles
        is selected instead, which ran the table's query."""
        entry = self.current_entry()
        self._keeping_sidebar_entry = True
        try:
            refresh()
            kept = entry is None or self.select_sidebar_key(entry.key())
        finally:
            self._keeping_sidebar_entry = False
        if not kept:
            self.select_sidebar_key((EntryKind.FILTER.value, Scope.CITING))
        return kept

    def _refresh_banner(self) -> None:
        review_id = self.library.tracked_review_id()
        if review_id is None:
            self.banner.setText(self.tr("No review is tracked yet."))
            return
        review = self.library.get_work(review_id)
        record = review.record
        count = self.sidebar_model.entry(1).count if self.sidebar_model.entry(1) else 0
        self.banner.setText(
            "<span style='color:palette(mid)'>{cites}</span> "
            "<a href='#summary' style='text-decoration:none'><b>{title}</b></a>"
            "<br><span style='color:palette(mid)'>{journal} {year} · {count}</span>".format(
                cites=html.escape(self.tr("Articles citing")),
                title=html.escape(record.title),
                journal=html.escape(record.container_title),
                year=html.escape(str(record.year or "")),
                count=html.escape(
                    counted(
                        count,
                        self.tr("cited by {n} article in this library"),
                        self.tr("cited by {n} articles in this library"),
                    )
                ),
            )
        )

    def _update_status(self) -> None:
        shown = self.works_model.rowCount()
        selected = len(self.selected_work_ids())
        counts = self.sidebar_model.entry(1)
        citing = counts.count if counts else 0
        parts = [
            counted(citing or 0, self.tr("{n} citing article"), self.tr("{n} citing articles")),
            self.tr("{n} shown").format(n=shown),
        ]
        if selected:
            parts.append(self.tr("{n} selected").format(n=selected))
        self.counts_label.setText(" · ".join(parts))

    # -- dialogs -----------------------------------------------------------------------------
    def open_tag_manager(self) -> TagManagerDialog:
        dialog = TagManagerDialog(self.library, self.events, self, self.writes)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_about(self) -> AboutDialog:
        dialog = AboutDialog(self.library.path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_preferences(self) -> PreferencesDialog:
        dialog = PreferencesDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self.apply_preferences)
        dialog.open()
        return dialog

    def apply_preferences(self, changed: dict[str, Any]) -> None:
        """Act on options that changed; the others are read where they are used."""
        if THEME.key in changed:
            app = QApplication.instance()
            if isinstance(app, QApplication):
                apply_theme(app, changed[THEME.key])
        if SYNC_ENABLED.key in changed or SYNC_INTERVAL.key in changed:
            # Restart the countdown with the new interval (schedule() does nothing when off).
            self.sync.timer.stop()
            self.sync.schedule()

    # -- files dropped on the window ---------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.transfer.ask_import(paths)

    # -- state -------------------------------------------------------------------------------
    def save_state(self) -> None:
        settings = QSettings()
        settings.setValue("mainWindow/geometry", self.saveGeometry())
        settings.setValue("mainWindow/state", self.saveState())
        settings.setValue("mainWindow/splitter", self.splitter.saveState())
        settings.setValue("mainWindow/tableHeader", self.table.horizontalHeader().saveState())

    def restore_state(self) -> None:
        settings = QSettings()
        for key, restore in (
            ("mainWindow/geometry", self.restoreGeometry),
            ("mainWindow/state", self.restoreState),
            ("mainWindow/splitter", self.splitter.restoreState),
            ("mainWindow/tableHeader", self.table.horizontalHeader().restoreState),
        ):
            value = settings.value(key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                restore(value)
        header = self.table.horizontalHeader()
        self.works_model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def _show_waiting_writes(self, count: int) -> None:
        if count:
            self.statusBar().showMessage(
                counted(
                    count,
                    self.tr("{n} change waits for the running import or sync to be saved"),
                    self.tr("{n} changes wait for the running import or sync to be saved"),
                )
            )
        else:
            self.statusBar().showMessage(self.tr("Changes saved"), 4000)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sync.timer.stop()
        for panel in (self.task_panel, self.sync_panel):
            running = panel.current()
            if running is not None:
                # Cancel and wait: an import rolls back and sync commits work by work, so
                # the library stays consistent.
                running.cancel()
                running.wait(10_000)
        self.writes.wait(30)  # changes queued behind the import or sync just stopped
        self.detail_pane.flush(wait=True)
        self.works_model.wait_for_loaders()
        if self._save_on_close:
            self.save_state()
        super().closeEvent(event)
