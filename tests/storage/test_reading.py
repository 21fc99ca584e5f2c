"""Reading works a batch at a time with plain SQL: the same works, the same snapshot."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from older_library import keys_taken_away
from sqlalchemy import exc

from exodesk.core.records import Author, Source, WorkRecord
from exodesk.storage import works
from exodesk.storage.library import Library
from exodesk.storage.sql import fetch_all, fetch_ids


def test_plain_reads_run_inside_the_connections_transaction(empty_library: Library) -> None:
    with empty_library.engine.connect() as connection:
        assert not connection.in_transaction()
        assert fetch_all(connection, "SELECT count(*) FROM works") == [(0,)]
        assert connection.in_transaction()  # one snapshot for every read that follows


def test_works_come_back_whole_and_typed(empty_library: Library) -> None:
    record = WorkRecord(
        title="A study",
        year=2020,
        doi="10.5555/read.1",
        authors=(
            Author(family="Nowak", given="Z", affiliations=("Lab A", "Lab B")),
            Author(name="Consortium"),
            Author(family="Solo", orcid="0000-0002-1825-0097"),
        ),
        subjects=("S2", "S1"),
        keywords=("k2", "k1"),
    )
    work_id = empty_library.add_work(record, Source.IMPORT)
    bare = empty_library.add_work(WorkRecord(title="Bare"), Source.USER)
    keys_taken_away(empty_library, [work_id, bare])  # keyed below, or not at all
    empty_library.set_starred([work_id])
    found = empty_library.get_works([bare, work_id, 999])
    assert [work.id for work in found] == [bare, work_id]
    work = found[1]
    assert work.record == record
    assert (work.starred, work.is_read, work.needs_metadata) == (True, False, False)
    assert isinstance(work.created, datetime) and isinstance(work.updated, datetime)
    assert work.provenance["title"] is Source.IMPORT
    assert found[0].record == WorkRecord(title="Bare")  # identifiers "" (NULL when stored)
    with empty_library.engine.connect() as connection:  # what giving citation keys reads
        lean = works.get_works(connection, [work_id], with_provenance=False, with_tags=False)
    assert lean[work_id].record == record and lean[work_id].provenance == {}


def test_driver_reads_give_sqlalchemys_errors(library: Library) -> None:
    # Library translates SQLAlchemy's errors into its own (locked, damaged, ...); reads that
    # bypass SQLAlchemy's rows for speed must raise the same kinds.
    with library.engine.connect() as connection:
        for read in (fetch_ids, fetch_all):
            with pytest.raises(exc.OperationalError, match="no such column"):
                read(connection, "SELECT nothing_here FROM works")
        assert list(fetch_ids(connection, "SELECT id FROM works ORDER BY id LIMIT 2")) == [1, 2]


def test_entries_are_what_an_export_writes(empty_library: Library) -> None:
    record = WorkRecord(
        title="Entries",
        year=2021,
        pmid="12345678",
        authors=(Author(family="Nowak", given="Z", affiliations=("Lab A",)),),
        keywords=("k1",),
    )
    work_id = empty_library.add_work(record, Source.IMPORT)
    bare = empty_library.add_work(WorkRecord(title="Bare"), Source.USER)
    keys_taken_away(empty_library, [work_id, bare])  # keyed below, or not at all
    empty_library.tag_works("zeta", [work_id])
    empty_library.tag_works("Alpha", [work_id])
    empty_library.tag_works("beta", [work_id])
    empty_library.add_note(work_id, "first")
    empty_library.add_note(work_id, " \n\t")  # says nothing in a file
    empty_library.add_note(work_id, "second")
    keys = empty_library.assign_citation_keys([work_id], lambda _record: "nowak2021")

    entries = empty_library.entries_of([bare, 999, work_id])

    assert list(entries) == [bare, work_id]
    bare_entry, entry = entries.values()
    assert (bare_entry.record, entry.record) == (WorkRecord(title="Bare"), record)
    assert (bare_entry.key, bare_entry.tags, bare_entry.notes) == ("", (), ())
    assert entry.key == keys[work_id] == "nowak2021"
    assert entry.tags == ("Alpha", "beta", "zeta")  # by name, ignoring case
    assert entry.notes == ("first", "second")  # in the order they were written


def test_keys_already_given_are_read_without_the_write_lock(
    empty_library: Library, library_path: Path
) -> None:
    work_id = empty_library.add_work(WorkRecord(title="Keyed"), Source.USER)
    keys = empty_library.assign_citation_keys([work_id], lambda _record: "keyed")
    writer = sqlite3.connect(library_path, timeout=0)
    try:
        writer.execute("BEGIN IMMEDIATE")  # an import or a sync holding the write lock
        # A write transaction would wait for the lock, then fail as locked.
        assert empty_library.assign_citation_keys([work_id], lambda _record: "other") == keys
    finally:
        writer.rollback()
        writer.close()
