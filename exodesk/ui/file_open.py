"""Files macOS asks the app to open (Finder double-click, Dock drop) arrive as a Qt event."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent


class FileOpenForwarder(QObject):
    """Installed on the application: hands each ``QFileOpenEvent``'s file to ``open_files``."""

    def __init__(self, open_files: Callable[[list[Path]], object], parent: QObject) -> None:
        super().__init__(parent)
        self._open_files = open_files

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            name = event.file()
            if name:
                self._open_files([Path(name)])
                return True
        return super().eventFilter(watched, event)
