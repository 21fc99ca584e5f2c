"""Build benchmark libraries and reference files, fast and deterministically.

``python -m benchmarks.generate --works N --seed S --out DIR [--files-limit M]`` writes

- ``DIR/library-N.sqlite``: the embedded seed (the tracked review and its citing articles)
  plus N generated journal articles, every one citing the review;
- ``DIR/works-N.ris``, ``.bib`` and ``.nbib``: the same works (the first M with
  ``--files-limit``) written by exodesk's own writers, for the import benchmark.

The library is created by ``Library.open`` (the real migrations) and seeded by
``ensure_default_library``; the generated works are then bulk-inserted with ``executemany``
into the same tables and columns the storage layer fills (keys from ``exodesk.core``), their
citation keys are given as migration 0011 gives them, and the full-text index is rebuilt
with ``exodesk.storage.fts.rebuild_all``. One ``Library.add_work`` per work would take
hours for a million works.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine

from benchmarks.corpus import TAG_NAMES, Corpus, GeneratedWork
from exodesk.app import open_library
from exodesk.core.citekeys import CitationKeyGenerator
from exodesk.core.entries import BibEntry
from exodesk.core.identifiers import doi_key
from exodesk.core.matching import name_key, title_key
from exodesk.core.records import BIBLIOGRAPHIC_FIELDS, WorkRecord, authors_display
from exodesk.formats.registry import get_format
from exodesk.storage import fts, provenance
from exodesk.storage.citekeys import key_keyless_works
from exodesk.storage.engine import sqlite_url
from exodesk.storage.tags import TAG_PALETTE

DEFAULT_SEED = 5
BATCH = 20_000
#: The stamp every generated row carries, in the form SQLAlchemy stores DateTime.
STAMP = "2025-06-01 12:00:00.000000"
EDGE_SOURCE = "import"
FILE_FORMATS: tuple[tuple[str, str], ...] = (("ris", "ris"), ("bibtex", "bib"), ("medline", "nbib"))
BULK_TABLES = (
    "works",
    "authors",
    "work_terms",
    "work_tags",
    "notes",
    "citations",
    "citation_sources",
    "work_provenance",
)

_WORK_COLUMNS = (
    "id",
    "type",
    "title",
    "abstract",
    "container_title",
    "container_abbrev",
    "year",
    "date",
    "volume",
    "issue",
    "pages",
    "article_number",
    "publisher",
    "language",
    "doi",
    "doi_key",
    "pmid",
    "pmcid",
    "authors_display",
    "needs_metadata",
    "is_read",
    "starred",
    "created_at",
    "updated_at",
    "citation_key",
    "title_key",
    "first_author_key",
    "is_new",
)
_INSERTS = {
    "works": f"INSERT INTO works ({', '.join(_WORK_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_WORK_COLUMNS))})",
    "authors": "INSERT INTO authors (work_id, position, family, given, name, orcid) "
    "VALUES (?, ?, ?, ?, '', '')",
    "work_terms": "INSERT INTO work_terms (work_id, kind, position, term) "
    "VALUES (?, 'keyword', ?, ?)",
    "work_tags": "INSERT INTO work_tags (work_id, tag_id) VALUES (?, ?)",
    "notes": "INSERT INTO notes (work_id, body, created_at, updated_at) VALUES (?, ?, ?, ?)",
    "citations": "INSERT INTO citations (citing_id, cited_id, first_seen) VALUES (?, ?, ?)",
    "citation_sources": "INSERT INTO citation_sources (citing_id, cited_id, source, "
    "first_seen) VALUES (?, ?, ?, ?)",
    "work_provenance": "INSERT INTO work_provenance (work_id, fields) VALUES (?, ?)",
}


def library_path(out: Path, works: int) -> Path:
    return out / f"library-{works}.sqlite"


def file_path(out: Path, works: int, extension: str) -> Path:
    return out / f"works-{works}.{extension}"


# -- rows ------------------------------------------------------------------------------------
@dataclass
class Rows:
    """The rows of one batch of works, table by table."""

    tables: dict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {name: [] for name in _INSERTS}
    )

    def add(
        self, work_id: int, work: GeneratedWork, review_id: int, tag_ids: dict[str, int]
    ) -> None:
        record = work.record
        self.tables["works"].append(_work_row(work_id, work))
        self.tables["authors"].extend(
            (work_id, position, person.family, person.given)
            for position, person in enumerate(record.authors)
        )
        self.tables["work_terms"].extend(
            (work_id, position, term) for position, term in enumerate(record.keywords)
        )
        self.tables["work_tags"].extend((work_id, tag_ids[name]) for name in work.tags)
        self.tables["notes"].extend((work_id, body, STAMP, STAMP) for body in work.notes)
        self.tables["citations"].append((work_id, review_id, STAMP))
        self.tables["citation_sources"].append((work_id, review_id, EDGE_SOURCE, STAMP))
        self.tables["work_provenance"].append((work_id, _PROVENANCE(list(_filled_fields(record)))))


def _work_row(work_id: int, work: GeneratedWork) -> tuple[Any, ...]:
    r = work.record
    first = r.authors[0].family if r.authors else ""
    return (
        work_id,
        r.type,
        r.title,
        r.abstract,
        r.container_title,
        r.container_abbrev,
        r.year,
        r.date,
        r.volume,
        r.issue,
        r.pages,
        r.article_number,
        r.publisher,
        r.language,
        r.doi or None,
        doi_key(r.doi) if r.doi else None,
        r.pmid or None,
        r.pmcid or None,
        authors_display(r.authors),
        r.needs_metadata,
        work.is_read,
        work.starred,
        STAMP,
        STAMP,
        None,
        title_key(r.title),
        name_key(first),
        False,
    )


#: Every generated field was set by one import at STAMP (``exodesk.storage.provenance``).
_PROVENANCE = provenance.group_writer("import", STAMP)


def _filled_fields(record: WorkRecord) -> Iterator[str]:
    for name in BIBLIOGRAPHIC_FIELDS:
        value = getattr(record, name)
        if value is not None and value != "" and value != ():
            yield name


# -- the database ------------------------------------------------------------------------------
def build_library(path: Path, works: Iterable[GeneratedWork], *, log: bool = True) -> None:
    """Create ``path`` afresh: migrations and seed through exodesk, then the bulk rows."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    library = open_library(path)  # Library.open (migrations) + the embedded seed
    review_id = library.tracked_review_id()
    library.close()
    if review_id is None:
        raise RuntimeError("the embedded seed did not track a review")
    engine = create_engine(sqlite_url(path))
    try:
        _bulk_insert(engine, works, review_id, log=log)
        _step("citation keys", lambda: _give_keys(engine), log)
        _step("full-text index", lambda: _rebuild_fts(engine), log)
        _execute(engine, "PRAGMA journal_mode = WAL")
    finally:
        engine.dispose()


