"""What every format module reads into and writes from.

A reader turns the text of a file into ``BibEntry`` objects plus a list of ``Problem``s for
the records it had to skip; a file it cannot read at all raises ``FormatError``. A writer
turns ``BibEntry`` objects into text. Readers never raise anything else, whatever the
input: that is what the fuzz tests hold them to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from exodesk.core.entries import BibEntry, Problem
from exodesk.core.identifiers import InvalidIdentifier

__all__ = [
    "BibEntry",
    "FormatError",
    "Problem",
    "ReadResult",
    "Reader",
    "Writer",
    "kept_identifier",
]


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


def kept_identifier(
    normalize: Callable[[str], str], text: str, line: int | None, problems: list[Problem]
) -> str:
    """The normalised identifier, or "" plus a Problem: a bad identifier keeps its record."""
    if not text:
        return ""
    try:
        return normalize(text)
    except InvalidIdentifier as error:
        problems.append(Problem(line, f"ignored {error}; record kept"))
        return ""
