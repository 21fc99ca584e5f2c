"""The Qt binding keeps Python's reference counts right.

PySide6 6.12.0 drops a reference to ``None`` on every repaint of an item view and on every
``QModelIndex.data()`` that returns None. On Python 3.11, where None is an ordinary object,
its count reaches zero after a few thousand repaints and the interpreter aborts
("deallocating None"): the window dies while the user scrolls. pyproject.toml excludes that
release; this test fails on any binding with the same fault.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QTableView

ModelIndex = QModelIndex | QPersistentModelIndex
REPEATS = 200


class _Cells(QAbstractTableModel):
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 20

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def data(self, index: ModelIndex, role: int = 0) -> object:
        return "cell" if role == 0 else None


def _references_to_none_lost(action: object) -> int:
    before = sys.getrefcount(None)
    for _ in range(REPEATS):
        action()  # type: ignore[operator]
    return before - sys.getrefcount(None)


def test_repainting_an_item_view_keeps_references_to_none(qtbot) -> None:
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(_Cells())
    view.show()
    qtbot.waitExposed(view)
    view.viewport().repaint()
    assert _references_to_none_lost(view.viewport().repaint) < REPEATS // 2


def test_reading_a_missing_role_keeps_references_to_none(qapp) -> None:
    model = _Cells()
    index = model.index(1, 1)
    assert index.data(5) is None
    assert _references_to_none_lost(lambda: index.data(5)) < REPEATS // 2
