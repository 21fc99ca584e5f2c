"""``exodesk install-desktop``: into a temporary ``XDG_DATA_HOME``, and out again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exodesk import APP_ID, desktop_install
from exodesk.cli import main
from exodesk.desktop_install import (
    ToolRun,
    desktop_entry,
    install,
    installed_paths,
    launcher_command,
    refresh_caches,
    uninstall,
)
from exodesk.icons import ICON_SIZES

ROOT = Path(__file__).resolve().parents[2]
CACHE_TOOLS = ("update-desktop-database", "update-mime-database", "gtk-update-icon-cache")


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.fixture
def venv_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A virtual environment in a folder with a space, holding an ``exodesk-gui`` script."""
    folder = tmp_path / "my env" / "bin"
    folder.mkdir(parents=True)
    (folder / "exodesk-gui").write_text("#!/bin/sh\n", encoding="utf-8")
    (folder / "exodesk-gui").chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(folder / "python"))
    return folder


@pytest.fixture
def no_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine without desktop-file-utils, shared-mime-info or GTK."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def _fake_tools(folder: Path, script: str) -> None:
    """Put the three cache tools, each running ``script`` (sh), first on ``PATH``."""
    folder.mkdir()
    for tool in CACHE_TOOLS:
        (folder / tool).write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
        (folder / tool).chmod(0o755)


def _files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()}


def _desktop_values(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def _mime_type_of(data_home: Path, name: str) -> str:
    """What Qt's MIME database (the shared-mime-info algorithm) calls ``name``, in a fresh
    process that sees ``data_home`` as the user's data folder."""
    code = (
        "import sys\n"
        "from PySide6.QtCore import QMimeDatabase\n"
        "database = QMimeDatabase()\n"
        "mode = QMimeDatabase.MatchMode.MatchExtension\n"
        "print(database.mimeTypeForFile(sys.argv[1], mode).name())\n"
    )
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    result = subprocess.run(
        [sys.executable, "-c", code, name], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout.strip()


# -- installing ------------------------------------------------------------------------------------
def test_install_puts_launcher_icons_metainfo_and_mime_types_in_place(
    data_home: Path, venv_bin: Path, no_tools: None
) -> None:
    files = install(data_home)

    assert files == installed_paths(data_home)
    assert _files_under(data_home) == set(files)
    assert (data_home / "applications" / f"{APP_ID}.desktop") in files
    assert (data_home / "metainfo" / f"{APP_ID}.metainfo.xml") in files
    assert (data_home / "mime" / "packages" / f"{APP_ID}.xml") in files
    icons = data_home / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / f"{APP_ID}.svg") in files
    shipped = ROOT / "resources"
    for size in ICON_SIZES:
        png = icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert png.read_bytes() == (shipped / "icons" / f"{APP_ID}-{size}.png").read_bytes()
    for installed, source in (
        (data_home / "metainfo" / f"{APP_ID}.metainfo.xml", f"{APP_ID}.metainfo.xml"),
        (data_home / "mime" / "packages" / f"{APP_ID}.xml", f"{APP_ID}.mime.xml"),
    ):
        assert installed.read_bytes() == (shipped / "desktop" / source).read_bytes()


def test_launcher_runs_the_absolute_gui_script_of_this_installation(
    data_home: Path, venv_bin: Path, no_tools: None
) -> None:
    install(data_home)
    values = _desktop_values(data_home / "applications" / f"{APP_ID}.desktop")
    script = venv_bin / "exodesk-gui"
    # The folder has a space: the Exec argument is quoted, TryExec is a plain string.
    assert values["Exec"] == f'"{script}" %F'
    assert values["TryExec"] == str(script)
    assert values["Icon"] == APP_ID


def test_installed_launcher_passes_desktop_file_validate(data_home: Path, venv_bin: Path) -> None:
    program = shutil.which("desktop-file-validate")
    if program is None:
        pytest.skip("desktop-file-validate is not installed")
    install(data_home)
    launcher = data_home / "applications" / f"{APP_ID}.desktop"
    result = subprocess.run([program, str(launcher)], capture_output=True, text=True)
    problems = [line for line in result.stdout.splitlines() if ": hint: " not in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def test_launcher_command_without_a_script_next_to_python_is_left_to_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert launcher_command() == "exodesk-gui"
    assert "Exec=exodesk-gui %F\n" in desktop_entry(launcher_command())


def test_launcher_command_of_a_bundle_is_the_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "exodesk" / "exodesk"))
    assert launcher_command() == str(tmp_path / "exodesk" / "exodesk")


@pytest.mark.parametrize(
    ("command", "exec_value"),
    [
        ("/opt/exodesk/bin/exodesk-gui", "/opt/exodesk/bin/exodesk-gui %F"),
        ("/home/a b/exodesk-gui", '"/home/a b/exodesk-gui" %F'),
        ("/home/100%/exodesk-gui", "/home/100%%/exodesk-gui %F"),
        ('/x/"$HOME"/exodesk-gui', '"/x/\\\\"\\\\$HOME\\\\"/exodesk-gui" %F'),
        ("/x\\y/exodesk-gui", '"/x\\\\\\\\y/exodesk-gui" %F'),
    ],
)
def test_exec_quoting_follows_the_desktop_entry_spec(command: str, exec_value: str) -> None:
    # The expected values are as written in the file: Exec quoting, then string escaping.
    assert f"\nExec={exec_value}\n" in desktop_entry(command)


