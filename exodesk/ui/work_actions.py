"""The actions on selected works, shared by the menu, toolbar, context menu and shortcuts.

``WorkActions`` owns one ``QAction`` per command. It asks a callable for the selected work
ids, makes one storage call per command (one transaction, however many rows), and
announces the change on the event hub so every view refreshes what it shows.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from exodesk.core.records import Tag
from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.open_links import LinkKind, LinkRefused, open_identifier
from exodesk.ui.text import counted
from exodesk.ui.writes import Writes

#: Opening a browser tab per selected row is rarely meant beyond a handful.
MAX_OPEN_AT_ONCE = 10


class WorkActions(QObject):
    #: Emitted with a message whenever an action could not do what was asked.
    failed = Signal(str)

    def __init__(
        self,
        library: Library,
        events: LibraryEvents,
        selected_ids: Callable[[], list[int]],
        parent: QWidget,
        writes: Writes | None = None,
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._events = events
        self._writes = writes or Writes(library, self)
        self._selected_ids = selected_ids
        self._parent = parent
        # Stars set but not yet written (waiting behind an import): work id -> (value, the
        # change that set it). The table still shows the stored state meanwhile, and a
        # second toggle must undo the first, not repeat it.
        self._unwritten_stars: dict[int, tuple[bool, object]] = {}
        self.failed.connect(self._show_failure)

        self.open_doi = self._action(
            "Open DOI", "Ctrl+Return", lambda: self.open_link(LinkKind.DOI)
        )
        self.open_pubmed = self._action(
            "Open in PubMed", "Ctrl+Shift+P", lambda: self.open_link(LinkKind.PUBMED)
        )
        self.open_pmc = self._action(
            "Open in PMC", "Ctrl+Alt+P", lambda: self.open_link(LinkKind.PMC)
        )
        self.copy_doi = self._action("Copy DOI", "Ctrl+Shift+D", self.copy_dois)
        self.tag_selected = self._action("Tag Selected…", "Ctrl+T", self.ask_and_tag)
        self.remove_tag = self._action("Remove Tag…", "Ctrl+Shift+T", self.ask_and_untag)
        self.mark_read = self._action("Mark Read", "Ctrl+R", lambda: self.set_read(True))
        self.mark_unread = self._action("Mark Unread", "Ctrl+Shift+R", lambda: self.set_read(False))
        self.toggle_star = self._action("Star", "Ctrl+Shift+S", self.toggle_starred)
        self.selection_actions = [
            self.open_doi,
            self.open_pubmed,
            self.open_pmc,
            self.copy_doi,
            self.tag_selected,
            self.remove_tag,
            self.mark_read,
            self.mark_unread,
            self.toggle_star,
        ]

    def _action(self, text: str, shortcut: str, slot: Callable[[], object]) -> QAction:
        action = QAction(self.tr(text), self._parent)
        action.setShortcut(QKeySequence(shortcut))
        action.setObjectName("action" + "".join(ch for ch in text.title() if ch.isalnum()))
        action.triggered.connect(lambda _checked=False: slot())
        self._parent.addAction(action)
        return action

    def update_enabled(self) -> None:
        has_selection = bool(self._selected_ids())
        for action in self.selection_actions:
            action.setEnabled(has_selection)

    # -- commands ------------------------------------------------------------------------
    def open_link(self, kind: LinkKind, work_ids: list[int] | None = None) -> list[str]:
        """Open the page of each work (default: the selection, at most 10 at once).

        Returns the URLs opened."""
        ids = (self._selected_ids() if work_ids is None else work_ids)[:MAX_OPEN_AT_ONCE]
        opened, refused = [], []
        for work_id in ids:
            work = self._library.get_work(work_id)
            identifier = {LinkKind.DOI: work.doi, LinkKind.PUBMED: work.pmid}.get(kind, work.pmcid)
            try:
                opened.append(open_identifier(kind, identifier))
            except LinkRefused as error:
                refused.append(f"{work.title or work.doi or work_id}: {error}")
        if refused:
            self.failed.emit("\n".join(refused))
        return opened

    def copy_dois(self) -> str:
        ids = self._selected_ids()
        rows = self._library.fetch_rows(ids)
        dois = [rows[work_id].doi for work_id in ids if work_id in rows and rows[work_id].doi]
        text = "\n".join(dois)
        if text:
            QGuiApplication.clipboard().setText(text)
            self._events.status_message.emit(
                counted(len(dois), self.tr("Copied {n} DOI"), self.tr("Copied {n} DOIs"))
            )
        else:
            self.failed.emit(self.tr("The selected works have no DOI."))
        return text

    def tag(self, name: str, work_ids: list[int] | None = None) -> None:
        ids = self._selected_ids() if work_ids is None else work_ids
        if not ids:
            return

        def done(result: tuple[Tag, bool]) -> None:
            tag, created = result
            if created:
                self._events.tags_changed.emit()
            self._events.work_tags_changed.emit(list(ids))
            self._events.status_message.emit(
                counted(
                    len(ids),
                    self.tr("Tagged {n} work with “{name}”"),
                    self.tr("Tagged {n} works with “{name}”"),
                ).replace("{name}", tag.name)
            )

        self._writes.run(lambda: self._library.tag_works_creating(name, ids), done, self._failed)

    def untag(self, tag_id: int, work_ids: list[int] | None = None) -> None:
        ids = self._selected_ids() if work_ids is None else work_ids
        self._writes.run(
            lambda: self._library.untag_works(tag_id, ids),
            lambda _: self._events.work_tags_changed.emit(list(ids)),
            self._failed,
        )

    def ask_and_tag(self) -> None:
        if not self._selected_ids():
            return
        names = [tag.name for tag in self._library.list_tags(counts=False)]
        name, ok = QInputDialog.getItem(
            self._parent,
            self.tr("Tag Selected"),
            counted(
                len(self._selected_ids()),
                self.tr("Tag for the selected work:"),
                self.tr("Tag for the {n} selected works:"),
            ),
            names,
            0,
            True,
        )
        if ok and name.strip():
            self.tag(name)

    def ask_and_untag(self) -> None:
        ids = self._selected_ids()
        present: dict[str, int] = {}
        for row in self._library.fetch_rows(ids).values():
            for tag in row.tags:
                present[tag.name] = tag.id
        if not present:
            self.failed.emit(self.tr("The selected works have no tags."))
            return
        name, ok = QInputDialog.getItem(
            self._parent,
            self.tr("Remove Tag"),
            self.tr("Tag to remove from the selected works:"),
            sorted(present, key=str.casefold),
            0,
            False,
        )
        if ok and name in present:
            self.untag(present[name])

    def set_read(self, value: bool) -> None:
        ids = self._selected_ids()
        if ids:
            self._writes.run(
                lambda: self._library.set_read(ids, value),
                lambda _: self._events.works_changed.emit(ids),
                self._failed,
            )

    def toggle_starred(self) -> None:
        """Star the selection, or unstar it when every selected work is starred already."""
        ids = self._selected_ids()
        if not ids:
            return
        waiting = self._unwritten_stars
        rows = self._library.fetch_rows(ids).values()
        value = not all(waiting.get(row.id, (row.starred,))[0] for row in rows)
        change = object()

        def settled() -> None:
            for work_id in ids:
                if waiting.get(work_id, (None, None))[1] is change:
                    del waiting[work_id]

        def done(_result: object) -> None:
            settled()
            self._events.works_changed.emit(ids)

        def failed(error: Exception) -> None:
            settled()
            self._failed(error)

        if not self._writes.run(lambda: self._library.set_starred(ids, value), done, failed):
            waiting.update((work_id, (value, change)) for work_id in ids)

    def _failed(self, error: Exception) -> None:
        self.failed.emit(str(error))

    def _show_failure(self, message: str) -> None:
        QMessageBox.warning(self._parent, self.tr("exodesk"), message)
