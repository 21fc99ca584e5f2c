"""What every format module reads into and writes from.

A reader turns the text of a file into ``BibEntry`` objects plus a list of ``Problem``s for
the records it had to skip; a file it cannot read at all raises ``FormatError``. A writer
turns ``BibEntry`` objects into text. Readers never raise anything else, whatever the
input: that is what the fuzz tests hold them to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

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


@dataclass(frozen=True, slots=True)
class ReadResult:
    entries: list[BibEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class FormatError(ValueError):
    """The file as a whole cannot be read in this format (empty, binary, wrong format...)."""

    def __init__(self, message: str, *, source_name: str = "", line: int | None = None):
        where = source_name
        if source_name and line:
            where = f"{source_name}, line {line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.source_name = source_name
        self.line = line
        self.reason = message


class Reader(Protocol):
    def __call__(self, text: str, *, source_name: str = "<text>") -> ReadResult: ...


class Writer(Protocol):
    def __call__(self, entries: Sequence[BibEntry]) -> str: ...
