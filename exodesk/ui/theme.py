"""Light, dark or the system's look, applied to the whole application.

``system`` keeps the platform's style and palette, and follows the desktop when it switches
between light and dark (``QStyleHints.colorSchemeChanged``). ``light`` and ``dark`` use the
Fusion style with explicit palettes, because native styles (Windows "vista" in particular)
draw a dark palette badly; Fusion looks the same everywhere and honours every role.

Widgets take colours from the palette (``palette(...)`` in style sheets, ``QPalette`` roles
in code), never fixed colours, so a switch repaints everything without a restart.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QToolTip

__all__ = [
    "THEMES",
    "apply_theme",
    "current_theme",
    "dark_palette",
    "is_dark",
    "light_palette",
    "restore_initial_theme",
]

THEMES: tuple[str, ...] = ("system", "light", "dark")
FUSION = "fusion"

Role = QPalette.ColorRole
Group = QPalette.ColorGroup


def is_dark(palette: QPalette) -> bool:
    """True when text is lighter than the window behind it (a dark scheme)."""
    return palette.color(Role.WindowText).lightness() > palette.color(Role.Window).lightness()


def _palette(
    colours: dict[QPalette.ColorRole, str], disabled: dict[QPalette.ColorRole, str]
) -> QPalette:
    palette = QPalette()
    for role, colour in colours.items():
        palette.setColor(Group.All, role, QColor(colour))
    for role, colour in disabled.items():
        palette.setColor(Group.Disabled, role, QColor(colour))
    return palette


def light_palette() -> QPalette:
    """A light palette: enabled text reaches 4.5:1 contrast or more (WCAG AA)."""
    return _palette(
        {
            Role.Window: "#efefef",
            Role.WindowText: "#1a1a1a",
            Role.Base: "#ffffff",
            Role.AlternateBase: "#f5f5f5",
            Role.ToolTipBase: "#ffffdc",
            Role.ToolTipText: "#1a1a1a",
            Role.PlaceholderText: "#6b6b6b",
            Role.Text: "#1a1a1a",
            Role.Button: "#e6e6e6",
            Role.ButtonText: "#1a1a1a",
            Role.BrightText: "#ffffff",
            Role.Light: "#ffffff",
            Role.Midlight: "#f2f2f2",
            Role.Mid: "#666666",
            Role.Dark: "#a0a0a0",
            Role.Shadow: "#767676",
            Role.Highlight: "#2f65ca",
            Role.HighlightedText: "#ffffff",
            Role.Link: "#0b57d0",
            Role.LinkVisited: "#6a3ab2",
            Role.Accent: "#2f65ca",
        },
        {
            Role.WindowText: "#8c8c8c",
            Role.Text: "#8c8c8c",
            Role.ButtonText: "#8c8c8c",
            Role.Highlight: "#b4b4b4",
            Role.HighlightedText: "#1a1a1a",
        },
    )


def dark_palette() -> QPalette:
    """A dark palette: enabled text reaches 4.5:1 contrast or more (WCAG AA)."""
    return _palette(
        {
            Role.Window: "#2b2b2e",
            Role.WindowText: "#e8e8e8",
            Role.Base: "#1e1e20",
            Role.AlternateBase: "#262629",
            Role.ToolTipBase: "#3a3a3e",
            Role.ToolTipText: "#e8e8e8",
            Role.PlaceholderText: "#9a9a9a",
            Role.Text: "#e8e8e8",
            Role.Button: "#36363a",
            Role.ButtonText: "#e8e8e8",
            Role.BrightText: "#ffffff",
            Role.Light: "#4a4a4f",
            Role.Midlight: "#404044",
            Role.Mid: "#a0a0a6",
            Role.Dark: "#1a1a1c",
            Role.Shadow: "#101012",
            Role.Highlight: "#2f6fd6",
            Role.HighlightedText: "#ffffff",
            Role.Link: "#8ab4f8",
            Role.LinkVisited: "#c58af9",
            Role.Accent: "#2f6fd6",
        },
        {
            Role.WindowText: "#7c7c80",
            Role.Text: "#7c7c80",
            Role.ButtonText: "#7c7c80",
            Role.Highlight: "#4a4a4f",
            Role.HighlightedText: "#bdbdbd",
        },
    )


class _ThemeState(QObject):
    """What the application looked like before the first switch, and the current theme."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName("exodeskThemeState")
        self.app = app
        self.initial_style = app.style().name()
        self.initial_palette = QPalette(app.palette())
        self.theme = "system"
        app.styleHints().colorSchemeChanged.connect(self._scheme_changed)

    def _scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self.theme == "system":
            _apply_system(self, scheme)


