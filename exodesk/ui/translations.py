"""Translations: exodesk's own (``exodesk_<language>.qm``) and Qt's (standard buttons and
dialogs), for the user's locale.

Every user-visible string goes through ``tr()`` (or ``QCoreApplication.translate``), so a
translation needs no code change: ``packaging/translations.sh`` extracts the strings into
``resources/translations/exodesk_<language>.ts`` with ``pyside6-lupdate``; a translator fills
them in (Qt Linguist); the same script compiles them to ``.qm`` files, which ship in the
package and are picked here by the system's language preferences.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

#: The catalogue name: files are ``exodesk_de.qm``, ``exodesk_pt_BR.qm``, ...
CATALOGUE = "exodesk"


def translations_dir() -> Path:
    """Where the compiled translations ship (inside the installed package)."""
    return Path(str(resources.files("exodesk.resources").joinpath("translations")))


def install_translations(
    app: QCoreApplication, locale: QLocale | None = None, folder: Path | None = None
) -> list[QTranslator]:
    """Load the best translations for ``locale`` (the system's by default) into ``app``.

    Returns the translators installed (keep them alive; ``remove_translations`` undoes). A
    language without a catalogue simply stays English."""
    locale = locale or QLocale.system()
    folder = folder or translations_dir()
    installed = []
    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name, where in (("qtbase", qt_folder), (CATALOGUE, str(folder))):
        translator = QTranslator(app)
        if translator.load(locale, name, "_", where) and app.installTranslator(translator):
            installed.append(translator)
    return installed


def remove_translations(app: QCoreApplication, translators: list[QTranslator]) -> None:
    for translator in translators:
        app.removeTranslator(translator)
