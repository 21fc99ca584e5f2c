# Build the one-folder exodesk bundle on Windows into dist\exodesk (exodesk.exe, no console).
#
#   powershell -ExecutionPolicy Bypass -File packaging\pyinstaller\build.ps1
#
# Uses the checkout's .venv (py -3.11 -m venv .venv; .venv\Scripts\python -m pip install .),
# or the interpreter in $env:PYTHON, and puts PyInstaller into it.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

$python = if ($env:PYTHON) { $env:PYTHON } else { ".venv\Scripts\python.exe" }
if (-not (Test-Path $python) -and -not $env:PYTHON) {
    Write-Error "no $python: create the virtual environment first (see the README)"
}

# find_spec prints nothing, so no stderr line becomes a PowerShell error.
& $python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('PyInstaller') is None)"
if ($LASTEXITCODE -ne 0) {
    # The same requirement as pyproject's "packaging" extra.
    & $python -m pip install --quiet --disable-pip-version-check "pyinstaller>=6.10"
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

& $python -m PyInstaller --noconfirm --clean --log-level WARN `
    --distpath dist --workpath build\pyinstaller packaging\pyinstaller\exodesk.spec
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Write-Host "built dist\exodesk\exodesk.exe"
