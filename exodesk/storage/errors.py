"""Errors of the storage layer that the user can act on.

Each carries a message that names the library file and says what to do; callers show it
as it is. Anything else raised from storage is a bug and goes to the crash dialog/log.
"""

from __future__ import annotations

from pathlib import Path


class LibraryError(Exception):
    """A library cannot be opened or written for a reason outside exodesk's control."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class NotALibraryError(LibraryError):
    """The file is not an SQLite database, or is damaged."""


class NewerSchemaError(LibraryError):
    """The library was written by a newer exodesk; it is left untouched."""


class LibraryBusyError(LibraryError):
    """Another program holds a lock on the library for longer than the busy timeout."""


class WriteBusyError(LibraryBusyError):
    """Another thread of this process (an import, a sync) is writing the library, and the
    caller asked not to wait for it (``Library.write_turn(wait=False)``)."""


class NotFoundError(LookupError):
    """A work, tag or note named by the caller does not exist."""


class ConflictError(ValueError):
    """A write would break a uniqueness rule (e.g. a tag name already taken)."""


class QueryCancelled(Exception):
    """A read was stopped by its caller (e.g. the table asked for a newer query)."""
