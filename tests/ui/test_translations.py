"""Every visible string goes through tr(): lupdate finds them, and a compiled catalogue for
the user's language changes what the window shows."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from defusedxml import ElementTree
from PySide6.QtCore import QCoreApplication, QLocale

from exodesk.storage.library import Library
from exodesk.ui.events import LibraryEvents
from exodesk.ui.main_window import MainWindow
from exodesk.ui.translations import install_translations, remove_translations

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = TOOLS / name if (TOOLS / name).exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: it comes with PySide6-Essentials")
    return str(found)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """exodesk's strings extracted the way packaging/translations.sh does it."""
    folder = tmp_path_factory.mktemp("ts")
    target = folder / "exodesk_de.ts"
    sources = sorted(
        str(p) for p in (ROOT / "exodesk").rglob("*.py") if "migrations" not in p.parts
    )
    subprocess.run([_tool("pyside6-lupdate"), *sources, "-ts", str(target)],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    return target


def _messages(catalogue: Path) -> dict[tuple[str, str], object]:
    tree = ElementTree.parse(catalogue)
    return {
        (context.findtext("name"), message.findtext("source")): message
        for context in tree.getroot().iter("context")
        for message in context.iter("message")
    }


def test_the_strings_of_menus_views_and_dialogs_are_extracted(catalogue: Path) -> None:
    found = {source for _context, source in _messages(catalogue)}
    for text in (
        "Citing articles",  # sidebar
        "Review summary",
        "Title",  # table header
        "Add tag…",  # tag chips
        "Write a note in Markdown…",  # notes editor
        "Search titles, authors, journals, abstracts, keywords, tags, notes  (Ctrl+F)",
    ):
        assert text in found, text
    assert len(found) > 150  # the whole interface, not a handful


def test_a_compiled_catalogue_translates_the_window(
    qtbot, catalogue: Path, library: Library, tmp_path: Path
) -> None:
    translated = tmp_path / "exodesk_de.ts"
    shutil.copy(catalogue, translated)
    tree = ElementTree.parse(translated)
    for message in tree.getroot().iter("message"):
        if message.findtext("source") == "Citing articles":
            element = message.find("translation")
            element.text = "Zitierende Artikel"
            element.attrib.pop("type", None)
    tree.write(translated, encoding="utf-8")
    subprocess.run([_tool("pyside6-lrelease"), str(translated), "-qm",
                    str(tmp_path / "exodesk_de.qm")], check=True, capture_output=True)  # fmt: skip

    app = QCoreApplication.instance()
    assert app is not None
    translators = install_translations(app, QLocale("de_DE"), tmp_path)
    try:
        assert any(t.language().startswith("de") for t in translators)
        window = MainWindow(library, LibraryEvents(), restore=False)
        qtbot.addWidget(window)
        labels = [window.sidebar_model.entry(row).label for row in range(3)]  # type: ignore[union-attr]
        assert "Zitierende Artikel" in labels
        assert "Review summary" in labels  # not translated in this catalogue: stays English
    finally:
        remove_translations(app, translators)


def test_a_language_without_a_catalogue_stays_english(qapp, tmp_path: Path) -> None:
    translators = install_translations(qapp, QLocale("fi_FI"), tmp_path)
    try:
        assert not any(Path(t.filePath()).name.startswith("exodesk") for t in translators)
        assert QCoreApplication.translate("SidebarModel", "Citing articles") == "Citing articles"
    finally:
        remove_translations(qapp, translators)
