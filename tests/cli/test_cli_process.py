"""The command line as a separate process: the console entry point works end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _environment(**extra: str) -> dict[str, str]:
    # conftest has already pointed the XDG folders at temporary ones; keep those.
    env = {key: value for key, value in os.environ.items() if key != "EXODESK_LIBRARY"}
    env.update(extra)
    return env


def _exodesk(*args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "exodesk", *args],
        capture_output=True,
        env=_environment(**env),
        timeout=120,
        check=False,
    )


def test_list_json_in_a_new_process(library_path: Path) -> None:
    done = _exodesk("--library", str(library_path), "list", "--json")

    assert done.returncode == 0, done.stderr.decode()
    works = json.loads(done.stdout.decode("utf-8"))
    assert len(works) == 5
    assert sum(work["needs_metadata"] for work in works) == 2


def test_json_is_utf8_whatever_the_locale(library_path: Path) -> None:
    done = _exodesk("--library", str(library_path), "review", "--json", PYTHONIOENCODING="ascii")

    assert done.returncode == 0, done.stderr.decode()
    review = json.loads(done.stdout.decode("utf-8"))
    assert review["authors"][0] == {"family": "Stefańska", "given": "Katarzyna"}


def test_errors_in_a_new_process(tmp_path: Path) -> None:
    not_a_library = tmp_path / "photo.png"
    not_a_library.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))

    done = _exodesk("--library", str(not_a_library), "list")
    assert done.returncode == 1
    assert done.stderr.decode().count("\n") == 1
    assert done.stdout == b""

    done = _exodesk("--library", str(tmp_path / "x.sqlite"), "no-such-command")
    assert done.returncode == 2
    assert done.stderr.decode().startswith("exodesk: error: ")


@pytest.mark.parametrize("command", [["list"], ["review"], ["tags"], ["show", "39886670"]])
def test_commands_other_than_open_do_not_load_qt(library_path: Path, command: list[str]) -> None:
    script = (
        "import sys\n"
        "from exodesk.cli import main\n"
        f"code = main(['--library', {str(library_path)!r}, *{command!r}])\n"
        "loaded = sorted(name for name in sys.modules if name.startswith('PySide6'))\n"
        "print('QT-MODULES', loaded, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        env=_environment(),
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr.decode()
    assert "QT-MODULES []" in done.stderr.decode()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland check")
def test_open_without_a_display_is_one_error_line(library_path: Path) -> None:
    env = _environment()
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "exodesk", "--library", str(library_path), "open", "36766698"],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr.decode() == (
        "exodesk: error: no graphical session to open a browser in; use --print instead\n"
    )
