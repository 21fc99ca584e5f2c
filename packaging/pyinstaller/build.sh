#!/usr/bin/env bash
# Build the one-folder exodesk bundle for this machine (Linux or macOS) into dist/.
#
#   bash packaging/pyinstaller/build.sh
#
# Uses the checkout's .venv (bash packaging/bootstrap.sh makes it; set PYTHON to use another
# interpreter that has exodesk's dependencies) and puts PyInstaller into it. On Debian and
# Ubuntu PyInstaller also needs objdump: apt-get install binutils.
# Result: dist/exodesk/exodesk (Linux), dist/exodesk.app and dist/exodesk/ (macOS).
set -euo pipefail
cd "$(dirname "$0")/../.."

python="${PYTHON:-.venv/bin/python}"
if ! "$python" -c "import PyInstaller" 2>/dev/null; then
  # The same requirement as pyproject's "packaging" extra.
  "$python" -m pip install --quiet --disable-pip-version-check "pyinstaller>=6.10"
fi
if [ "$(uname -s)" = Linux ] && ! command -v objdump >/dev/null; then
  echo "build.sh: PyInstaller needs objdump: apt-get install binutils" >&2
  exit 1
fi

"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/pyinstaller/exodesk.spec
echo "built dist/exodesk ($(du -sh dist/exodesk | cut -f1))"
