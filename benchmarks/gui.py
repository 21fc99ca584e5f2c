"""Measurements on the real main window (offscreen), through the code paths a user triggers.

Each function takes a shown ``MainWindow`` and returns raw timings in seconds; the runner
turns them into medians and percentiles. Nothing here calls the storage layer directly
except to prepare (select rows, pick a tag name).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QEventLoop, QItemSelection, QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QApplication

from exodesk.core.query import Scope
from exodesk.ui.main_window import MainWindow
from exodesk.ui.sidebar import EntryKind
from exodesk.ui.tasks import Task

WINDOW_SIZE = (1360, 820)
SCROLL_STEPS = 40
HEARTBEAT_MS = 10


def settle(window: MainWindow) -> None:
    """Let Qt handle what is pending (layouts, posted paints) outside any timing."""
    app = QApplication.instance()
    if app is not None:
        app.processEvents()
    window.table.viewport().repaint()


def show(window: MainWindow) -> None:
    window.resize(*WINDOW_SIZE)
    window.show()
    for _ in range(3):
        settle(window)


def first_page(window: MainWindow) -> None:
    """What the view asks for first: the top row's data (loads the first page)."""
    window.works_model.index(0, 0).data()


def wait_complete(window: MainWindow, timeout_s: float = 120) -> None:
    """Until the model holds every id of its query (the loader thread delivered the rest)."""
    deadline = time.perf_counter() + timeout_s
    app = QApplication.instance()
    while window.works_model.loading:
        if time.perf_counter() > deadline:
            raise RuntimeError("the table did not finish loading")
        if app is not None:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.001)


def reset_view(window: MainWindow) -> None:
    """The default view: citing articles, no search text, newest first, every row in."""
    window.search.setText("")
    window.select_sidebar_key((EntryKind.FILTER.value, Scope.CITING))
    window.apply_search()
    window.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    wait_complete(window)
    settle(window)


@dataclass(frozen=True, slots=True)
class Timed:
    """A search or sort: until the first page shows, and until every row is in."""

    first_page: float
    complete: float
    rows: int


# -- search as you type ---------------------------------------------------------------------
def search_times(window: MainWindow, queries: list[str]) -> list[Timed]:
    """Per query: the debounced search slot, the model reset and the first page; then until
    the rest of the rows are in (the loader thread), with the number of rows found."""
    reset_view(window)
    results = []
    for text in queries:
        window.search.setText(text)
        started = time.perf_counter()
        window.apply_search()
        first_page(window)
        shown = time.perf_counter() - started
        wait_complete(window)
        done = time.perf_counter() - started
        results.append(Timed(shown, done, window.works_model.rowCount()))
        settle(window)
    reset_view(window)
    return results


# -- sorting ----------------------------------------------------------------------------------
def sort_times(window: MainWindow) -> dict[tuple[int, str], Timed]:
    """Per (column, order): a click on the header (sortByColumn) and the first page; then
    until every row is in."""
    reset_view(window)
    times = {}
    orders = (("asc", Qt.SortOrder.AscendingOrder), ("desc", Qt.SortOrder.DescendingOrder))
    for column in range(window.works_model.columnCount()):
        for name, order in orders:
            started = time.perf_counter()
            window.table.sortByColumn(column, order)
            first_page(window)
            shown = time.perf_counter() - started
            wait_complete(window)
            done = time.perf_counter() - started
            times[(column, name)] = Timed(shown, done, window.works_model.rowCount())
            settle(window)
    reset_view(window)
    return times


# -- scrolling --------------------------------------------------------------------------------
def scroll_frames(window: MainWindow) -> list[float]:
    """Frames of a scroll to the end and back: to the bottom and top in one jump, then in
    ``SCROLL_STEPS`` drags of the scroll bar each way; each frame is a synchronous paint."""
    reset_view(window)
    table = window.table
    bar = table.verticalScrollBar()
    frames = []

    def frame(move: object) -> None:
        started = time.perf_counter()
        move()  # type: ignore[operator]
        table.viewport().repaint()
        frames.append(time.perf_counter() - started)

    frame(table.scrollToBottom)
    frame(table.scrollToTop)
    top = bar.maximum()
    positions = [round(top * step / SCROLL_STEPS) for step in range(1, SCROLL_STEPS + 1)]
    for value in [*positions, *reversed(positions[:-1]), 0]:
        frame(lambda value=value: bar.setValue(value))
    return frames


# -- tagging ----------------------------------------------------------------------------------
def select_first_rows(window: MainWindow, count: int) -> int:
    model = window.works_model
    count = min(count, model.rowCount())
    selection = QItemSelection(model.index(0, 0), model.index(count - 1, 0))
    flags = (
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    )
    window.table.selectionModel().select(selection, flags)
    settle(window)
    return count


def tag_time(window: MainWindow, tag_name: str, count: int) -> float:
    """Select ``count`` rows (untimed), then Tag Selected with a new tag name: storage,
    events and every view's refresh, until Qt has nothing left to do."""
    reset_view(window)
    selected = select_first_rows(window, count)
    if len(window.selected_work_ids()) != selected:
        raise RuntimeError("the rows could not be selected")
    started = time.perf_counter()
    window.work_actions.tag(tag_name)
    QApplication.processEvents()
    elapsed = time.perf_counter() - started
    settle(window)
    return elapsed


# -- event-loop stalls during an import -------------------------------------------------------
@dataclass
class StallReport:
    seconds: float = 0.0
    max_gap_during: float = 0.0  # while the import ran on its thread
    max_gap_after: float = 0.0  # the views refreshing once it finished
    outcome: str = ""
    gaps: list[float] = field(default_factory=list)


def import_stalls(window: MainWindow, path: Path, timeout_s: float = 1800) -> StallReport:
    """Run File > Import's task on ``path`` with a 10 ms heartbeat on the GUI thread."""
    reset_view(window)
    transfer = window.transfer
    transfer.interactive = False
    report = StallReport()
    ticks: list[float] = []
    worker_done: list[float] = []
    loop = QEventLoop()
    heartbeat = QTimer(interval=HEARTBEAT_MS)
    task: Task | None = None

    def beat() -> None:
        ticks.append(time.perf_counter())
        if task is not None and not worker_done and task.isFinished():
            worker_done.append(ticks[-1])

    def finish(outcome: str) -> None:
        report.outcome = outcome
        QTimer.singleShot(200, loop.quit)  # a few more beats after the refresh

    heartbeat.timeout.connect(beat)
    transfer.imported.connect(lambda result: finish(result.summary()))
    transfer.failed.connect(lambda message: finish(f"failed: {message}"))
    QTimer.singleShot(int(timeout_s * 1000), lambda: finish("timed out"))
    heartbeat.start()
    started = time.perf_counter()
    task = transfer.start_import([path], cites_review=True)
    loop.exec()
    heartbeat.stop()
    report.seconds = time.perf_counter() - started
    end_of_worker = worker_done[0] if worker_done else ticks[-1]
    for previous, current in itertools.pairwise(ticks):
        gap = current - previous
        report.gaps.append(gap)
        if current <= end_of_worker:
            report.max_gap_during = max(report.max_gap_during, gap)
        else:
            report.max_gap_after = max(report.max_gap_after, gap)
    return report
