"""``exodesk install-desktop``: the launcher, icons and file types for the current user.

On Linux and other freedesktop.org desktops an application appears in the menu when a
``.desktop`` file is in ``$XDG_DATA_HOME/applications`` and its icon in the user's hicolor
theme. This module copies, from the package data in ``exodesk.resources`` (so it works from
a wheel as well as from a checkout):

* ``applications/io.github.exodesk.Exodesk.desktop``, its ``Exec`` pointing at the absolute
  path of this installation's ``exodesk-gui`` (a virtual environment is not on ``PATH``);
* ``icons/hicolor/<N>x<N>/apps/io.github.exodesk.Exodesk.png`` for every size and
  ``icons/hicolor/scalable/apps/io.github.exodesk.Exodesk.svg``;
* ``metainfo/io.github.exodesk.Exodesk.metainfo.xml`` (AppStream);
* ``mime/packages/io.github.exodesk.Exodesk.xml``, which teaches the MIME database the RIS
  and MEDLINE file types, so that opening such a file offers exodesk.

Then it refreshes the desktop and MIME caches with the freedesktop tools that exist; none of
them is required, and a failing one is reported, never fatal. ``uninstall`` removes the same
files and refreshes again. Both are idempotent.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from exodesk import APP_ID
from exodesk.icons import ICON_SIZES, png_name, svg_name

if TYPE_CHECKING:
    from exodesk.cli import _Commands, _Parser
    from exodesk.storage.library import Library

DESKTOP_NAME = f"{APP_ID}.desktop"
METAINFO_NAME = f"{APP_ID}.metainfo.xml"
MIME_SOURCE_NAME = f"{APP_ID}.mime.xml"
#: update-mime-database reads every ``*.xml`` in ``mime/packages``; one file per application.
MIME_TARGET_NAME = f"{APP_ID}.xml"
GUI_SCRIPT = "exodesk-gui"
#: A cache tool that hangs (a broken NFS home) must not hang the command.
TOOL_TIMEOUT_S = 60

#: Characters that force quoting of an Exec argument (Desktop Entry spec, "The Exec key").
_EXEC_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


@dataclass(frozen=True, slots=True)
class ToolRun:
    """One cache tool that was run: its name, and the error when it failed."""

    tool: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


# -- where -----------------------------------------------------------------------------------------
def default_data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` when it is unset or not absolute (XDG spec)."""
    value = os.environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / ".local" / "share"


def _targets(data_home: Path) -> Iterator[tuple[Path, str]]:
    """Every installed file: (where it goes, which package resource it comes from)."""
    yield data_home / "applications" / DESKTOP_NAME, f"desktop/{DESKTOP_NAME}"
    for size in ICON_SIZES:
        folder = data_home / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        yield folder / f"{APP_ID}.png", f"icons/{png_name(size)}"
    scalable = data_home / "icons" / "hicolor" / "scalable" / "apps"
    yield scalable / f"{APP_ID}.svg", f"icons/{svg_name()}"
    yield data_home / "metainfo" / METAINFO_NAME, f"desktop/{METAINFO_NAME}"
    yield data_home / "mime" / "packages" / MIME_TARGET_NAME, f"desktop/{MIME_SOURCE_NAME}"


def installed_paths(data_home: Path | None = None) -> list[Path]:
    """The files ``install`` writes under ``data_home``, whether they exist or not."""
    return [target for target, _ in _targets(data_home or default_data_home())]


# -- what ------------------------------------------------------------------------------------------
def _resource_bytes(name: str) -> bytes:
    """A file of the ``exodesk.resources`` package data (``resources/`` in a checkout)."""
    return resources.files("exodesk.resources").joinpath(*name.split("/")).read_bytes()


def launcher_command() -> str:
    """What the launcher runs: this installation's GUI entry point, absolute when known.

    A venv, pipx or system install puts ``exodesk-gui`` next to the interpreter (``.venv/bin``,
    a place the desktop's ``PATH`` does not include); a PyInstaller bundle is its own program.
    Otherwise (``pip install --user`` puts scripts in ``~/.local/bin``) the bare name is left
    for ``PATH`` to find. ``sys.executable`` is not resolved: in a venv it is a symlink to
    the system Python, whose folder has no ``exodesk-gui``.
    """
    if getattr(sys, "frozen", False):
        return os.path.abspath(sys.executable)
    if sys.executable:
        script = Path(os.path.abspath(sys.executable)).parent / GUI_SCRIPT
        if script.is_file() and "\n" not in str(script):
            return str(script)
    return GUI_SCRIPT


def _exec_argument(argument: str) -> str:
    """One Exec argument: '%' doubled, quoted when needed, then escaped as a string value.

    The spec escapes twice: inside double quotes ``"`` `` ` `` ``$`` ``\\`` take a backslash,
    and the whole value, like every string value, writes a backslash as ``\\\\``.
    """
    argument = argument.replace("%", "%%")
    if any(char in _EXEC_RESERVED for char in argument):
        quoted = "".join("\\" + char if char in '"`$\\' else char for char in argument)
        argument = f'"{quoted}"'
    return argument.replace("\\", "\\\\")


