"""The batched import and key assignment: bounded statements, same decisions as one by one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from exodesk.core.entries import BibEntry
from exodesk.core.records import Author, WorkRecord
from exodesk.storage.importing import BATCH_RECORDS, ImportCancelled, ImportOptions
from exodesk.storage.library import Library

OPTIONS = ImportOptions(origin="big.ris")


def record(number: int, **fields: object) -> WorkRecord:
    values: dict[str, object] = {
        "title": f"Study number {number} of exosome biology",
        "year": 2000 + number % 20,
        "doi": f"10.5555/bulk.{number}",
        "authors": (Author(family=f"Family{number % 7}", given="A", affiliations=("Lab",)),),
        "keywords": ("one", "two"),
    }
    values.update(fields)
    return WorkRecord(**values)  # type: ignore[arg-type]


@contextmanager
def counted_statements(library: Library) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(library.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(library.engine, "before_cursor_execute", count)


def test_a_batch_costs_a_bounded_number_of_statements(empty_library: Library) -> None:
    """Statements grow with batches, not with records, authors or fields."""
    sizes = (BATCH_RECORDS, 4 * BATCH_RECORDS)
    counts = []
    for size in sizes:
        entries = [
            BibEntry(
                record(size * 10 + n), tags=("bulk",), notes=(f"note {n}",), key=f"k{size}x{n}"
            )
            for n in range(size)
        ]
        with counted_statements(empty_library) as statements:
            outcome = empty_library.import_entries([(entries, OPTIONS)])[0]
        assert len(outcome.added) == size
        counts.append(len(statements))
    batches = [size // BATCH_RECORDS for size in sizes]
    per_batch = (counts[1] - counts[0]) / (batches[1] - batches[0])
    assert per_batch <= 40, counts
    assert counts[1] < 60 * batches[1], counts


def test_duplicates_inside_one_file_merge_across_batches(empty_library: Library) -> None:
    first = [BibEntry(record(n), line=n) for n in range(BATCH_RECORDS + 10)]
    again = [
        BibEntry(record(n, doi=f"10.5555/BULK.{n}", volume="9", abstract="Later."), line=9000 + n)
        for n in (0, 3, BATCH_RECORDS + 5)
    ]
    by_title = BibEntry(record(7, doi="", title="STUDY NUMBER 7 OF EXOSOME BIOLOGY."), line=42)
    outcome = empty_library.import_entries([([*first, *again, by_title], OPTIONS)])[0]
    assert len(outcome.added) == BATCH_RECORDS + 10 and outcome.merged == []
    works = {w.record.doi.lower(): w for w in empty_library.get_works(outcome.added)}
    assert works["10.5555/bulk.3"].record.volume == "9"
    assert works[f"10.5555/bulk.{BATCH_RECORDS + 5}"].record.abstract == "Later."
    history = empty_library.merge_history(works["10.5555/bulk.7"].id)
    assert history == [("big.ris, line 42", "title", "")]
    assert empty_library.merge_history(works["10.5555/bulk.0"].id) == [
        ("big.ris, line 9000", "doi", "abstract,volume")
    ]
    authors = works["10.5555/bulk.1"].record.authors
    assert authors[0].affiliations == ("Lab",)


def test_cancel_in_a_later_batch_rolls_back_the_written_ones(library: Library) -> None:
    before = (library.sidebar_counts(), library.fts_rows())
    entries = [BibEntry(record(n), tags=("bulk",)) for n in range(3 * BATCH_RECORDS)]
    checks = []

    def cancel_late() -> bool:
        checks.append(1)
        return len(checks) * 200 > 2 * BATCH_RECORDS  # after two batches were written

    with pytest.raises(ImportCancelled):
        library.import_entries([(entries, OPTIONS)], should_cancel=cancel_late)
    assert (library.sidebar_counts(), library.fts_rows()) == before
    assert library.find_tag("bulk") is None


def test_keys_from_files_stay_unique_ignoring_case_across_batches(empty_library: Library) -> None:
    entries = [
        BibEntry(record(n), key="Shared" if n % 2 else "shared", line=n)
        for n in range(BATCH_RECORDS + 4)
    ]
    outcome = empty_library.import_entries([(entries, OPTIONS)])[0]
    with empty_library.engine.connect() as connection:
        keys = [
            key
            for (key,) in connection.exec_driver_sql(
                "SELECT citation_key FROM works WHERE citation_key IS NOT NULL"
            )
        ]
    assert keys == ["shared"] and len(outcome.added) == BATCH_RECORDS + 4


def test_assigned_keys_are_unique_and_distinct_from_stored_ones(empty_library: Library) -> None:
    stored = [BibEntry(record(n), key=key) for n, key in enumerate(("Smith2020", "smith2020B"))]
    rest = [BibEntry(record(n)) for n in range(2, 2 + 2 * BATCH_RECORDS + 3)]
    outcome = empty_library.import_entries([([*stored, *rest], OPTIONS)])[0]
    ids = outcome.added
    keys = empty_library.assign_citation_keys(ids, lambda _record: "smith2020")
    assert keys[ids[0]] == "Smith2020" and keys[ids[1]] == "smith2020B"
    lowered = [key.lower() for key in keys.values()]
    assert len(set(lowered)) == len(ids)
    assert keys[ids[2]] == "smith2020a" and keys[ids[3]] == "smith2020c"
    # Stored: a second call gives the same keys.
    assert empty_library.assign_citation_keys(ids, lambda _record: "other") == keys


def test_key_assignment_reads_in_batches(empty_library: Library) -> None:
    entries = [BibEntry(record(n)) for n in range(2 * BATCH_RECORDS)]
    ids = empty_library.import_entries([(entries, OPTIONS)])[0].added
    with counted_statements(empty_library) as statements:
        empty_library.assign_citation_keys(ids, lambda r: f"k{r.year}")
    assert len(statements) < 15 * 2, statements
