"""Importing reference files: read, detect, then store everything in one transaction.

Used by File > Import, files dropped on the window, and ``exodesk import``. Reading and
parsing happen first (outside any transaction); a file that cannot be read at all is
reported and left out; the records of all the readable files are then added or merged in
one transaction, so a cancel or an error leaves the library exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from exodesk.core.citekeys import DEFAULT_PATTERN
from exodesk.core.entries import BibEntry, Problem
from exodesk.formats.base import FormatError, paused_gc, release
from exodesk.formats.decoding import read_file_pieces
from exodesk.formats.registry import FileFormat, detect_format, get_format
from exodesk.storage.importing import ImportCancelled, ImportOptions
from exodesk.storage.library import Library

#: Readers' progress is reported as the first part of the whole import.
PARSE_SHARE = 0.3


@dataclass
class FileReport:
    path: str
    format: str = ""
    added: list[int] = field(default_factory=list)
    merged: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "file, line N: why"
    error: str = ""  # the whole file could not be read

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "format": self.format,
            "added": len(self.added),
            "merged": len(self.merged),
            "skipped": len(self.skipped),
            "problems": self.skipped,
            "error": self.error or None,
            "added_ids": self.added,
            "merged_ids": self.merged,
        }


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(len(f.added) for f in self.files)

    @property
    def merged(self) -> int:
        return sum(len(f.merged) for f in self.files)

    @property
    def skipped(self) -> int:
        return sum(len(f.skipped) for f in self.files)

    @property
    def failed_files(self) -> list[FileReport]:
        return [f for f in self.files if f.error]

    def changed_ids(self) -> list[int]:
        return [i for f in self.files for i in (*f.added, *f.merged)]

    def merged_ids(self) -> list[int]:
        return [i for f in self.files for i in f.merged]

    def summary(self) -> str:
        text = f"{self.added} added, {self.merged} merged, {self.skipped} skipped"
        if self.failed_files:
            text += f"; {len(self.failed_files)} file(s) could not be read"
        return text

    def details(self) -> list[str]:
        lines = [f.error for f in self.failed_files]
        for report in self.files:
            lines.extend(report.skipped)
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "merged": self.merged,
            "skipped": self.skipped,
            "files": [f.to_json() for f in self.files],
        }


@dataclass(frozen=True, slots=True)
class ParsedFile:
    report: FileReport
    entries: list[BibEntry]


def parse_file(path: Path, format_name: str | None = None) -> ParsedFile:
    """Read, decode, detect and parse one file; never raises for a bad file.

    The text stays in pieces (see ``decode_pieces``) for the readers that take them, so
    that no single step over a large file keeps the GUI thread waiting for the GIL."""
    name = path.name
    report = FileReport(path=str(path))
    try:
        text = read_file_pieces(str(path), source_name=name)
        fmt: FileFormat = (
            get_format(format_name) if format_name else detect_format(text, source_name=name)
        )
        report.format = fmt.name
        result = fmt.read(text, source_name=name)
    except FormatError as error:
        report.error = str(error)
        return ParsedFile(report, [])
    except ValueError as error:  # an unknown --format name
        report.error = f"{name}: {error}"
        return ParsedFile(report, [])
    report.skipped.extend(problem.describe(name) for problem in result.problems)
    return ParsedFile(report, list(result.entries))


def import_files(
    library: Library,
    paths: Sequence[Path],
    *,
    format_name: str | None = None,
    cites_review: bool = False,
    key_pattern: str = DEFAULT_PATTERN,
    progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import the files; raises ImportCancelled (library unchanged) when cancelled. Added
    works without a usable key in their file get one from ``key_pattern``.

    Without cyclic garbage collection meanwhile (see ``paused_gc``): with 100,000 parsed
    records alive, each full collection would hold the GIL for a second."""
    with paused_gc():
        return _import_files(
            library,
            paths,
            format_name=format_name,
            options=ImportOptions(origin="", key_pattern=key_pattern),
            cites_review=cites_review,
            progress=progress,
            should_cancel=should_cancel,
        )


def _import_files(
    library: Library,
    paths: Sequence[Path],
    *,
    format_name: str | None,
    options: ImportOptions,
    cites_review: bool,
    progress: Callable[[int, int], None] | None,
    should_cancel: Callable[[], bool] | None,
) -> ImportReport:
    parsed: list[ParsedFile] = []
    try:
        return _store_files(
            library, paths, parsed, format_name, options, cites_review, progress, should_cancel
        )
    finally:
        for item in parsed:  # a slice at a time: see ``release``
            release(item.entries)  # type: ignore[arg-type]


def _store_files(
    library: Library,
    paths: Sequence[Path],
    parsed: list[ParsedFile],
    format_name: str | None,
    options: ImportOptions,
    cites_review: bool,
    progress: Callable[[int, int], None] | None,
    should_cancel: Callable[[], bool] | None,
) -> ImportReport:
    for number, path in enumerate(paths):
        parsed.append(parse_file(Path(path), format_name))
        if progress is not None:
            progress(int(1000 * PARSE_SHARE * (number + 1) / len(paths)), 1000)
        if should_cancel is not None and should_cancel():
            raise ImportCancelled
    review_id = library.tracked_review_id() if cites_review else None
    batches = [
        (
            item.entries,
            replace(options, origin=Path(item.report.path).name, cites_review_id=review_id),
        )
        for item in parsed
    ]

    def store_progress(done: int, total: int) -> None:
        if progress is not None and total:
            progress(int(1000 * (PARSE_SHARE + (1 - PARSE_SHARE) * done / total)), 1000)

    outcomes = library.import_entries(batches, progress=store_progress, should_cancel=should_cancel)
    for item, outcome in zip(parsed, outcomes, strict=True):
        item.report.added = outcome.added
        item.report.merged = outcome.merged
        name = Path(item.report.path).name
        item.report.skipped.extend(problem.describe(name) for problem in outcome.skipped)
    return ImportReport(files=[item.report for item in parsed])


__all__ = [
    "FileReport",
    "ImportCancelled",
    "ImportReport",
    "Problem",
    "import_files",
    "parse_file",
]
