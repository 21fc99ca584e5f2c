"""``YearBarChart``: a small bar chart of how many articles cite the review in each year.

Drawn with QPainter because exodesk ships PySide6-Essentials, which has no QtCharts. All
colours come from the widget's palette, so the chart follows light and dark themes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QHelpEvent, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

#: Years further apart than this are not padded with empty bars: a few dozen bars is the
#: most that stays readable in a side pane.
MAX_FILLED_SPAN = 40


class YearBarChart(QWidget):
    """Bars of counts per year, the count above each bar and the year below it.

    Works without a year (``None``) are grouped in one last bar labelled "n.d." (no date).
    Years between the first and the last without any work get an empty slot, so the
    horizontal axis is a true time line.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._counts: dict[int | None, int] = {}
        self._bars: list[tuple[int | None, int]] = []
        self._hovered: int | None = None
        self.setObjectName("yearChart")
        self.setAccessibleName(self.tr("Citing articles per year"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)  # for the hover highlight
        self._update_description()

    # -- data ----------------------------------------------------------------------------------
    def set_counts(self, counts: Mapping[int | None, int]) -> None:
        cleaned = {year: int(n) for year, n in counts.items() if int(n) > 0}
        if cleaned == self._counts:
            return
        self._counts = cleaned
        self._bars = _bars_for(cleaned)
        self._hovered = None
        self._update_description()
        self.update()

    def counts(self) -> dict[int | None, int]:
        return dict(self._counts)

    def bars(self) -> list[tuple[str, int]]:
        """(label, count) of every slot in drawing order, empty years included."""
        return [(self._label(year), n) for year, n in self._bars]

    def _label(self, year: int | None) -> str:
        return self.tr("n.d.") if year is None else str(year)

    def _update_description(self) -> None:
        # The bars are painted, so screen readers get the same numbers as text.
        if not self._counts:
            self.setAccessibleDescription(self.tr("No citing articles yet"))
            return
        parts = [f"{self._label(year)}: {n}" for year, n in self._bars if n]
        self.setAccessibleDescription("; ".join(parts))

    # -- size ----------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(320, 140)

    def minimumSizeHint(self) -> QSize:
        return QSize(140, 100)

    # -- geometry shared by painting and hit-testing -------------------------------------------
    def _small_font(self) -> QFont:
        font = QFont(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 0.85)
        else:
            font.setPixelSize(max(8, round(font.pixelSize() * 0.85)))
        return font

    def _layout(self) -> tuple[QRectF, float, float]:
        """The plot area (bars only), the width of one slot and the x of the first slot."""
        metrics = QFontMetricsF(self._small_font())
        area = QRectF(self.contentsRect()).adjusted(4, 4, -4, -4)
        plot = area.adjusted(0, metrics.height() + 2, 0, -(metrics.height() + 6))
        count = max(len(self._bars), 1)
        # Cap the slot width so two or three bars do not turn into wide blocks; they start
        # at the left edge, under the heading, like the text around them.
        slot = min(plot.width() / count, metrics.horizontalAdvance("0000") * 2.2)
        return plot, slot, plot.left()

    def _bar_rect(self, index: int, plot: QRectF, slot: float, first_x: float) -> QRectF:
        peak = max((n for _, n in self._bars), default=1)
        n = self._bars[index][1]
        width = max(2.0, min(slot * 0.62, slot - 2))
        height = 0.0 if n == 0 else max(2.0, plot.height() * n / peak)
        left = first_x + slot * index + (slot - width) / 2
        return QRectF(left, plot.bottom() - height, width, height)

    def _has_label(self, index: int, step: int) -> bool:
        """Whether slot ``index`` gets a label below it: every ``step``-th, and n.d. always."""
        last = len(self._bars) - 1
        if self._bars[index][0] is None:
            return True
        if self._bars[last][0] is None and index > last - step:
            return False  # would collide with the "n.d." label
        return index % step == 0

    def _slot_at(self, x: float) -> int | None:
        if not self._bars:
            return None
        _, slot, first_x = self._layout()
        index = math.floor((x - first_x) / slot) if slot > 0 else -1
        return index if 0 <= index < len(self._bars) else None

    # -- painting ------------------------------------------------------------------------------
    def paintEvent(self, event: QEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            palette = self.palette()
            font = self._small_font()
            painter.setFont(font)
            metrics = QFontMetricsF(font)
            if not self._bars:
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(
                    QRectF(self.contentsRect()),
                    Qt.AlignmentFlag.AlignCenter,
                    self.tr("No citing articles yet"),
                )
                return
            plot, slot, first_x = self._layout()
            text_colour = palette.color(self.foregroundRole())
            bar_colour = palette.color(QPalette.ColorRole.Highlight)
            # One label every `step` slots, so that year labels never overlap.
            label_width = metrics.horizontalAdvance("0000") + 6
            step = max(1, math.ceil(label_width / slot)) if slot > 0 else 1

            axis = QColor(palette.color(QPalette.ColorRole.Mid))
            painter.setPen(axis)
            painter.drawLine(
                QPointF(first_x, plot.bottom() + 0.5),
                QPointF(first_x + slot * len(self._bars), plot.bottom() + 0.5),
            )
            for index, (year, n) in enumerate(self._bars):
                rect = self._bar_rect(index, plot, slot, first_x)
                colour = QColor(bar_colour)
                if year is None:
                    colour.setAlphaF(0.55)  # "no date" is set apart from the time line
                if index == self._hovered:
                    colour = colour.lighter(125) if colour.lightness() < 160 else colour.darker(115)
                if n:
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(colour)
                    radius = min(3.0, rect.width() / 4)
                    painter.drawRoundedRect(rect, radius, radius)
                    text = str(n)
                    # On very thin bars the count would run into its neighbours; the
                    # tooltip and the accessible description still give it.
                    if metrics.horizontalAdvance(text) <= slot + 2:
                        painter.setPen(text_colour)
                        above = QRectF(
                            first_x + slot * index,
                            rect.top() - metrics.height() - 2,
                            slot,
                            metrics.height(),
                        )
                        painter.drawText(above, Qt.AlignmentFlag.AlignCenter, text)
                if self._has_label(index, step):
                    painter.setPen(text_colour)
                    # Centred under the bar, but kept inside the widget at both ends.
                    centre = first_x + slot * (index + 0.5)
                    left = min(
                        max(centre - label_width / 2, plot.left()), plot.right() - label_width
                    )
                    below = QRectF(left, plot.bottom() + 4, label_width, metrics.height())
                    painter.drawText(below, Qt.AlignmentFlag.AlignCenter, self._label(year))
        finally:
            painter.end()

    # -- hover and tooltips --------------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hovered = self._slot_at(event.position().x())
        if hovered != self._hovered:
            self._hovered = hovered
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.update()
        super().leaveEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self._slot_at(event.pos().x())
            if index is None:
                QToolTip.hideText()
                event.ignore()
            else:
                year, n = self._bars[index]
                text = (
                    self.tr("{year}: 1 citing article")
                    if n == 1
                    else self.tr("{year}: {count} citing articles")
                ).format(year=self._label(year), count=n)
                QToolTip.showText(event.globalPos(), text, self)
            return True
        return super().event(event)


def _bars_for(counts: Mapping[int | None, int]) -> list[tuple[int | None, int]]:
    """The slots to draw: years in order (gaps filled when the span is short), then n.d."""
    years = sorted(year for year in counts if year is not None)
    if years and years[-1] - years[0] <= MAX_FILLED_SPAN:
        years = list(range(years[0], years[-1] + 1))
    bars: list[tuple[int | None, int]] = [(year, counts.get(year, 0)) for year in years]
    if counts.get(None):
        bars.append((None, counts[None]))
    return bars
