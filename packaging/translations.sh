#!/usr/bin/env bash
# Extract exodesk's user-visible strings into resources/translations/exodesk_<language>.ts
# (new strings added, translated ones kept) and compile every catalogue to .qm.
#   packaging/translations.sh de        # create or update the German catalogue
#   packaging/translations.sh           # only compile the existing catalogues
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${VIRTUAL_ENV:-.venv}/bin"
folder=resources/translations
sources=$(find exodesk -name '*.py' -not -path '*/migrations/*' | sort)
if [[ $# -gt 0 ]]; then
    # shellcheck disable=SC2086  # one argument per source file
    "$bin/pyside6-lupdate" $sources -ts "$folder/exodesk_$1.ts"
fi
shopt -s nullglob
for catalogue in "$folder"/exodesk_*.ts; do
    "$bin/pyside6-lrelease" "$catalogue" -qm "${catalogue%.ts}.qm"
done
