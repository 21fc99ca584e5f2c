"""``FlowLayout``: lays widgets out left to right and wraps them onto new lines, like words.

Used for chips (subjects, keywords, tags) and short label/value pairs, whose number and
widths are only known at run time and which should use the width the pane happens to have.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QStyle, QWidget


class FlowLayout(QLayout):
    """Items in reading order, wrapped at the right edge; the height follows the width."""

    def __init__(
        self, parent: QWidget | None = None, h_spacing: int = -1, v_spacing: int = -1
    ) -> None:
        super().__init__(parent)
        # Qt hands the items to addItem and expects the layout to own them; the list keeps
        # their Python wrappers alive for as long as the layout holds them.
        self._items: list[QLayoutItem] = []
        self._h_spacing = h_spacing
        self._v_spacing = v_spacing

    # -- QLayout's item interface --------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        if 0 <= index < len(self._items):
            return self._items[index]
        return None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if 0 <= index < len(self._items):
            return self._items.pop(index)
        return None

    def clear(self) -> None:
        """Remove every item and delete the widgets they held."""
        while self._items:
            item = self.takeAt(len(self._items) - 1)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # at once, so a repaint before deleteLater shows nothing stale
                widget.deleteLater()
        self.invalidate()

    def widgets(self) -> list[QWidget]:
        return [w for item in self._items if (w := item.widget()) is not None]

    # -- sizes ---------------------------------------------------------------------------------
    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        # The widest single item: narrower than that, nothing can wrap any further.
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins: QMargins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def horizontalSpacing(self) -> int:
        if self._h_spacing >= 0:
            return self._h_spacing
        return self._style_spacing(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)

    def verticalSpacing(self) -> int:
        if self._v_spacing >= 0:
            return self._v_spacing
        return self._style_spacing(QStyle.PixelMetric.PM_LayoutVerticalSpacing)

    def _style_spacing(self, metric: QStyle.PixelMetric) -> int:
        parent = self.parent()
        if isinstance(parent, QWidget):
            return parent.style().pixelMetric(metric, None, parent)
        if isinstance(parent, QLayout):
            return parent.spacing()
        return 6

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        """Place the items inside ``rect`` (or only measure); returns the height used."""
        margins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        x, y = area.x(), area.y()
        line_height = 0
        h_gap, v_gap = self.horizontalSpacing(), self.verticalSpacing()
        for item in self._items:
            if item.isEmpty():
                continue  # hidden widgets take no room, as in the box layouts
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x = area.x()
                y += line_height + v_gap
                line_height = 0
            if apply:
                width = min(hint.width(), max(area.width(), 0))
                item.setGeometry(QRect(QPoint(x, y), QSize(width, hint.height())))
            x += hint.width() + h_gap
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + margins.bottom()
