"""The Sync Log dialog and the Add by Identifier dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from exodesk.storage.library import Library

LOG_COLUMNS = ("Started", "Finished", "Status", "Added", "Updated", "Errors", "Requests")


class SyncLogDialog(QDialog):
    """Every sync run: when, how it ended, what it added and updated, what failed."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncLogDialog")
        self.setWindowTitle(self.tr("Sync Log"))
        self.resize(820, 380)
        self.table = QTableWidget(0, len(LOG_COLUMNS), objectName="syncLogTable")
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in LOG_COLUMNS])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.errors = QPlainTextEdit(objectName="syncLogErrors", readOnly=True)
        self.errors.setPlaceholderText(self.tr("Errors of the selected run"))
        self.errors.setMaximumHeight(110)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.errors)
        layout.addWidget(buttons)
        self._runs = library.sync_runs()
        self._fill()
        self.table.currentCellChanged.connect(lambda row, *_: self._show_errors(row))

    def _fill(self) -> None:
        self.table.setRowCount(len(self._runs))
        for row, run in enumerate(self._runs):
            requests = run.get("requests", {})
            values = (
                run.get("started") or "",
                run.get("finished") or "",
                run.get("status", ""),
                str(len(run.get("added", []))),
                str(len(run.get("updated", []))),
                str(len(run.get("errors", []))),
                ", ".join(f"{host}: {count}" for host, count in sorted(requests.items())),
            )
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        if self._runs:
            self.table.setCurrentCell(0, 0)
            self._show_errors(0)

    def _show_errors(self, row: int) -> None:
        if 0 <= row < len(self._runs):
            self.errors.setPlainText("\n".join(self._runs[row].get("errors", [])))


class AddByIdentifierDialog(QDialog):
    """DOIs or PMIDs, one per line, fetched and added to the library."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addByIdentifierDialog")
        self.setWindowTitle(self.tr("Add by Identifier"))
        label = QLabel(self.tr("DOIs or PMIDs, one per line:"))
        self.items = QPlainTextEdit(objectName="identifierList")
        self.items.setAccessibleName(self.tr("Identifiers"))
        self.items.setPlaceholderText("10.3390/cells12030356\n36766698")
        self.cites = QCheckBox(self.tr("These works cite the tracked review"),
                               objectName="addCitesReview")  # fmt: skip
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Add"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.items)
        layout.addWidget(self.cites)
        layout.addWidget(buttons)

    def identifiers(self) -> list[str]:
        return [line.strip() for line in self.items.toPlainText().splitlines() if line.strip()]
