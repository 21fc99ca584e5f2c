"""The log file: rotated, under the platform's log folder, with API keys blotted out.

:func:`configure_logging` attaches one rotating file handler (and, optionally, one for
stderr) to the root logger. Both carry a :class:`RedactingFilter`, so an NCBI API key never
reaches a log line, whether it appears as ``api_key=...`` in a URL or query string, as a
settings key/value pair, or anywhere as the literal value registered with
:func:`add_secret` (the key from the preferences or the environment).
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "BACKUP_COUNT",
    "LOG_FILE",
    "MAX_BYTES",
    "REDACTED",
    "RedactingFilter",
    "add_secret",
    "configure_logging",
    "redact",
    "reset_logging",
]

LOG_FILE = "exodesk.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
REDACTED = "***"
#: Shorter values are not registered: blotting out every "ab" would wreck the log.
MIN_SECRET_LENGTH = 6
FORMAT = "%(asctime)s %(levelname)-8s %(name)s [%(threadName)s] %(message)s"

# ``api_key=V``, ``api-key: V``, ``"apiKey": "V"``, ``ncbiApiKey=V``, ``EXODESK_NCBI_API_KEY=V``:
# the name (any prefix), a separator with optional quotes, then the value up to a delimiter.
_KEY_VALUE = re.compile(
    r"(?i)(\w*api[_-]?key\w*[\"']?\s*[:=]\s*[\"']?)([^\s&\"',;)}\]>]+)",
)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def add_secret(value: str | None) -> None:
    """Blot out ``value`` wherever it appears in later log lines (empty or short: ignored)."""
    text = (value or "").strip()
    if len(text) >= MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(text)


def redact(text: str) -> str:
    """``text`` with API key values and registered secrets replaced by ``***``."""
    text = _KEY_VALUE.sub(lambda match: match.group(1) + REDACTED, text)
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, traceback and stack with :func:`redact` applied.

    It runs before the formatter, so it renders the message and the traceback itself (a
    requests exception may carry the full URL, key included) and leaves the results in
    ``msg`` and ``exc_text``, which the formatter then uses as they are.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the record, as logging itself would
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _ExodeskHandler:
    """Marks the handlers this module added, so a second call replaces rather than adds."""


class _FileHandler(_ExodeskHandler, logging.handlers.RotatingFileHandler):
    pass


class _StreamHandler(_ExodeskHandler, logging.StreamHandler):  # type: ignore[type-arg]
    pass


def configure_logging(
    log_dir: Path,
    level: int = logging.INFO,
    *,
    stderr_level: int | None = None,
    secrets: Iterable[str | None] = (),
) -> Path:
    """Log to ``log_dir/exodesk.log`` (rotated at 1 MB, 5 old files kept); returns its path.

    ``stderr_level`` also copies records of that level and above to stderr. Calling again
    replaces the handlers of the previous call, so nothing is logged twice. A folder that
    cannot be created does not stop the program: the log then goes to stderr only.
    """
    for secret in secrets:
        add_secret(secret)
    path = Path(log_dir) / LOG_FILE
    root = logging.getLogger()
    reset_logging()
    formatter = logging.Formatter(FORMAT)
    redacting = RedactingFilter()
    handlers: list[logging.Handler] = []
    problem: OSError | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = _FileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
        )
        file_handler.setLevel(level)
        handlers.append(file_handler)
    except OSError as error:
        problem = error
    if stderr_level is not None or problem is not None:
        stream_handler = _StreamHandler(sys.stderr)
        stream_handler.setLevel(stderr_level if stderr_level is not None else level)
        handlers.append(stream_handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(redacting)
        root.addHandler(handler)
    root.setLevel(min(handler.level for handler in handlers))
    if problem is not None:
        logging.getLogger(__name__).warning("cannot write the log file %s: %s", path, problem)
    # Warnings from warnings.warn() end up in the log too, not only on a terminal.
    logging.captureWarnings(True)
    return path


def reset_logging() -> None:
    """Remove (and close) the handlers :func:`configure_logging` added."""
    logging.captureWarnings(False)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _ExodeskHandler):
            root.removeHandler(handler)
            handler.close()