def desktop_entry(command: str) -> str:
    """The shipped ``.desktop`` file with its ``Exec`` and ``TryExec`` running ``command``."""
    template = _resource_bytes(f"desktop/{DESKTOP_NAME}").decode("utf-8")
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            # %F: the files a user opens with exodesk, which it offers to import.
            line = f"Exec={_exec_argument(command)} %F"
        elif line.startswith("TryExec="):
            # TryExec is a plain string: no Exec quoting, only the backslash escape.
            line = "TryExec=" + command.replace("\\", "\\\\")
        lines.append(line)
    return "\n".join(lines) + "\n"


# -- doing -----------------------------------------------------------------------------------------
def _write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file and a rename: desktops watch these folders and must never
    read a half-written launcher."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def install(data_home: Path | None = None, *, refresh: bool = True) -> list[Path]:
    """Install the launcher, icons, AppStream metainfo and MIME types; return the files.

    ``data_home`` defaults to ``$XDG_DATA_HOME`` (``~/.local/share``). With ``refresh``
    the desktop and MIME caches are brought up to date (see ``refresh_caches``).
    """
    home = data_home or default_data_home()
    entry = desktop_entry(launcher_command()).encode("utf-8")
    written = []
    for target, source in _targets(home):
        data = entry if target.name == DESKTOP_NAME else _resource_bytes(source)
        _write_atomically(target, data)
        written.append(target)
    if refresh:
        refresh_caches(home)
    return written


def uninstall(data_home: Path | None = None, *, refresh: bool = True) -> list[Path]:
    """Remove what ``install`` wrote; return the files that were there.

    Folders stay: they are the user's standard XDG folders, shared with other applications,
    and ``mime/packages`` must exist for update-mime-database to rebuild the database
    without exodesk's types.
    """
    home = data_home or default_data_home()
    removed = []
    for target in installed_paths(home):
        if target.is_file() or target.is_symlink():
            target.unlink()
            removed.append(target)
    if refresh:
        refresh_caches(home)
    return removed


def _cache_commands(home: Path) -> Iterator[tuple[str, list[str]]]:
    applications = home / "applications"
    if applications.is_dir():
        # mimeinfo.cache: which launchers open which MIME types.
        yield "update-desktop-database", ["-q", str(applications)]
    if (home / "mime" / "packages").is_dir():
        yield "update-mime-database", [str(home / "mime")]
    hicolor = home / "icons" / "hicolor"
    if (hicolor / "icon-theme.cache").is_file():
        # Only refresh a cache someone made: without one GTK reads the folders themselves,
        # and a cache that exodesk created would go stale with other applications' icons.
        yield "gtk-update-icon-cache", ["-q", "-f", "-t", str(hicolor)]


def refresh_caches(data_home: Path | None = None) -> list[ToolRun]:
    """Run the cache tools that are installed on ``data_home``; missing ones are skipped."""
    home = data_home or default_data_home()
    runs = []
    for tool, arguments in _cache_commands(home):
        program = shutil.which(tool)
        if program is None:
            continue
        try:
            result = subprocess.run(
                [program, *arguments],
                capture_output=True,
                text=True,
                timeout=TOOL_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            runs.append(ToolRun(tool, str(error)))
            continue
        message = " ".join((result.stderr or result.stdout).split())
        runs.append(ToolRun(tool, None if result.returncode == 0 else message or "failed"))
    return runs


# -- command line ----------------------------------------------------------------------------------
def cmd_install_desktop(_library: Library | None, args: argparse.Namespace) -> None:
    from exodesk.cli import CommandError, _write, _write_json

    if sys.platform in ("win32", "darwin"):
        raise CommandError(
            "install-desktop is for Linux and other freedesktop.org desktops; "
            "on Windows and macOS use the exodesk bundle (see the README)"
        )
    home = default_data_home()
    try:
        action = uninstall if args.uninstall else install
        files = action(home, refresh=False)
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        raise CommandError(f"cannot write{where}: {error.strerror or error}") from None
    runs = refresh_caches(home)
    if args.json:
        _write_json(
            {
                "action": "uninstall" if args.uninstall else "install",
                "data_home": str(home),
                "files": [str(path) for path in files],
                "exec": None if args.uninstall else launcher_command(),
                "caches": [{"tool": run.tool, "ok": run.ok, "error": run.error} for run in runs],
            }
        )
        return
    if args.uninstall:
        _write(f"Removed {len(files)} files of the exodesk launcher from {home}.")
    else:
        _write(f"Installed the exodesk launcher, icons and file types in {home}:")
        for path in files:
            _write(f"  {path}")
        _write(f"The launcher runs {launcher_command()}.")
    for run in runs:
        if not run.ok:
            print(f"exodesk: warning: {run.tool} failed: {run.error}", file=sys.stderr)


def add_install_desktop_command(commands: _Commands, common: _Parser) -> None:
    sub = commands.add_parser(
        "install-desktop",
        parents=[common],
        help="add exodesk to this user's application menu (Linux), with its icon and file types",
    )
    sub.add_argument(
        "--uninstall", action="store_true", help="remove what install-desktop installed"
    )
    # No library is opened for this command: see exodesk.cli.main.
    sub.set_defaults(handler=cmd_install_desktop, needs_library=False)
