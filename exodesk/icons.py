"""The application icon, from the PNGs shipped in ``exodesk.resources``, and their names.

The files are rendered from ``resources/icons/io.github.exodesk.Exodesk.svg`` by
``packaging/render_icons.py``. Loading the ready-made PNGs rather than the SVG keeps the small
sizes crisp and needs no SVG plug-in, and reading bytes (not paths) works from any install,
a zipped one included.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from exodesk import APP_ID

if TYPE_CHECKING:
    # importlib.resources.abc is new in Python 3.11; exodesk also runs on 3.10.
    from importlib.resources.abc import Traversable

    from PySide6.QtGui import QIcon

#: Every size rendered; the same list ``exodesk install-desktop`` puts in the hicolor theme.
ICON_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256, 512)


def icon_dir() -> Traversable:
    """The folder of the icon files inside the installed package."""
    return resources.files("exodesk.resources").joinpath("icons")


def png_name(size: int) -> str:
    return f"{APP_ID}-{size}.png"


def svg_name() -> str:
    return f"{APP_ID}.svg"


def app_icon() -> QIcon:
    """The exodesk icon at every shipped size; Qt picks the closest one for each use.

    Needs a QGuiApplication (pixmaps do). A missing file is skipped, so a broken install
    degrades to the platform's default icon instead of failing at start-up.
    """
    # Imported here: ``exodesk install-desktop`` uses the names above without loading Qt.
    from PySide6.QtGui import QIcon, QPixmap

    icon = QIcon()
    folder = icon_dir()
    for size in ICON_SIZES:
        entry = folder.joinpath(png_name(size))
        if not entry.is_file():
            continue
        pixmap = QPixmap()
        if pixmap.loadFromData(entry.read_bytes(), "PNG"):
            icon.addPixmap(pixmap)
    return icon
