"""Themes: light and dark palettes, back to the system look, and the main window follows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLineEdit

from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.main_window import MainWindow
from exodesk.ui.theme import (
    apply_theme,
    current_theme,
    dark_palette,
    is_dark,
    light_palette,
    restore_initial_theme,
)

Role = QPalette.ColorRole


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The application, with its original style and palette put back afterwards."""
    style = qapp.style().name()
    window = qapp.palette().color(Role.Window)
    yield qapp
    restore_initial_theme(qapp)
    assert qapp.style().name() == style
    assert qapp.palette().color(Role.Window) == window


def window_lightness(app: QApplication) -> int:
    return app.palette().color(Role.Window).lightness()


def test_is_dark() -> None:
    assert is_dark(dark_palette())
    assert not is_dark(light_palette())


def test_switching_light_dark_light(app: QApplication, qtbot, library: Library) -> None:
    win = MainWindow(library, LibraryEvents(), restore=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)

    apply_theme(app, "light")
    assert current_theme(app) == "light"
    assert app.style().name().lower() == "fusion"
    light = window_lightness(app)
    assert light > 200 and not is_dark(app.palette())

    apply_theme(app, "dark")
    assert current_theme(app) == "dark"
    dark = window_lightness(app)
    assert dark < 80 and is_dark(app.palette())
    # The widgets of the window take the new palette without being rebuilt.
    qtbot.waitUntil(lambda: is_dark(win.palette()))
    assert win.table.palette().color(Role.Base) == dark_palette().color(Role.Base)
    assert win.search.palette().color(Role.Text).lightness() > 200
    assert win.detail_pane.palette().color(Role.Window).lightness() == dark

    apply_theme(app, "light")
    assert window_lightness(app) == light
    qtbot.waitUntil(lambda: not is_dark(win.palette()))
    assert win.table.palette().color(Role.Base) == light_palette().color(Role.Base)


def test_new_widgets_and_tooltips_get_the_theme_too(app: QApplication, qtbot) -> None:
    from PySide6.QtWidgets import QToolTip

    apply_theme(app, "dark")
    field = QLineEdit()
    qtbot.addWidget(field)
    assert is_dark(field.palette())
    assert QToolTip.palette().color(Role.ToolTipBase).lightness() < 100


def test_system_restores_the_platform_look(app: QApplication, qtbot) -> None:
    system_style = app.style().name()
    system_window = app.palette().color(Role.Window)
    apply_theme(app, "dark")
    apply_theme(app, "system")
    assert current_theme(app) == "system"
    assert app.style().name() == system_style
    assert app.palette().color(Role.Window) == system_window
    # Unknown names fall back to the system look instead of failing at start-up.
    apply_theme(app, "no-such-theme")
    assert current_theme(app) == "system"


def test_system_follows_the_desktop_scheme(app: QApplication, qtbot) -> None:
    apply_theme(app, "system")
    assert not is_dark(app.palette())  # offscreen: a light platform palette
    hints = app.styleHints()
    # The desktop switching to dark. The offscreen platform cannot switch itself, so the
    # signal Qt would emit is emitted here; its platform palette stays light, which is the
    # case the fallback palette exists for.
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert is_dark(app.palette())
    assert current_theme(app) == "system"
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not is_dark(app.palette())
    # An explicit theme ignores the desktop.
    apply_theme(app, "light")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not is_dark(app.palette())