def _state(app: QApplication) -> _ThemeState:
    state = app.findChild(_ThemeState, "exodeskThemeState")
    return state if state is not None else _ThemeState(app)


def _set_style(app: QApplication, name: str) -> None:
    if app.style().name().lower() != name.lower():
        app.setStyle(name)


def _set_palette(app: QApplication, palette: QPalette) -> None:
    app.setPalette(palette)
    # Tooltips keep a palette of their own and would stay in the old scheme.
    QToolTip.setPalette(app.palette())


def _set_scheme(app: QApplication, scheme: Qt.ColorScheme | None) -> None:
    """Tell the platform which scheme we draw, so native parts (title bars) can match."""
    hints = app.styleHints()
    if scheme is None:
        if hasattr(hints, "unsetColorScheme"):  # Qt 6.8+
            hints.unsetColorScheme()
    elif hasattr(hints, "setColorScheme"):
        hints.setColorScheme(scheme)


def _apply_system(state: _ThemeState, scheme: Qt.ColorScheme | None = None) -> None:
    """The platform's style and palette; ``scheme`` is the desktop's (default: ask Qt)."""
    app = state.app
    _set_style(app, state.initial_style)
    # A default-constructed palette hands the colours back to the platform theme.
    _set_palette(app, QPalette())
    # Some platform themes report a dark desktop but still hand out a light palette (or the
    # other way round): then draw our own palette for the scheme the desktop asks for.
    if scheme is None:
        scheme = app.styleHints().colorScheme()
    wants_dark = scheme == Qt.ColorScheme.Dark
    if scheme != Qt.ColorScheme.Unknown and wants_dark != is_dark(app.palette()):
        _set_style(app, FUSION)
        _set_palette(app, dark_palette() if wants_dark else light_palette())


def apply_theme(app: QApplication, name: str) -> None:
    """Switch ``app`` to ``name`` (``system``, ``light`` or ``dark``; anything else: system).

    Every widget is repainted with the new palette; nothing needs restarting.
    """
    state = _state(app)
    state.theme = name if name in THEMES else "system"
    if state.theme == "system":
        _set_scheme(app, None)
        _apply_system(state)
        return
    dark = state.theme == "dark"
    _set_style(app, FUSION)
    # theme is set before this call, so the colorSchemeChanged it may cause is ignored.
    _set_scheme(app, Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
    _set_palette(app, dark_palette() if dark else light_palette())


def current_theme(app: QApplication) -> str:
    """The theme last applied to ``app`` (``system`` if none was)."""
    state = app.findChild(_ThemeState, "exodeskThemeState")
    return state.theme if state is not None else "system"


def restore_initial_theme(app: QApplication) -> None:
    """Back to the style and palette ``app`` had before the first :func:`apply_theme`."""
    state = app.findChild(_ThemeState, "exodeskThemeState")
    if state is None:
        return
    app.styleHints().colorSchemeChanged.disconnect(state._scheme_changed)
    _set_scheme(app, None)
    _set_style(app, state.initial_style)
    _set_palette(app, state.initial_palette)
    state.setParent(None)
    state.deleteLater()
