"""After an import the views refresh one event-loop turn at a time, then the report comes;
the sidebar keeps the entry the user was looking at."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from exodesk.core.query import Scope
from exodesk.importer import ImportReport
from exodesk.storage.library import Library
from exodesk.ui.main_window import MainWindow
from exodesk.ui.sidebar import EntryKind

RECORD = "TY  - JOUR\nTI  - Exosomes number {n}\nPY  - 2024\nDO  - 10.5555/refresh.{n}\nER  - \n"


@pytest.fixture
def window(transfer_window: MainWindow) -> MainWindow:
    return transfer_window


def _import(qtbot, window: MainWindow, path: Path) -> tuple[list[str], ImportReport]:
    """Import ``path``; the events the views got, in order, with the turns between them."""
    seen: list[str] = []
    events = window.events
    events.works_added_or_removed.connect(lambda: seen.append("added_or_removed"))
    events.tags_changed.connect(lambda: seen.append("tags"))
    events.works_changed.connect(lambda ids: seen.append(f"changed {sorted(ids)}"))
    # A timer that is due, not a zero one: Qt runs a zero-delay call before the timers that
    # came due meanwhile (a repaint's among them), so only a due timer firing between two
    # refreshes shows that the window had its turn.
    ticker = QTimer(interval=1)
    ticker.timeout.connect(lambda: seen.append("turn") if seen and seen[-1] != "turn" else None)
    ticker.start()
    try:
        with qtbot.waitSignal(window.transfer.imported, timeout=10_000) as done:
            window.transfer.start_import([path], cites_review=False)
    finally:
        ticker.stop()
    return seen, done.args[0]


def test_views_refresh_in_turns_and_only_merged_works_are_changed_works(
    qtbot, window: MainWindow, library: Library, tmp_path: Path
) -> None:
    first = tmp_path / "first.ris"
    first.write_text(RECORD.replace("{n}", "1"), encoding="utf-8")
    seen, report = _import(qtbot, window, first)
    assert (report.added, report.merged) == (1, 0)
    refresh = [event for event in seen if event != "turn"]
    assert refresh == ["added_or_removed"]  # nothing merged: nothing else changed

    both = tmp_path / "both.ris"
    both.write_text(RECORD.replace("{n}", "1") + RECORD.replace("{n}", "2"), encoding="utf-8")
    seen, report = _import(qtbot, window, both)
    assert (report.added, report.merged) == (1, 1)
    refresh = [event for event in seen if event != "turn"]
    assert refresh == ["added_or_removed", f"changed {report.merged_ids()}"]
    # A turn of the event loop between two refreshes.
    start = seen.index("added_or_removed")
    assert seen[start : start + 3] == ["added_or_removed", "turn", f"changed {report.merged_ids()}"]


def test_an_import_that_brings_a_tag_keeps_the_sidebar_entry_shown(
    qtbot, window: MainWindow, library: Library, tmp_path: Path
) -> None:
    assert window.select_sidebar_key((EntryKind.FILTER.value, Scope.UNREAD))
    unread = window.works_model.rowCount()
    tagged = tmp_path / "tagged.bib"
    tagged.write_text(
        "@article{fresh, title = {Exosomes once more}, year = {2024}, groups = {Fresh tag}}\n",
        encoding="utf-8",
    )
    seen, report = _import(qtbot, window, tagged)
    assert report.added == 1 and "tags" not in seen
    # The new tag rebuilt the sidebar; its entry is still Unread, and the table shows it.
    entry = window.current_entry()
    assert entry is not None and entry.scope is Scope.UNREAD
    assert window.works_model.query().scope is Scope.UNREAD
    assert window.works_model.rowCount() == unread + 1  # the new work is unread
    labels = [
        window.sidebar_model.entry(row).label for row in range(window.sidebar_model.rowCount())
    ]
    assert "Fresh tag" in labels