def test_install_twice_gives_the_same_files(
    data_home: Path, venv_bin: Path, no_tools: None
) -> None:
    first = install(data_home)
    contents = {path: path.read_bytes() for path in first}
    second = install(data_home)
    assert second == first
    assert {path: path.read_bytes() for path in second} == contents
    assert _files_under(data_home) == set(first)


def test_install_uses_xdg_data_home_by_default(data_home: Path, no_tools: None) -> None:
    assert install() == installed_paths(data_home)
    assert all(path.is_relative_to(data_home) for path in install())


def test_relative_xdg_data_home_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert desktop_install.default_data_home() == tmp_path / ".local" / "share"


# -- uninstalling ----------------------------------------------------------------------------------
def test_uninstall_removes_exactly_the_installed_files(
    data_home: Path, venv_bin: Path, no_tools: None
) -> None:
    other = data_home / "applications" / "other.desktop"
    other.parent.mkdir(parents=True)
    other.write_text("[Desktop Entry]\n", encoding="utf-8")
    files = install(data_home)

    assert sorted(uninstall(data_home)) == sorted(files)
    assert _files_under(data_home) == {other}
    assert uninstall(data_home) == []


# -- caches ----------------------------------------------------------------------------------------
def test_missing_cache_tools_are_skipped(data_home: Path, no_tools: None) -> None:
    install(data_home)
    assert refresh_caches(data_home) == []


def test_a_failing_cache_tool_is_reported_not_raised(
    data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_tools(tmp_path / "tools", "echo 'database is broken' >&2; exit 3")
    monkeypatch.setenv("PATH", str(tmp_path / "tools"))
    install(data_home, refresh=False)
    assert refresh_caches(data_home) == [
        ToolRun("update-desktop-database", "database is broken"),
        ToolRun("update-mime-database", "database is broken"),
    ]


def test_the_icon_cache_is_refreshed_only_where_one_exists(
    data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "ran.log"
    _fake_tools(tmp_path / "tools", f'echo "${{0##*/}}" >> "{log}"')
    monkeypatch.setenv("PATH", str(tmp_path / "tools"))
    install(data_home)
    assert log.read_text(encoding="utf-8").split() == list(CACHE_TOOLS[:2])
    (data_home / "icons" / "hicolor" / "icon-theme.cache").write_bytes(b"")
    log.unlink()
    install(data_home)
    assert log.read_text(encoding="utf-8").split() == list(CACHE_TOOLS)


def test_after_install_the_desktop_maps_file_types_to_exodesk(data_home: Path) -> None:
    for tool in ("update-mime-database", "update-desktop-database"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    install(data_home)

    assert _mime_type_of(data_home, "pubmed-export.nbib") == "application/x-nbib"
    assert _mime_type_of(data_home, "scopus.ris") == "application/x-research-info-systems"
    assert _mime_type_of(data_home, "refs.bib") == "text/x-bibtex"
    cache = (data_home / "applications" / "mimeinfo.cache").read_text(encoding="utf-8")
    for mime_type in ("application/x-nbib", "application/x-research-info-systems"):
        assert f"{mime_type}={APP_ID}.desktop;" in cache

    uninstall(data_home)
    assert _mime_type_of(data_home, "pubmed-export.nbib") != "application/x-nbib"
    cache = (data_home / "applications" / "mimeinfo.cache").read_text(encoding="utf-8")
    assert APP_ID not in cache


# -- command line ----------------------------------------------------------------------------------
def test_cli_install_desktop_lists_the_files_as_json(
    data_home: Path, venv_bin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["install-desktop", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["action"] == "install"
    assert report["data_home"] == str(data_home)
    assert report["files"] == [str(path) for path in installed_paths(data_home)]
    assert report["exec"] == str(venv_bin / "exodesk-gui")
    assert all(run["ok"] for run in report["caches"]), report["caches"]
    # The command needs no library, and must not create one.
    assert not (data_home / "exodesk").exists()

    assert main(["install-desktop", "--uninstall", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["action"] == "uninstall"
    assert report["files"] == [str(path) for path in installed_paths(data_home)]
    assert not any(path.exists() for path in installed_paths(data_home))


def test_cli_install_desktop_says_where_in_text(
    data_home: Path, venv_bin: Path, no_tools: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["install-desktop"]) == 0
    out = capsys.readouterr().out
    assert f"in {data_home}:" in out
    assert str(venv_bin / "exodesk-gui") in out
    assert main(["install-desktop", "--uninstall"]) == 0
    assert f"Removed {len(installed_paths(data_home))} files" in capsys.readouterr().out


def test_cli_install_desktop_reports_an_unwritable_folder(
    data_home: Path, no_tools: None, capsys: pytest.CaptureFixture[str]
) -> None:
    data_home.mkdir(parents=True)
    (data_home / "applications").write_text("not a folder", encoding="utf-8")
    assert main(["install-desktop"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("exodesk: error: cannot write") and err.count("\n") == 1
