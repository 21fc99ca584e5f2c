"""Run as its own process: open a library in the real main window and report, as one JSON
line, the seconds from process start to the first paint of the works table, and the
resident memory once the table has been painted and scrolled to the end and back.

``python -m benchmarks.first_paint --library PATH --t0 EPOCH_SECONDS``

``--t0`` is the parent's ``time.time()`` taken just before it started this process, so the
figure includes the interpreter's start and every import. The window is built exactly as
``exodesk.app.run_gui`` builds it (``_application``, ``open_library``,
``build_main_window``, ``show``); Qt runs offscreen when no platform is set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

T_IMPORTED = time.time()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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

    from PySide6.QtCore import QEvent, QObject, QTimer

    from exodesk import app as exodesk_app

    qt_app = exodesk_app._application()
    library = exodesk_app.open_library(Path(args.library))
    window = exodesk_app.build_main_window(library)
    result: dict[str, float] = {"python_started_s": T_IMPORTED - args.t0}

    class FirstPaint(QObject):
        seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not self.seen:
                self.seen = True
                # Runs once this paint event has been handled, i.e. the table is drawn.
                QTimer.singleShot(0, painted)
            return False

    def painted() -> None:
        result["first_paint_s"] = time.time() - args.t0
        table = window.table
        for scroll in (table.scrollToBottom, table.scrollToTop):
            scroll()
            table.viewport().repaint()
        qt_app.processEvents()
        result["rows"] = window.works_model.rowCount()
        result["rss_mb"] = resident_mb()
        qt_app.quit()

    watcher = FirstPaint()
    window.table.viewport().installEventFilter(watcher)
    window.show()
    QTimer.singleShot(60_000, qt_app.quit)  # never hang a benchmark run
    qt_app.exec()
    window.close()
    library.close()
    print(json.dumps(result), flush=True)
    return 0 if "first_paint_s" in result else 1


if __name__ == "__main__":
    sys.exit(main())
