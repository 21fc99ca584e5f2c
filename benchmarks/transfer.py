"""Import and export throughput through exodesk's services (``importer``, ``exporter``)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import Corpus
from benchmarks.generate import FILE_FORMATS, entries_of, write_files
from exodesk.core.query import Scope, WorkQuery
from exodesk.exporter import collect_entries, render, write_file
from exodesk.importer import import_files
from exodesk.storage.library import Library

EXPORT_FORMATS = ("bibtex", "ris", "csl-json")
LABELS = {"ris": "RIS", "bibtex": "BibTeX", "medline": "nbib", "csl-json": "CSL-JSON"}


def record_files(out: Path, seed: int, count: int) -> dict[str, Path]:
    """``out/records-<count>.<ext>``: the first ``count`` generated works, written once."""
    stem = f"records-{count}"
    paths = {name: out / f"{stem}.{ext}" for name, ext in FILE_FORMATS}
    if not all(path.exists() for path in paths.values()):
        write_files(entries_of(Corpus(seed).works(count)), out, stem)
    return paths


@dataclass(frozen=True, slots=True)
class ImportRun:
    seconds: float
    added: int
    merged: int
    skipped: int


def timed_import(library_path: Path, file: Path) -> ImportRun:
    """``import_files`` as File > Import runs it (the works cite the tracked review)."""
    library = Library.open(library_path)
    try:
        started = time.perf_counter()
        report = import_files(library, [file], cites_review=True)
        seconds = time.perf_counter() - started
    finally:
        library.close()
    return ImportRun(seconds, report.added, report.merged, report.skipped)


def fresh_copy(template: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(template, target)
    return target


def first_citing_ids(library: Library, count: int) -> list[int]:
    return list(library.query_work_ids(WorkQuery(scope=Scope.CITING))[:count])


@dataclass(frozen=True, slots=True)
class ExportRun:
    collect_seconds: float
    #: ``render`` and ``write_file`` per format (File > Export writes the file too).
    render_seconds: dict[str, float]

    def seconds(self, name: str) -> float:
        return self.collect_seconds + self.render_seconds[name]


def timed_export(library: Library, work_ids: Sequence[int], folder: Path) -> ExportRun:
    """``collect_entries`` once (what every format shares), then per format ``render`` and
    ``write_file`` into ``folder``, as File > Export does."""
    started = time.perf_counter()
    entries = collect_entries(library, work_ids)
    collect_seconds = time.perf_counter() - started
    rendered = {}
    for name in EXPORT_FORMATS:
        started = time.perf_counter()
        write_file(render(entries, name), folder / f"export.{name}")
        rendered[name] = time.perf_counter() - started
    return ExportRun(collect_seconds, rendered)


def timed_bibliography(library: Library, work_ids: Sequence[int], style: str = "apa") -> float:
    started = time.perf_counter()
    render(collect_entries(library, work_ids), "text", style=style)
    return time.perf_counter() - started
