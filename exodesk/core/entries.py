"""A reference as files carry it (``BibEntry``) and a record that had to be skipped.

Pure records shared by the file formats, the import into storage and the export from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from exodesk.core.records import WorkRecord


@dataclass(frozen=True, slots=True)
class BibEntry:
    """One reference as a file carries it: the work, plus what exodesk keeps beside it."""

    record: WorkRecord
    #: Citation key (BibTeX/BibLaTeX key, RIS ID, CSL-JSON id); "" when the file has none.
    key: str = ""
    tags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # Markdown bodies
    #: 1-based line where the record starts in the file it came from, when read.
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """A record that was skipped, and why. ``line`` is 1-based, None when unknown."""

    line: int | None
    message: str

    def describe(self, source_name: str) -> str:
        where = f"{source_name}, line {self.line}" if self.line else source_name
        return f"{where}: {self.message}"
