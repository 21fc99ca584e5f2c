"""What every format module reads into and writes from.

A reader turns the text of a file into ``BibEntry`` objects plus a list of ``Problem``s for
the records it had to skip; a file it cannot read at all raises ``FormatError``. A writer
turns ``BibEntry`` objects into text. Readers never raise anything else, whatever the
input: that is what the fuzz tests hold them to.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
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
    "paused_gc",
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
    normalize: Callable[[str], str],
    text: str,
    line: int | Callable[[], int | None] | None,
    problems: list[Problem],
) -> str:
    """The normalised identifier, or "" plus a Problem: a bad identifier keeps its record.

    ``line`` may be a function that finds it: looking for a field's line costs a walk over
    the record's fields, which only a bad identifier needs."""
    if not text:
        return ""
    try:
        return normalize(text)
    except InvalidIdentifier as error:
        where = line() if callable(line) else line
        problems.append(Problem(where, f"ignored {error}; record kept"))
        return ""


@contextmanager
def paused_gc(*file_caches: _Clearable) -> Iterator[None]:
    """No cyclic garbage collection inside: readers and imports make millions of objects
    and no reference cycles, and every full collection would walk all of them again (with
    the GIL held, so the window would freeze meanwhile). Collection resumes afterwards
    unless it was already off; nested use is fine.

    ``file_caches`` (a reader's caches of one file's names) are emptied before collection
    resumes: everything made during a pause is young, and the first collection after it
    walks all that is still alive (the 8,192 authors of a reader's cache took 6 ms)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        for cache in file_caches:
            cache.cache_clear()
        if was_enabled:
            gc.enable()


class _Clearable(Protocol):
    def cache_clear(self) -> None: ...


#: A file's text: whole, or in pieces that joined are the text (``decoding.decode_pieces``).
Text = str | Sequence[str]


def pieces_of(text: Text) -> Sequence[str]:
    return [text] if isinstance(text, str) else text


def joined(text: Text) -> str:
    return text if isinstance(text, str) else "".join(text)


def split_lines(text: Text) -> Iterator[str]:
    """The lines of ``text``, as ``text.lstrip("\\ufeff").replace("\\r\\n", "\\n")
    .replace("\\r", "\\n").split("\\n")`` gives them, but a piece at a time: no step works
    on the whole text at once (for 100 MB, that holds the GIL for a tenth of a second).

    The lines of each piece come as a list, chained in C: a generator step per line cost
    more than some readers' work on the line."""
    return chain.from_iterable(_line_lists(text))


def _line_lists(text: Text) -> Iterator[list[str]]:
    head = ""  # the start of a line that goes on in the next piece
    after_cr = False  # the last piece ended with "\r": a "\n" next is the same line end
    at_start = True
    for piece in pieces_of(text):
        if at_start:
            piece = piece.lstrip("\ufeff")
            at_start = not piece
        if after_cr and piece.startswith("\n"):
            piece = piece[1:]
            after_cr = False
        if not piece:
            continue
        after_cr = piece.endswith("\r")
        lines = piece.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        lines[0] = head + lines[0]
        head = lines.pop()
        yield lines
    yield [head]


def release(items: list[object]) -> None:
    """Empty a large list a slice at a time: freeing millions of objects in one statement
    holds the GIL until the last is freed."""
    while items:
        del items[-_RELEASE_SLICE:]


_RELEASE_SLICE = 2000


def head_of(text: Text, size: int) -> str:
    """``joined(text)[:size]``, joining only the pieces it needs."""
    if isinstance(text, str):
        return text[:size]
    taken: list[str] = []
    length = 0
    for piece in text:
        if length >= size:
            break
        taken.append(piece)
        length += len(piece)
    return "".join(taken)[:size]


def is_blank(text: Text) -> bool:
    """``not joined(text).strip()``, without copying the text."""
    return all(not piece or piece.isspace() for piece in pieces_of(text))


def is_text(text: object) -> bool:
    """A str, or pieces of one (a list or tuple of str)."""
    if isinstance(text, str):
        return True
    return isinstance(text, list | tuple) and all(isinstance(piece, str) for piece in text)
