#!/usr/bin/env bash
# Build the Linux bundle, then check that it works without the checkout or the venv:
# it renders its window to a PNG (offscreen), lists the seed library, formats a
# bibliography in every built-in style, and installs its launcher into a temporary
# XDG_DATA_HOME. About 30 s on two cores.
#
#   bash packaging/pyinstaller/smoke_test.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS

[ "${1:-}" = --no-build ] || bash packaging/pyinstaller/build.sh
bundle="$PWD/dist/exodesk/exodesk"
[ -x "$bundle" ] || { echo "smoke test: no bundle at $bundle" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -m 700 "$work/runtime"
# A clean environment: nothing of the venv, the user's folders or a display leaks in.
run() {
  env -i PATH=/usr/bin:/bin HOME="$work/home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
    XDG_RUNTIME_DIR="$work/runtime" XDG_DATA_HOME="$work/share" XDG_CONFIG_HOME="$work/config" \
    "$bundle" --library "$work/library.sqlite" "$@"
}
fail() { echo "smoke test: $*" >&2; exit 1; }

run --screenshot "$work/bundle.png" 2> "$work/stderr" || { cat "$work/stderr" >&2; fail "--screenshot failed"; }
size=$(wc -c < "$work/bundle.png")
[ "$size" -gt 20000 ] || fail "the screenshot is only $size bytes"

count=$(run list --json | grep -c '"doi"' || true)
[ "$count" -eq 5 ] || fail "list shows $count works, not the seed's 5"

# citeproc's locales and each bundled CSL style.
for style in apa vancouver harvard-cite-them-right nature chicago-author-date \
  american-medical-association ieee; do
  run export --format text --style "$style" | grep -q "Stefańska" || fail "style $style"
done

run install-desktop --json > "$work/install.json" || fail "install-desktop failed"
grep -qxF "Exec=$bundle %F" "$work/share/applications/io.github.exodesk.Exodesk.desktop" \
  || fail "the launcher does not run the bundle"

echo "smoke test passed: screenshot $size bytes, bundle $(du -sh dist/exodesk | cut -f1)," \
  "$((SECONDS - started)) s"
