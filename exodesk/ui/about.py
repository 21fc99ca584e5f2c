"""Help > About: version, licence, where the data and the log live, and library versions.

Everything a bug report needs is selectable and can be copied in one go; folder paths come
from :mod:`exodesk.paths`, the same functions the program uses to find them.
"""

from __future__ import annotations

import html
import platform
import sqlite3
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exodesk import APP_NAME, __version__
from exodesk.paths import data_dir, log_dir

__all__ = ["LICENSE", "LICENSE_URL", "AboutDialog", "version_info"]

LICENSE = "GPL-3.0-or-later"
LICENSE_URL = "https://www.gnu.org/licenses/gpl-3.0.html"


def version_info() -> list[tuple[str, str]]:
    """``(component, version)`` of exodesk and what it runs on, for the dialog and reports."""
    return [
        (APP_NAME, __version__),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("Python", platform.python_version()),
        # The SQLite library the library file is written with (linked into Python).
        ("SQLite", sqlite3.sqlite_version),
        ("OS", platform.platform(terse=True)),
    ]


class AboutDialog(QDialog):
    """Name, version, licence, data/log folders, library file and component versions."""

    def __init__(self, library_path: Path | str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(self.tr("About exodesk"))
        self.library_path = Path(library_path) if library_path else None

        heading = QLabel()
        heading.setObjectName("aboutHeading")
        heading.setTextFormat(Qt.TextFormat.RichText)
        heading.setText(
            "<h2>{name} {version}</h2><p>{blurb}</p><p>{licence}</p>".format(
                name=html.escape(APP_NAME),
                version=html.escape(__version__),
                blurb=html.escape(
                    self.tr(
                        "A reference manager that follows a review article and the papers "
                        "citing it."
                    )
                ),
                licence=self.tr(
                    "Free software under the {link}; it comes with absolutely no warranty."
                ).format(
                    link='<a href="{url}">{name}</a>'.format(
                        url=html.escape(LICENSE_URL, quote=True),
                        name=html.escape(self.tr("GNU General Public License v3.0 or later")),
                    )
                ),
            )
        )
        heading.setWordWrap(True)
        heading.setOpenExternalLinks(True)  # the licence URL is a constant of ours
        heading.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        heading.setAccessibleName(self.tr("About exodesk"))

        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        rows = [
            ("version", self.tr("Version"), __version__),
            ("licence", self.tr("Licence"), LICENSE),
            ("library", self.tr("Library file"), str(self.library_path or "")),
            ("data", self.tr("Data folder"), str(data_dir())),
            ("log", self.tr("Log folder"), str(log_dir())),
        ]
        rows += [
            ("version:" + name, self.tr("{component} version").format(component=name), value)
            for name, value in version_info()[1:]
        ]
        for key, label, value in rows:
            self.fields[key] = self._value_label(key, label, value)
            form.addRow(self.tr("{label}:").format(label=label), self.fields[key])

        self.copy_button = QPushButton(self.tr("&Copy Details"))
        self.copy_button.setObjectName("aboutCopy")
        self.copy_button.clicked.connect(self.copy_details)
        self.open_log_button = QPushButton(self.tr("Open &Log Folder"))
        self.open_log_button.setObjectName("aboutOpenLog")
        self.open_log_button.clicked.connect(self.open_log_folder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.open_log_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)

    def _value_label(self, key: str, label: str, value: str) -> QLabel:
        # Plain text: a path may contain "<" or "&" and must show as it is.
        field = QLabel(value)
        field.setObjectName("about_" + key.replace(":", "_"))
        field.setTextFormat(Qt.TextFormat.PlainText)
        field.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # reachable with Tab, to copy
        field.setWordWrap(True)
        field.setAccessibleName(label)
        return field

    def details_text(self) -> str:
        """Every field as ``label: value`` lines, for a bug report."""
        lines = [f"{APP_NAME} {__version__} ({LICENSE})"]
        lines += [f"{field.accessibleName()}: {field.text()}" for field in self.fields.values()]
        return "\n".join(lines)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details_text())

    def open_log_folder(self) -> bool:
        """Open the log folder (created if needed) in the file manager."""
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