def _give_keys(engine: Engine) -> None:
    """Every work's citation key, as an import gives it (and migration 0011 to the works
    of older libraries): exports of the library only read keys."""
    with engine.begin() as connection:
        key_keyless_works(connection, CitationKeyGenerator().make_key)


def _execute(engine: Engine, *statements: str) -> None:
    raw = engine.raw_connection()
    try:
        for statement in statements:
            raw.execute(statement)
    finally:
        raw.close()


def _bulk_insert(
    engine: Engine, works: Iterable[GeneratedWork], review_id: int, *, log: bool
) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "cache_size = -1000000",
            "temp_store = MEMORY",
            "foreign_keys = OFF",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        indexes = _drop_secondary_indexes(cursor)
        tag_ids = _insert_tags(cursor)
        first_id = int(cursor.execute("SELECT max(id) FROM works").fetchone()[0]) + 1
        started = time.monotonic()
        done = 0
        for batch in _batches(works, BATCH):
            rows = Rows()
            for offset, work in enumerate(batch):
                rows.add(first_id + done + offset, work, review_id, tag_ids)
            for table, values in rows.tables.items():
                cursor.executemany(_INSERTS[table], values)
            done += len(batch)
            if log:
                _progress(f"  rows: {done:,} works ({time.monotonic() - started:.0f} s)")
        raw.commit()
        _step("indexes", lambda: _create_indexes(cursor, indexes), log)
        raw.commit()
    finally:
        raw.close()


def _batches(items: Iterable[GeneratedWork], size: int) -> Iterator[list[GeneratedWork]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _drop_secondary_indexes(cursor: Any) -> list[str]:
    """Drop the plain indexes of the bulk tables (rebuilt after the insert, much faster)."""
    marks = ", ".join("?" * len(BULK_TABLES))
    found = cursor.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})",
        BULK_TABLES,
    ).fetchall()
    for name, _sql in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def _create_indexes(cursor: Any, statements: Sequence[str]) -> None:
    for statement in statements:
        cursor.execute(statement)


def _insert_tags(cursor: Any) -> dict[str, int]:
    ids = {}
    for index, name in enumerate(TAG_NAMES):
        cursor.execute(
            "INSERT INTO tags (name, color) VALUES (?, ?)",
            (name, TAG_PALETTE[index % len(TAG_PALETTE)]),
        )
        ids[name] = int(cursor.lastrowid)
    return ids


def _rebuild_fts(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode = OFF")
        connection.exec_driver_sql("PRAGMA synchronous = OFF")
        connection.exec_driver_sql("PRAGMA cache_size = -1000000")
        fts.rebuild_all(connection)
        connection.commit()


# -- reference files ---------------------------------------------------------------------------
def entries_of(works: Iterable[GeneratedWork]) -> list[BibEntry]:
    """What a reference manager would export for these works (no keys: they are made)."""
    return [BibEntry(record=w.record, tags=w.tags, notes=w.notes) for w in works]


def write_files(entries: Sequence[BibEntry], out: Path, stem: str) -> list[Path]:
    """The entries as RIS, BibTeX and MEDLINE files ``out/stem.<ext>``."""
    written = []
    for format_name, extension in FILE_FORMATS:
        target = out / f"{stem}.{extension}"
        target.write_text(get_format(format_name).write(entries), encoding="utf-8")
        written.append(target)
    return written


# -- command line ------------------------------------------------------------------------------
def _progress(text: str) -> None:
    print(f"\r{text}", end="", file=sys.stderr, flush=True)


def _step(label: str, action: Any, log: bool) -> None:
    started = time.monotonic()
    action()
    if log:
        print(f"\n  {label}: {time.monotonic() - started:.1f} s", file=sys.stderr)


def generate(
    works: int, seed: int, out: Path, files_limit: int | None, *, log: bool = True
) -> Path:
    """Build the library (and, unless ``files_limit`` is 0, the files); returns its path."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    path = library_path(out, works)
    build_library(path, Corpus(seed).works(works), log=log)
    limit = works if files_limit is None else min(files_limit, works)
    if limit:
        entries = entries_of(Corpus(seed).works(limit))
        _step(
            f"files ({limit:,} records)", lambda: write_files(entries, out, f"works-{works}"), log
        )
    if log:
        print(f"{path}: {time.monotonic() - started:.1f} s in all", file=sys.stderr)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--works", type=int, required=True, help="generated articles")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/data"))
    parser.add_argument(
        "--files-limit",
        type=int,
        default=None,
        help="write only the first M records to the files (0: no files)",
    )
    args = parser.parse_args(argv)
    generate(args.works, args.seed, args.out, args.files_limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
