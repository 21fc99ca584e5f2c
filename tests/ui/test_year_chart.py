"""The per-year bar chart: its data, its slots, and that it paints in every state."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPalette

from exodesk.ui.year_chart import YearBarChart


def _chart(qtbot) -> YearBarChart:
    chart = YearBarChart()
    qtbot.addWidget(chart)
    chart.resize(chart.sizeHint())
    return chart


def test_counts_round_trip_and_zero_counts_are_dropped(qtbot) -> None:
    chart = _chart(qtbot)
    chart.set_counts({2025: 4, 2024: 1, 2023: 0})
    assert chart.counts() == {2025: 4, 2024: 1}
    counts = chart.counts()
    counts[1999] = 3  # a copy: the chart's data does not change behind its back
    assert chart.counts() == {2025: 4, 2024: 1}


def test_gaps_are_filled_and_undated_works_come_last(qtbot) -> None:
    chart = _chart(qtbot)
    chart.set_counts({None: 2, 2025: 4, 2022: 1})
    assert chart.bars() == [("2022", 1), ("2023", 0), ("2024", 0), ("2025", 4), ("n.d.", 2)]
    assert "n.d.: 2" in chart.accessibleDescription()


def test_a_long_span_is_not_padded(qtbot) -> None:
    chart = _chart(qtbot)
    chart.set_counts({1950: 1, 2025: 2})
    assert chart.bars() == [("1950", 1), ("2025", 2)]


def test_size_hint_and_name(qtbot) -> None:
    chart = _chart(qtbot)
    assert chart.sizeHint() == QSize(320, 140)
    assert chart.objectName() == "yearChart"


def _ink(image: QImage, background: QColor) -> int:
    """How many pixels differ from the background (sampled every 2 px)."""
    return sum(
        image.pixelColor(x, y) != background
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    )


def test_paints_bars_in_palette_colours(qtbot) -> None:
    chart = _chart(qtbot)
    palette = chart.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#f0f0f0"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#ff8800"))
    chart.setPalette(palette)
    chart.setAutoFillBackground(True)
    chart.set_counts({2024: 1, 2025: 4})
    image = chart.grab().toImage()
    colours = {
        image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())
    }
    assert "#ff8800" in colours  # the bars use the palette's highlight colour
    assert _ink(image, QColor("#202020")) > 0


def test_empty_chart_says_so(qtbot) -> None:
    chart = _chart(qtbot)
    chart.set_counts({})
    assert chart.bars() == []
    assert chart.accessibleDescription() == "No citing articles yet"
    image = chart.grab().toImage()
    assert _ink(image, image.pixelColor(0, 0)) > 0  # the "No citing articles yet" text


def test_many_years_paint_without_error(qtbot) -> None:
    chart = _chart(qtbot)
    chart.resize(160, 100)
    chart.set_counts({year: year % 7 for year in range(1990, 2026)} | {None: 3})
    assert len(chart.bars()) == 37
    assert not chart.grab().isNull()
