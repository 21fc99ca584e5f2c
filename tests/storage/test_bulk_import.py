"""The batched import and key assignment: bounded statements, same decisions as one by one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from exodesk.core.citekeys import first_free_key
from exodesk.core.entries import BibEntry
from exodesk.core.records import BIBLIOGRAPHIC_FIELDS, Author, WorkRecord
from exodesk.storage import provenance
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
    assert len(outcome.added) == BATCH_RECORDS + 4
    with empty_library.engine.connect() as connection:
        stored = dict(connection.exec_driver_sql("SELECT id, citation_key FROM works").fetchall())
    keys = [stored[work_id] for work_id in outcome.added]
    # The first keeps its file's key; the others, whose keys clash with it, get one from
    # the pattern, and no two keys are one ignoring case.
    assert keys[0] == "shared"
    assert all(keys) and len({key.lower() for key in keys}) == len(keys)
    assert not any(key.lower().startswith("shared") for key in keys[1:])


def test_added_works_get_keys_from_the_pattern_unique_in_the_library(
    empty_library: Library,
) -> None:
    # Stored before: a key that the pattern gives record 0 too, in other letters.
    empty_library.import_entries([([BibEntry(record(0), key="FAMILY02000")], OPTIONS)])
    numbers = range(1, 2 * BATCH_RECORDS + 3)  # three batches; each base comes back often
    entries = [BibEntry(record(number), line=number) for number in numbers]
    # A file key in the first batch that the pattern would give a later work of its base.
    entries.insert(5, BibEntry(record(9999, doi="10.5555/keyed"), key="Family32003A"))
    options = ImportOptions(origin="keys.ris", key_pattern="{auth}{year}")
    added = empty_library.import_entries([(entries, options)])[0].added
    keys = empty_library.assign_citation_keys(added, lambda _record: "never")
    # Each work the first free key of its base, in file order, next to the stored keys.
    used = {"family02000", "family32003a"}
    expected = []
    for entry in entries:
        if entry.key:
            expected.append(entry.key)
            continue
        number = entry.line or 0
        key, _next = first_free_key(f"family{number % 7}{2000 + number % 20}", used)
        used.add(key)
        expected.append(key)
    assert [keys[work_id] for work_id in added] == expected
    assert "family32003b" in expected and "family02000a" in expected


def _forget_keys(library: Library, work_ids: list[int]) -> None:
    """Works without keys, as a sync or an older exodesk left them (imports give keys)."""
    with library.engine.begin() as connection:
        connection.exec_driver_sql(
            f"UPDATE works SET citation_key = NULL WHERE id IN ({','.join('?' * len(work_ids))})",
            tuple(work_ids),
        )


def test_assigned_keys_are_unique_and_distinct_from_stored_ones(empty_library: Library) -> None:
    stored = [BibEntry(record(n), key=key) for n, key in enumerate(("Smith2020", "smith2020B"))]
    rest = [BibEntry(record(n)) for n in range(2, 2 + 2 * BATCH_RECORDS + 3)]
    outcome = empty_library.import_entries([([*stored, *rest], OPTIONS)])[0]
    ids = outcome.added
    _forget_keys(empty_library, ids[2:])
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
    _forget_keys(empty_library, ids)
    with counted_statements(empty_library) as statements:
        empty_library.assign_citation_keys(ids, lambda r: f"k{r.year}")
    assert len(statements) < 15 * 2, statements


def _rebuilt_index(library: Library) -> dict[int, tuple[str, ...]]:
    """The index as SQL builds it from the stored rows (``fts.rebuild_all``), rolled back."""
    from exodesk.storage import fts

    with library.engine.connect() as connection:
        transaction = connection.begin()
        fts.rebuild_all(connection)
        rows = {
            row[0]: tuple(row[1:])
            for row in connection.exec_driver_sql(
                "SELECT rowid, title, authors, journal, abstract, keywords, notes FROM works_fts"
            )
        }
        transaction.rollback()
    return rows


@pytest.mark.parametrize("index_every", [BATCH_RECORDS, 10 * BATCH_RECORDS])
def test_index_rows_written_from_values_equal_those_sql_builds(
    library: Library, monkeypatch: pytest.MonkeyPatch, index_every: int
) -> None:
    from exodesk.storage import importing

    monkeypatch.setattr(importing, "INDEX_EVERY", index_every)
    people = (
        Author(family="Stefańska", given="K", affiliations=("Lab",)),
        Author(name="World Health Organization"),
        Author(family="Solo"),
    )
    entries = [
        BibEntry(
            record(
                n,
                authors=people[n % 4 :],
                subjects=("Sub B", " ", "Sub A") if n % 2 else (),
                keywords=("kw", "kw", "other") if n % 4 else (),
                container_title="Journal" if n % 5 else "",
                container_abbrev="J." if n % 2 else "",
                abstract="Text." if n % 3 else "",
            ),
            notes=("first note", "  ", "second note") if n % 2 else (),
            line=n,
        )
        for n in range(BATCH_RECORDS + 20)
    ]
    # Later records merge into earlier ones: in the same batch and in a later one.
    later = [
        BibEntry(record(n, abstract="Filled later.", keywords=("late",)), notes=("late note",))
        for n in (0, 3, 5, BATCH_RECORDS + 2)
    ]
    nothing_new = [BibEntry(record(n)) for n in (1, 2)]
    library.import_entries([([*entries, *later, *nothing_new], OPTIONS)])
    stored = library.fts_rows()
    assert stored == _rebuilt_index(library)
    assert any(row[1] is None for row in stored.values())  # a work without authors
    assert any(row[4] and "; " in row[4] for row in stored.values())  # several terms
    assert any(row[5] and "late note" in row[5] for row in stored.values())


def test_a_merge_that_fills_nothing_indexed_leaves_the_index_row_alone(
    empty_library: Library,
) -> None:
    first = empty_library.import_entries([([BibEntry(record(1))], OPTIONS)])[0]
    with counted_statements(empty_library) as statements:
        again = empty_library.import_entries([([BibEntry(record(1, volume="3"))], OPTIONS)])[0]
    assert again.merged == first.added
    assert not [s for s in statements if "works_fts" in s]
    assert empty_library.fts_rows() == _rebuilt_index(empty_library)


def test_new_works_get_one_provenance_record_naming_each_filled_field(
    empty_library: Library,
) -> None:
    full = record(
        1,
        type="book",
        abstract="A.",
        container_title="J",
        container_abbrev="J.",
        date="2001-02",
        volume="1",
        issue="2",
        pages="3-4",
        article_number="e5",
        publisher="P",
        language="en",
        pmid="123",
        pmcid="PMC9",
        subjects=("s",),
    )
    sparse = record(2, keywords=(), authors=(), doi="")
    added = empty_library.import_entries([([BibEntry(full), BibEntry(sparse)], OPTIONS)])[0].added
    works = empty_library.get_works(added)
    assert set(works[0].provenance) == set(BIBLIOGRAPHIC_FIELDS)
    assert set(works[1].provenance) == {"type", "title", "year"}
    assert {source.value for work in works for source in work.provenance.values()} == {"import"}
    with empty_library.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT work_id, fields FROM work_provenance ORDER BY work_id"
        ).all()
    assert [work_id for work_id, _fields in rows] == added
    assert [len(provenance.decode(text)) for _work_id, text in rows] == [1, 1]


def test_a_leftover_index_row_of_a_new_id_is_replaced(empty_library: Library) -> None:
    with empty_library.engine.begin() as connection:
        next_id = connection.exec_driver_sql("SELECT coalesce(max(id), 0) + 1 FROM works").scalar()
        connection.exec_driver_sql(
            "INSERT INTO works_fts (rowid, title) VALUES (?, 'stale words')", (next_id,)
        )
    added = empty_library.import_entries([([BibEntry(record(1))], OPTIONS)])[0].added
    assert added == [next_id]
    assert empty_library.fts_rows() == _rebuilt_index(empty_library)
    assert "stale" not in str(empty_library.fts_rows())


def test_drain_empties_dicts_and_sets() -> None:
    from exodesk.storage.importing import _drain

    mapping = {n: str(n) for n in range(5000)}
    items = set(range(5000))
    _drain(mapping)
    _drain(items)
    assert mapping == {} and items == set()
