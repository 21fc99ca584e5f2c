"""The benchmark generator (``benchmarks/``) is deterministic and stores works exactly as
exodesk's own storage layer does. Not a timing test: it only guards the benchmark data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from benchmarks.corpus import Corpus, search_queries
from benchmarks.generate import build_library
from exodesk.app import open_library
from exodesk.core.citekeys import CitationKeyGenerator
from exodesk.core.query import Scope, WorkQuery
from exodesk.core.records import Source, Work

COUNT = 40


def _comparable(work: Work) -> tuple[object, ...]:
    record = replace(work.record, source_line=None)
    return (record, work.is_read, work.starred, tuple(t.name for t in work.tags))


def _fts(rows: dict[int, tuple[str, ...]]) -> dict[int, tuple[object, ...]]:
    # title, authors, journal, abstract, keywords, notes: stored in the same order.
    return dict(rows)


def test_same_seed_same_works_and_queries() -> None:
    first = [w.record for w in Corpus(3).works(COUNT)]
    again = [w.record for w in Corpus(3).works(COUNT)]
    other = [w.record for w in Corpus(4).works(COUNT)]
    assert first == again
    assert first != other
    assert search_queries(3) == search_queries(3)
    assert len(search_queries(3)) == 50


def test_bulk_library_matches_the_storage_layer(tmp_path: Path) -> None:
    works = list(Corpus(3).works(COUNT))
    build_library(tmp_path / "bulk.sqlite", works, log=False)
    reference = open_library(tmp_path / "ref.sqlite")
    review = reference.tracked_review_id()
    assert review is not None
    for work in works:
        work_id = reference.add_work(work.record, Source.IMPORT)
        reference.add_citation(work_id, review, "import")
        reference.set_read([work_id], work.is_read)
        reference.set_starred([work_id], work.starred)
        for name in work.tags:
            reference.tag_works(name, [work_id])
        for body in work.notes:
            reference.add_note(work_id, body)
    bulk = open_library(tmp_path / "bulk.sqlite")
    try:
        query = WorkQuery(scope=Scope.CITING)
        ids = list(bulk.query_work_ids(query))
        assert ids == list(reference.query_work_ids(query))
        assert [_comparable(w) for w in bulk.get_works(ids)] == [
            _comparable(w) for w in reference.get_works(ids)
        ]
        assert bulk.fetch_rows(ids).keys() == reference.fetch_rows(ids).keys()
        assert {i: r.authors_display for i, r in bulk.fetch_rows(ids).items()} == {
            i: r.authors_display for i, r in reference.fetch_rows(ids).items()
        }
        # Tag ids (and so the order group_concat meets tags in) differ: compare as sets.
        assert _fts(bulk.fts_rows()) == _fts(reference.fts_rows())
        assert bulk.sidebar_counts() == reference.sidebar_counts()
        for work_id in ids[:5]:
            assert bulk.get_work(work_id).provenance == reference.get_work(work_id).provenance
        # Keys given by the generator, as 0011 gives them: what a first export would give.
        make_key = CitationKeyGenerator().make_key
        # (The seed's untitled works wait for their metadata, keyless.)
        titled = [work.id for work in reference.get_works(ids) if work.record.title]
        assert len(titled) == len(ids) - 2
        given = reference.assign_citation_keys(titled, make_key)
        with bulk.engine.connect() as connection:
            stored = dict(connection.exec_driver_sql("SELECT id, citation_key FROM works").all())
        assert {work_id: stored[work_id] for work_id in titled} == given
        assert len({key.lower() for key in given.values()}) == len(titled)
    finally:
        bulk.close()
        reference.close()


def test_new_record_files_hold_works_the_library_does_not(tmp_path: Path) -> None:
    from benchmarks import transfer

    path = tmp_path / "bulk.sqlite"
    build_library(path, list(Corpus(3).works(COUNT)), log=False)
    library = open_library(path)
    everything = WorkQuery(scope=Scope.EVERYTHING)
    before = list(library.query_work_ids(everything))
    library.close()
    files = [transfer.new_record_files(tmp_path, 3, COUNT, 10, run) for run in range(2)]
    assert files[0]["ris"] != files[1]["ris"]
    for files_of_run in files:
        for file in files_of_run.values():
            run = transfer.timed_import(path, file, remove_added=True)
            assert (run.added, run.merged, run.skipped) == (10, 0, 0), file
    library = open_library(path)
    try:
        assert list(library.query_work_ids(everything)) == before  # removed again
    finally:
        library.close()
    # Each run's works are others: together, they add all of theirs.
    library = open_library(path)
    try:
        from exodesk.importer import import_files

        report = import_files(library, [files[0]["ris"], files[1]["bibtex"]])
        assert (report.added, report.merged) == (20, 0)
    finally:
        library.close()
