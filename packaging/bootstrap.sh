#!/usr/bin/env bash
# Set up exodesk from this checkout on Debian or Ubuntu, then launch it or test it.
#
#   bash packaging/bootstrap.sh --launch   install (system libraries, .venv, launcher) and start
#   bash packaging/bootstrap.sh --test     install with the test extra, lint, and run the tests
#
# The system packages are the libraries Qt needs to draw (EGL/GL, xkbcommon, fontconfig and
# a font, D-Bus, GLib, the xcb plugins for a real X11 desktop) plus Python's venv module;
# with --test also bibtex and pandoc, which judge exported files in the tests.
# apt-get runs only when one of them is missing; as a normal user it asks for sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:---launch}"
case "$mode" in --launch|--test|--install) ;; *) echo "usage: $0 [--launch|--test|--install]" >&2; exit 2 ;; esac

system_packages=(
  python3 python3-venv python3-pip
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 fonts-dejavu-core
  libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-shape0 libxcb-xkb1
)
# The tests judge exports with real peer programs: bibtex (TeX Live) and pandoc.
if [ "$mode" = "--test" ]; then
  system_packages+=(pandoc texlive-binaries texlive-base)
  # The desktop files' validators and cache tools (tests/packaging); objdump for PyInstaller.
  system_packages+=(desktop-file-utils appstream shared-mime-info binutils)
fi
missing=()
for package in "${system_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)

if [ "$mode" = "--test" ]; then
  "${pip[@]}" --editable ".[test]"
  export QT_QPA_PLATFORM=offscreen LANG="${LANG:-C.UTF-8}"
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  .venv/bin/mypy
  if [ "${CI:-}" = true ]; then
    # The Linux bundle builds and starts (about 30 s); before pytest, whose summary ends the log.
    bash packaging/pyinstaller/smoke_test.sh
  fi
  exec .venv/bin/python -m pytest
fi

"${pip[@]}" .
# The launcher, icon and file types for this user: exodesk appears in the application menu.
.venv/bin/exodesk install-desktop
if [ "$mode" = "--launch" ]; then
  exec .venv/bin/exodesk
fi
