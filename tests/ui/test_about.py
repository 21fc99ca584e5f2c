"""Help > About: version, licence, folders and versions, shown as text (never as markup)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from exodesk import __version__
from exodesk.paths import data_dir, log_dir
from exodesk.ui.about import LICENSE, AboutDialog


def test_the_about_dialog_shows_versions_licence_and_folders(
    qtbot, tmp_path: Path, opened_urls: list[str]
) -> None:
    library_path = tmp_path / "<b>odd</b> & name" / "library.sqlite"
    dialog = AboutDialog(library_path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    fields = {key: label.text() for key, label in dialog.fields.items()}
    assert fields["version"] == __version__
    assert fields["licence"] == LICENSE == "GPL-3.0-or-later"
    assert fields["data"] == str(data_dir())
    assert fields["log"] == str(log_dir())
    assert fields["library"] == str(library_path)  # as it is, not interpreted as HTML
    assert fields["version:Qt"] == qVersion()
    assert fields["version:PySide6"] == PySide6.__version__
    assert fields["version:SQLite"] == sqlite3.sqlite_version
    assert fields["version:Python"].count(".") == 2

    for label in dialog.fields.values():
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
        assert label.accessibleName()
    heading = dialog.findChild(QLabel, "aboutHeading")
    assert heading is not None and __version__ in heading.text()

    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert f"exodesk {__version__} (GPL-3.0-or-later)" in copied
    assert str(library_path) in copied and str(log_dir()) in copied

    qtbot.mouseClick(dialog.open_log_button, Qt.MouseButton.LeftButton)
    assert opened_urls == [log_dir().as_uri()]

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
