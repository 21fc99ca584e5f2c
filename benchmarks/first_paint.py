"""Run as its own process: start exodesk on a library and report, as one JSON line, the
seconds from process start to the first paint of the works table, and the resident memory
once the table has been painted and scrolled to the end and back.

``python -m benchmarks.first_paint --library PATH --t0 EPOCH_SECONDS``

``--t0`` is the parent's ``time.time()`` taken just before it started this process, so the
figure includes the interpreter's start and every import. The app starts through
``exodesk.app.run_gui`` itself (logging, single-instance guard, theme, ``open_library``,
``build_main_window``, ``show``, the event loop); the only addition is an event filter on the
table's viewport, installed by wrapping ``build_main_window``. Qt runs offscreen when no
platform is set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

T_IMPORTED = time.time()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
#: Seconds after which a run that never painted gives up.
GIVE_UP_MS = 120_000


def resident_mb() -> float:
    """VmRSS of this process, in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--library", required=True)
    parser.add_argument("--t0", type=float, required=True)
    args = parser.parse_args(argv)

    from pathlib import Path

    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from exodesk import app as exodesk_app

    result: dict[str, float] = {"python_started_s": T_IMPORTED - args.t0}
    windows: list = []

    def painted() -> None:
        result["first_paint_s"] = time.time() - args.t0
        model = windows[0].works_model
        while model.loading:  # the rest of the ids, from the loader thread
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            time.sleep(0.001)
        result["complete_s"] = time.time() - args.t0
        table = windows[0].table
        for scroll in (table.scrollToBottom, table.scrollToTop):
            scroll()
            table.viewport().repaint()
        QApplication.processEvents()
        result["rows"] = windows[0].works_model.rowCount()
        result["rss_mb"] = resident_mb()
        QApplication.quit()

    class FirstPaint(QObject):
        seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not self.seen:
                self.seen = True
                # Runs once this paint event has been handled, i.e. the table is drawn.
                QTimer.singleShot(0, painted)
            return False

    watcher = FirstPaint()
    build = exodesk_app.build_main_window

    def instrumented(library: object, *, restore: bool = True) -> object:
        window = build(library, restore=restore)  # type: ignore[arg-type]
        window.table.viewport().installEventFilter(watcher)
        windows.append(window)
        QTimer.singleShot(GIVE_UP_MS, QApplication.quit)
        return window

    exodesk_app.build_main_window = instrumented  # type: ignore[assignment]
    status = exodesk_app.run_gui(Path(args.library))
    print(json.dumps(result), flush=True)
    return status if "first_paint_s" in result else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)
