"""The Import and Export dialogs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.exporter import BIBLIOGRAPHY_OUTPUTS, ExportScope
from exodesk.storage.library import Library

IMPORT_FILTER = (
    "Reference files (*.ris *.nbib *.medline *.bib *.bibtex *.json *.xml *.txt);;All files (*)"
)
BIBLIOGRAPHY_LABELS = {
    "text": "Bibliography, plain text (.txt)",
    "markdown": "Bibliography, Markdown (.md)",
    "html": "Bibliography, HTML (.html)",
}
BIBLIOGRAPHY_SUFFIX = {"text": ".txt", "markdown": ".md", "html": ".html"}
#: The style box's last entry, which asks for a user's .csl file.
OTHER_STYLE = "\x00other"


class ImportDialog(QDialog):
    """Which files, and whether the works they hold cite the tracked review."""

    def __init__(self, paths: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle(self.tr("Import References"))
        self.file_list = QListWidget(objectName="importFiles")
        self.file_list.setAccessibleName(self.tr("Files to import"))
        add = QPushButton(self.tr("Add Files…"), objectName="importAddFiles")
        add.clicked.connect(self._choose_files)
        self.cites = QCheckBox(
            self.tr("These works cite the tracked review"), objectName="importCitesReview"
        )
        self.cites.setToolTip(
            self.tr("Otherwise they join the library as references, without a citation link.")
        )
        hint = QLabel(
            self.tr(
                "RIS, PubMed MEDLINE (.nbib), BibTeX, BibLaTeX, CSL-JSON and EndNote XML are "
                "recognised by their content. Works already in the library are merged, "
                "never duplicated; your edits, tags and notes are kept."
            )
        )
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Import"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.file_list)
        layout.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.cites)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self.set_paths(paths)

    def set_paths(self, paths: list[Path]) -> None:
        self.file_list.clear()
        for path in paths:
            self.file_list.addItem(str(path))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(paths))

    def paths(self) -> list[Path]:
        return [Path(self.file_list.item(row).text()) for row in range(self.file_list.count())]

    def cites_review(self) -> bool:
        return self.cites.isChecked()

    def _choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self, self.tr("Import References"), "", self.tr(IMPORT_FILTER)
        )
        if names:
            self.set_paths(self.paths() + [Path(name) for name in names])


@dataclass(frozen=True, slots=True)
class ExportChoice:
    scope_kind: str  # selection, tag, search, all
    tag_id: int | None
    search: str
    format_name: str
    style: str
    path: Path

    def scope(self, selected_ids: list[int]) -> ExportScope:
        if self.scope_kind == "selection":
            return ExportScope(work_ids=tuple(selected_ids))
        if self.scope_kind == "tag":
            return ExportScope(tag_id=self.tag_id)
        if self.scope_kind == "search":
            return ExportScope(query=self.search)
        return ExportScope()


class ExportDialog(QDialog):
    """What to export, in which format and style; asks for the file on OK."""

    chosen = Signal(object)  # ExportChoice

    def __init__(
        self,
        library: Library,
        *,
        has_selection: bool,
        search: str,
        style: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle(self.tr("Export References"))
        self._search = search
        self.scope_buttons = {
            "selection": QRadioButton(self.tr("Selected works"), objectName="scopeSelection"),
            "tag": QRadioButton(self.tr("Works with the tag"), objectName="scopeTag"),
            "search": QRadioButton(
                self.tr("Works matching the search “{}”").format(search), objectName="scopeSearch"
            ),
            "all": QRadioButton(self.tr("Every work in the library"), objectName="scopeAll"),
        }
        self.scope_buttons["selection"].setEnabled(has_selection)
        self.scope_buttons["search"].setEnabled(bool(search.strip()))
        self.tag_box = QComboBox(objectName="exportTag")
        for tag in library.list_tags():
            self.tag_box.addItem(f"{tag.name} ({tag.count})", tag.id)
        self.scope_buttons["tag"].setEnabled(self.tag_box.count() > 0)
        (
            self.scope_buttons["selection"] if has_selection else self.scope_buttons["all"]
        ).setChecked(True)
        self.format_box = QComboBox(objectName="exportFormat")
        self.format_box.setAccessibleName(self.tr("Format"))
        self._fill_formats()
        self.style_box = QComboBox(objectName="exportStyle")
        self.style_box.setAccessibleName(self.tr("Citation style"))
        self._fill_styles(style)
        self.format_box.currentIndexChanged.connect(self._format_changed)
        self._format_changed()

        tag_row = QHBoxLayout()
        tag_row.addWidget(self.scope_buttons["tag"])
        tag_row.addWidget(self.tag_box, 1)
        form = QFormLayout()
        form.addRow(self.tr("Format:"), self.format_box)
        form.addRow(self.tr("Style:"), self.style_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Export…"))
        buttons.accepted.connect(self._ask_path)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scope_buttons["selection"])
        layout.addLayout(tag_row)
        layout.addWidget(self.scope_buttons["search"])
        layout.addWidget(self.scope_buttons["all"])
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _fill_formats(self) -> None:
        from exodesk.formats.registry import writable_formats

        for fmt in writable_formats():
            self.format_box.addItem(f"{fmt.label} ({fmt.extensions[0]})", fmt.name)
        for name in BIBLIOGRAPHY_OUTPUTS:
            self.format_box.addItem(self.tr(BIBLIOGRAPHY_LABELS[name]), name)

    def _fill_styles(self, current: str) -> None:
        from exodesk.formats.bibliography import STYLES

        for style_id, info in STYLES.items():
            label = info[0] if isinstance(info, tuple) else str(info)
            self.style_box.addItem(label, style_id)
        index = self.style_box.findData(current)
        if index < 0 and current:
            self.style_box.addItem(Path(current).name, current)
            index = self.style_box.count() - 1
        self.style_box.addItem(self.tr("Other style file (.csl)…"), OTHER_STYLE)
        self.style_box.setCurrentIndex(max(index, 0))
        self._last_style = max(index, 0)
        self.style_box.activated.connect(self._style_activated)

    def _style_activated(self, index: int) -> None:
        if self.style_box.itemData(index) != OTHER_STYLE:
            self._last_style = index
            return
        name, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Citation Style"), "", self.tr("CSL styles (*.csl);;All files (*)")
        )
        if name:
            self.add_style_file(Path(name))
        else:
            self.style_box.setCurrentIndex(self._last_style)

    def add_style_file(self, path: Path) -> None:
        """Offer a user's own .csl file (checked when the export runs)."""
        self.style_box.insertItem(self.style_box.count() - 1, path.name, str(path))
        self._last_style = self.style_box.count() - 2
        self.style_box.setCurrentIndex(self._last_style)

    def _format_changed(self) -> None:
        self.style_box.setEnabled(self.format_name() in BIBLIOGRAPHY_OUTPUTS)

    def format_name(self) -> str:
        return str(self.format_box.currentData())

    def scope_kind(self) -> str:
        return next(kind for kind, button in self.scope_buttons.items() if button.isChecked())

    def suffix(self) -> str:
        name = self.format_name()
        if name in BIBLIOGRAPHY_SUFFIX:
            return BIBLIOGRAPHY_SUFFIX[name]
        from exodesk.formats.registry import get_format

        return get_format(name).extensions[0]

    def choice_for(self, path: Path) -> ExportChoice:
        return ExportChoice(
            scope_kind=self.scope_kind(),
            tag_id=self.tag_box.currentData(),
            search=self._search,
            format_name=self.format_name(),
            style=str(self.style_box.currentData() or "apa"),
            path=path,
        )

    def _ask_path(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export References"), f"references{self.suffix()}"
        )
        if not name:
            return
        self.chosen.emit(self.choice_for(Path(name)))
        self.accept()
