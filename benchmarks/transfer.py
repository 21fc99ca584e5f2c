"""Import and export throughput through exodesk's services (``importer``, ``exporter``)."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.corpus import Corpus, doi_of, pmid_of
from benchmarks.generate import FILE_FORMATS, entries_of, write_files
from exodesk.core.entries import BibEntry
from exodesk.core.query import Scope, WorkQuery
from exodesk.exporter import export_text, write_file
from exodesk.importer import import_files
from exodesk.storage.library import Library

EXPORT_FORMATS = ("bibtex", "ris", "csl-json")
LABELS = {"ris": "RIS", "bibtex": "BibTeX", "medline": "nbib", "csl-json": "CSL-JSON"}


def record_files(out: Path, seed: int, count: int) -> dict[str, Path]:
    """``out/records-<count>.<ext>``: the first ``count`` generated works, written once."""
    return _written_once(out, f"records-{count}", lambda: entries_of(Corpus(seed).works(count)))


def new_record_files(out: Path, seed: int, works: int, count: int, run: int) -> dict[str, Path]:
    """``out/new-<works>-<count>-<run>.<ext>``: ``count`` works that a library of the first
    ``works`` generated works does not hold, a different set for each ``run``.

    Another seed's stream (other titles, authors, years), with the identifiers the main
    stream would give the works numbered after that library's: duplicate detection looks
    each one up and finds nothing, as for a file of new papers."""
    first = works + run * count

    def entries() -> list[BibEntry]:
        return [
            BibEntry(
                record=replace(
                    work.record,
                    doi=doi_of(first + work.number),
                    pmid=pmid_of(first + work.number),
                    pmcid=f"PMC{1_000_000 + first + work.number}" if work.record.pmcid else "",
                ),
                tags=work.tags,
                notes=work.notes,
            )
            for work in Corpus(seed + 1 + run).works(count)
        ]

    return _written_once(out, f"new-{works}-{count}-{run}", entries)


def _written_once(out: Path, stem: str, entries: Callable[[], list[BibEntry]]) -> dict[str, Path]:
    """``out/<stem>.<ext>`` in each file format, written from ``entries()`` unless they all
    exist already."""
    paths = {name: out / f"{stem}.{ext}" for name, ext in FILE_FORMATS}
    if not all(path.exists() for path in paths.values()):
        write_files(entries(), out, stem)
    return paths


@dataclass(frozen=True, slots=True)
class ImportRun:
    seconds: float
    added: int
    merged: int
    skipped: int


def timed_import(library_path: Path, file: Path, *, remove_added: bool = False) -> ImportRun:
    """``import_files`` as File > Import runs it (the works cite the tracked review); with
    ``remove_added``, the works it added are deleted again (untimed), so that the library is
    as it was for the next run and figure."""
    library = Library.open(library_path)
    try:
        started = time.perf_counter()
        report = import_files(library, [file], cites_review=True)
        seconds = time.perf_counter() - started
        if remove_added:
            library.delete_works([work_id for item in report.files for work_id in item.added])
    finally:
        library.close()
    return ImportRun(seconds, report.added, report.merged, report.skipped)


def imported_then_exported(
    template: Path, target: Path, file: Path, format_name: str, folder: Path
) -> tuple[int, ExportRun]:
    """Import ``file`` into a fresh copy of ``template`` (untimed, with the checkpoint it
    leaves to a thread: an export beside that copy runs about 6% slower), then export the
    works it added: their first export, with the keys the import gave them."""
    library = Library.open(fresh_copy(template, target))
    try:
        added = [work_id for item in import_files(library, [file]).files for work_id in item.added]
        library.wait_for_checkpoints()
        return len(added), timed_export(library, added, format_name, folder)
    finally:
        library.close()


def fresh_copy(template: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(template, target)
    return target


@dataclass(frozen=True, slots=True)
class KeyUpgrade:
    keyless: int
    #: Migrating to head: 0011 gives the keyless works their keys.
    seconds: float
    #: The copy of the file an upgrade makes first (``migrate.backup_file``), on its own.
    backup_seconds: float


def timed_key_upgrade(template: Path, target: Path, keyless: int) -> KeyUpgrade:
    """A copy of ``template`` as an exodesk before 0011 left it, its newest ``keyless``
    titled works without keys (older ones keyed by their first export), upgraded to the
    current schema: the migrations through Alembic (``migrate.upgrade_library``), then the
    backup that ``Library.open`` makes before them, timed apart."""
    from exodesk.storage.engine import create_library_engine
    from exodesk.storage.migrate import backup_file, upgrade_library

    fresh_copy(template, target)
    connection = sqlite3.connect(target)
    try:
        connection.execute(
            "UPDATE works SET citation_key = NULL WHERE id IN "
            "(SELECT id FROM works WHERE title <> '' ORDER BY id DESC LIMIT ?)",
            (keyless,),
        )
        connection.execute("UPDATE alembic_version SET version_num = '0010'")
        connection.commit()
    finally:
        connection.close()
    engine = create_library_engine(target)
    try:
        started = time.perf_counter()
        upgrade_library(engine, None)  # no path: no backup
        seconds = time.perf_counter() - started
        with engine.connect() as check:
            still = check.exec_driver_sql(
                "SELECT count(*) FROM works WHERE citation_key IS NULL AND title <> ''"
            ).scalar()
    finally:
        engine.dispose()
    if still:
        raise RuntimeError(f"{still} titled works still keyless after the upgrade")
    started = time.perf_counter()
    backup = backup_file(target, "0010")
    backup_seconds = time.perf_counter() - started
    backup.unlink()
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    return KeyUpgrade(keyless, seconds, backup_seconds)


def first_citing_ids(library: Library, count: int) -> list[int]:
    return list(library.query_work_ids(WorkQuery(scope=Scope.CITING))[:count])


@dataclass(frozen=True, slots=True)
class ExportRun:
    """One export of one format, as File > Export runs it."""

    seconds: float
    #: Until the last batch of works was read (``collect_entries`` reports it).
    read_seconds: float


def timed_export(
    library: Library, work_ids: Sequence[int], format_name: str, folder: Path
) -> ExportRun:
    """``export_text`` (read the works, give missing keys, render) and ``write_file`` into
    ``folder``: what File > Export's task does."""
    read_at = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal read_at
        if done == total:
            read_at = time.perf_counter()

    started = time.perf_counter()
    text = export_text(library, work_ids, format_name, progress=progress)
    write_file(text, folder / f"export.{format_name}")
    return ExportRun(time.perf_counter() - started, read_at - started)


def timed_bibliography(library: Library, work_ids: Sequence[int], style: str = "apa") -> float:
    started = time.perf_counter()
    export_text(library, work_ids, "text", style=style)
    return time.perf_counter() - started
