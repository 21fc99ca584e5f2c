"""Where exodesk keeps its files: the platform's user folders, unless told otherwise."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from exodesk import APP_NAME

LIBRARY_ENV = "EXODESK_LIBRARY"
LIBRARY_FILE = "library.sqlite"


def data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def default_library_path() -> Path:
    return data_dir() / LIBRARY_FILE


def resolve_library_path(
    option: str | os.PathLike[str] | None, environ: Mapping[str, str] = os.environ
) -> Path:
    """``--library`` wins over ``EXODESK_LIBRARY``, which wins over the user data folder."""
    if option:
        return Path(option).expanduser()
    if environ.get(LIBRARY_ENV):
        return Path(environ[LIBRARY_ENV]).expanduser()
    return default_library_path()
