"""After an import the views refresh one event-loop turn at a time, then the report comes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from exodesk.importer import ImportReport
from exodesk.storage.library import Library
from exodesk.ui.main_window import MainWindow

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
    ticker = QTimer(interval=0)
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
    assert refresh == ["added_or_removed", "tags"]  # nothing merged: nothing else changed
    # A turn of the event loop between two refreshes.
    start = seen.index("added_or_removed")
    assert seen[start : start + 3] == ["added_or_removed", "turn", "tags"]

    both = tmp_path / "both.ris"
    both.write_text(RECORD.replace("{n}", "1") + RECORD.replace("{n}", "2"), encoding="utf-8")
    seen, report = _import(qtbot, window, both)
    assert (report.added, report.merged) == (1, 1)
    refresh = [event for event in seen if event != "turn"]
    assert refresh == ["added_or_removed", "tags", f"changed {report.merged_ids()}"]
    start = seen.index("tags")
    assert seen[start : start + 3] == ["tags", "turn", f"changed {report.merged_ids()}"]
