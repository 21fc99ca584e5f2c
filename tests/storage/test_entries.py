"""An export's read: each batch of works as one JSON row, queried on a thread of its own
ahead of the caller, giving the same entries as the works read field by field."""

from __future__ import annotations

import random
import sqlite3
import threading
from pathlib import Path

import pytest

from exodesk.core.entries import BibEntry
from exodesk.core.records import Author, Source, WorkRecord
from exodesk.storage.entries import read_entries
from exodesk.storage.errors import LibraryError
from exodesk.storage.importing import ImportOptions
from exodesk.storage.library import Library
from exodesk.storage.sql import BATCH

READER = "exodesk-export-read"


def _varied_works(library: Library, count: int) -> list[int]:
    """Works with what an entry can hold, a different mix for each."""
    entries = []
    for number in range(count):
        authors = [Author(f"Nowak-{number}", "Anna"), Author(name="The Exosome Consortium")]
        if number % 3 == 0:
            places = (f"Lab {number}", 'Ünïversity — "Ward" \\ 2')
            authors.append(Author("Kim", "Lee", orcid="0000-0002-1825-0097", affiliations=places))
        record = WorkRecord(
            title=f"Study {number}: exosomes\tand\x00control\ncharacters 😀",
            abstract="" if number % 4 else f"Abstract {number}",
            year=None if number % 5 == 0 else 1990 + number % 30,
            doi=f"10.5555/entries.{number}" if number % 2 else "",
            pmid=str(30_000_000 + number) if number % 7 else "",
            authors=tuple(authors),
            subjects=("Oncology", f"S{number}") if number % 2 else (),
            keywords=(f"k{number}", "exosome") if number % 3 else (),
        )
        entries.append(BibEntry(record))
    ids = library.import_entries([(entries, ImportOptions(origin="test"))])[0].added
    for work_id in ids[::4]:
        library.tag_works("zeta", [work_id])
        library.tag_works("Alpha", [work_id])
    for work_id in ids[::6]:
        library.add_note(work_id, f"note of {work_id}")
        library.add_note(work_id, " \n")  # says nothing in a file
        library.add_note(work_id, "**second**")
    return ids


def test_entries_of_many_batches_are_the_works_in_the_order_asked(
    empty_library: Library,
) -> None:
    ids = _varied_works(empty_library, 2 * BATCH + 7)
    asked = ids[:]
    random.Random(5).shuffle(asked)
    asked.insert(BATCH, 10**9)  # unknown: left out

    entries = empty_library.entries_of(asked)

    assert list(entries) == [work_id for work_id in asked if work_id != 10**9]
    works = {work.id: work for work in empty_library.get_works(ids)}
    for work_id, entry in entries.items():
        assert entry.record == works[work_id].record
        assert entry.tags == tuple(sorted((tag.name for tag in works[work_id].tags), key=str.lower))
        notes = [note.body for note in empty_library.list_notes(work_id)]
        assert entry.notes == tuple(body for body in notes if body.strip())
    sample = entries[ids[0]]
    assert sample.tags == ("Alpha", "zeta") and sample.notes[1] == "**second**"
    assert sample.record.authors[2].affiliations == ("Lab 0", 'Ünïversity — "Ward" \\ 2')
    assert sample.record.title == "Study 0: exosomes\tand\x00control\ncharacters 😀"


def test_authors_and_affiliations_come_in_their_order_not_the_order_stored(
    empty_library: Library, library_path: Path
) -> None:
    places = ("First lab", "Second lab", "Third lab")
    record = WorkRecord(
        title="Order",
        authors=(Author("A", affiliations=places), Author("B"), Author("C")),
        keywords=("k1", "k2", "k3"),
    )
    work_id = empty_library.add_work(record, Source.USER)
    with sqlite3.connect(library_path) as raw:  # reversed positions, rows where they were
        for table, owner in (("authors", "work_id"), ("affiliations", "author_id"),
                             ("work_terms", "work_id")):  # fmt: skip
            raw.execute(f"UPDATE {table} SET position = position + 10")
            raw.execute(f"UPDATE {table} SET position = 20 - position")
            assert raw.execute(f"SELECT count(DISTINCT {owner}) FROM {table}").fetchone()[0] == 1
    raw.close()

    entry = empty_library.entries_of([work_id])[work_id]

    assert [author.family for author in entry.record.authors] == ["C", "B", "A"]
    assert entry.record.authors[2].affiliations == places[::-1]
    assert entry.record.keywords == ("k3", "k2", "k1")
    assert entry.record == empty_library.get_works([work_id])[0].record


def _statement_threads(library: Library, ids: list[int]) -> set[str]:
    """The threads the batch queries of ``read_entries`` ran on."""
    names: set[str] = set()
    with library.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        raw.set_trace_callback(  # type: ignore[union-attr]
            lambda sql: names.add(threading.current_thread().name) if "json_" in sql else None
        )
        try:
            assert len(read_entries(connection, ids)) == len(ids)
        finally:
            raw.set_trace_callback(None)  # type: ignore[union-attr]
    return names


def test_batches_are_queried_on_a_thread_of_their_own_when_there_are_several(
    empty_library: Library,
) -> None:
    ids = _varied_works(empty_library, BATCH + 1)
    assert _statement_threads(empty_library, ids) == {READER}
    # One batch has nothing to overlap with: no thread for a citation copied.
    assert _statement_threads(empty_library, ids[:3]) == {threading.current_thread().name}
    assert not _readers()


def _readers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == READER]


@pytest.mark.parametrize("bad", [0, 2 * BATCH + 3])
def test_a_batch_that_cannot_be_read_fails_the_read_with_the_librarys_error(
    empty_library: Library, library_path: Path, bad: int
) -> None:
    ids = _varied_works(empty_library, 3 * BATCH)
    with sqlite3.connect(library_path) as raw:  # written by another program: not UTF-8
        raw.execute("UPDATE works SET title = CAST(x'41ff42' AS TEXT) WHERE id = ?", (ids[bad],))
    raw.close()

    with pytest.raises(LibraryError, match="decode to UTF-8") as raised:
        empty_library.entries_of(ids)

    assert str(library_path) in str(raised.value)
    assert not _readers()
    with pytest.raises(LibraryError, match="decode to UTF-8"):  # one batch, read inline
        empty_library.entries_of(ids[bad : bad + 2])
    assert len(empty_library.entries_of(ids[bad + 1 : bad + 3])) == 2  # the others read
    empty_library.tag_works("after", ids[1:2])  # and nothing holds the library
    assert empty_library.entries_of(ids[1:2])[ids[1]].tags == ("after",)


def test_a_read_stopped_between_batches_stops_its_thread(empty_library: Library) -> None:
    ids = _varied_works(empty_library, 4 * BATCH)

    class Stop(Exception):
        pass

    handled: list[int] = []

    def progress(done: int) -> None:
        handled.append(done)
        raise Stop

    with pytest.raises(Stop):
        empty_library.entries_of(ids, progress)

    assert handled == [BATCH] and not _readers()
    empty_library.tag_works("after", ids[1:2])
    assert empty_library.entries_of(ids[1:2])[ids[1]].tags == ("after",)
