"""The shipped desktop integration files: valid, and naming one application id everywhere.

The validators are the freedesktop.org programs (Debian's ``desktop-file-utils`` and
``appstream``); a test that needs one is skipped only where it is not installed.
"""

from __future__ import annotations

import configparser
import importlib.util
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from exodesk import APP_ID, __version__
from exodesk.icons import ICON_SIZES, app_icon, png_name, svg_name

ROOT = Path(__file__).resolve().parents[2]
DESKTOP_DIR = ROOT / "resources" / "desktop"
ICON_DIR = ROOT / "resources" / "icons"
BUNDLE_DIR = ROOT / "packaging" / "pyinstaller"
DESKTOP = DESKTOP_DIR / f"{APP_ID}.desktop"
METAINFO = DESKTOP_DIR / f"{APP_ID}.metainfo.xml"
MIME = DESKTOP_DIR / f"{APP_ID}.mime.xml"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
#: MIME types the desktop already knows (shared-mime-info), so exodesk does not declare them.
STANDARD_TYPES = {"text/x-bibtex"}


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.RawConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def _list(value: str) -> list[str]:
    return [item for item in value.split(";") if item]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _render_icons_module() -> ModuleType:
    path = ROOT / "packaging" / "render_icons.py"
    spec = importlib.util.spec_from_file_location("render_icons", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- validators ------------------------------------------------------------------------------------
def test_desktop_file_passes_desktop_file_validate() -> None:
    result = subprocess.run(
        [_program("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True
    )
    # Hints are advice (two main categories, Office and Science, are on purpose).
    problems = [line for line in result.stdout.splitlines() if ": hint: " not in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def test_metainfo_passes_appstreamcli_validate() -> None:
    result = subprocess.run(
        [_program("appstreamcli"), "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation was successful" in result.stdout


def test_mime_package_is_understood_by_update_mime_database(tmp_path: Path) -> None:
    packages = tmp_path / "mime" / "packages"
    packages.mkdir(parents=True)
    shutil.copy(MIME, packages / f"{APP_ID}.xml")
    result = subprocess.run(
        [_program("update-mime-database"), str(tmp_path / "mime")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    globs = (tmp_path / "mime" / "globs2").read_text(encoding="utf-8")
    assert "application/x-nbib:*.nbib" in globs
    assert "application/x-research-info-systems:*.ris" in globs


# -- one application id ----------------------------------------------------------------------------
def test_desktop_entry_names_the_app_id_icon_and_a_launcher_that_takes_files() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Icon"] == APP_ID
    assert entry["Exec"] == "exodesk-gui %F"
    assert entry["TryExec"] == "exodesk-gui"
    assert _list(entry["Categories"]) == ["Office", "Science"]
    for key in ("Name", "GenericName", "Comment", "Keywords", "StartupWMClass"):
        assert entry[key].strip(), key
    # Qt on X11 uses the application name as WM_CLASS (exodesk.app sets it to APP_NAME).
    assert entry["StartupWMClass"] == "exodesk"


def test_gui_script_named_in_the_launcher_is_an_entry_point() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'exodesk-gui = "exodesk.__main__:gui_main"' in text


def test_metainfo_uses_the_app_id_and_the_package_version() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.find("launchable").get("type") == "desktop-id"  # type: ignore[union-attr]
    assert root.findtext("metadata_license") == "CC0-1.0"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'license = {{ text = "{root.findtext("project_license")}" }}' in pyproject
    assert root.find("description/p") is not None
    releases = root.findall("releases/release")
    assert releases and releases[0].get("version") == __version__
    assert releases[0].get("date")
    assert root.find("content_rating") is not None


def test_metainfo_screenshot_is_the_readme_screenshot_at_its_real_size() -> None:
    image = ET.parse(METAINFO).getroot().find("screenshots/screenshot/image")
    assert image is not None and image.text is not None
    assert image.text.endswith("/docs/screenshot.png")
    width, height = _png_size((ROOT / "docs" / "screenshot.png").read_bytes())
    assert (image.get("width"), image.get("height")) == (str(width), str(height))


def test_file_types_agree_between_launcher_metainfo_and_mime_package() -> None:
    launcher = set(_list(_desktop_entry()["MimeType"]))
    provided = {
        element.text for element in ET.parse(METAINFO).getroot().findall("provides/mediatype")
    }
    declared = {
        element.get("type") for element in ET.parse(MIME).getroot().findall(f"{MIME_NS}mime-type")
    }
    assert launcher == provided
    # Every type the launcher claims is either standard or declared by exodesk.
    assert launcher == declared | STANDARD_TYPES
    globs = {element.get("pattern") for element in ET.parse(MIME).getroot().iter(f"{MIME_NS}glob")}
    assert globs == {"*.ris", "*.nbib"}


# -- icons -----------------------------------------------------------------------------------------
def test_every_icon_size_is_a_square_png_of_that_size() -> None:
    assert (ICON_DIR / svg_name()).is_file()
    for size in ICON_SIZES:
        assert _png_size((ICON_DIR / png_name(size)).read_bytes()) == (size, size)


def test_pngs_are_rendered_from_the_current_svg(qapp: object) -> None:
    """Editing the SVG without running packaging/render_icons.py fails here."""
    from PySide6.QtGui import QImage
    from PySide6.QtSvg import QSvgRenderer

    render_icons = _render_icons_module()
    renderer = QSvgRenderer(str(ICON_DIR / svg_name()))
    assert renderer.isValid()
    for size in (32, 64, 128):
        fresh = QImage.fromData(render_icons.render(renderer, size))
        shipped = QImage(str(ICON_DIR / png_name(size)))
        # Count clearly different pixels only, so that a newer Qt's anti-aliasing of edges
        # passes while a changed shape or colour (even one small dot) fails.
        changed = 0
        for y in range(size):
            for x in range(size):
                a, b = fresh.pixelColor(x, y), shipped.pixelColor(x, y)
                channels = zip(a.getRgb(), b.getRgb(), strict=True)
                changed += max(abs(p - q) for p, q in channels) > 40
        assert changed <= size * size // 1000, f"{png_name(size)} differs from the SVG"


def test_bundle_icons_hold_every_size(qapp: object) -> None:
    from PySide6.QtGui import QImageReader

    expected = {
        "exodesk.ico": [16, 24, 32, 48, 64, 128, 256],
        "exodesk.icns": [16, 32, 32, 64, 64, 128, 256, 256, 512, 512, 1024],
    }
    for name, sizes in expected.items():
        reader = QImageReader(str(BUNDLE_DIR / name))
        assert reader.canRead(), name
        found = []
        for index in range(reader.imageCount()):
            assert reader.jumpToImage(index)
            image = reader.read()
            assert not image.isNull() and image.width() == image.height()
            found.append(image.width())
        assert sorted(found) == sizes, name


def test_app_icon_has_every_size(qapp: object) -> None:
    icon = app_icon()
    assert not icon.isNull()
    assert sorted(size.width() for size in icon.availableSizes()) == list(ICON_SIZES)
