"""The table's queries use indexes: SQLite's plan shows no sort over all rows."""

from __future__ import annotations

import pytest

from exodesk.core.query import Scope, SortKey, WorkQuery
from exodesk.core.records import WorkRecord
from exodesk.storage import listing
from exodesk.storage.entries import read_entries
from exodesk.storage.library import Library

INDEXED_SORTS = list(SortKey)


def plan(library: Library, query: WorkQuery, limit: int | None = None) -> str:
    """SQLite's plan for exactly the statement the table runs."""
    with library.engine.connect() as connection:
        sql, params = listing.ordered_ids_statement(connection, query, limit)
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(row[3] for row in rows)


@pytest.fixture
def bigger(library: Library) -> Library:
    for number in range(300):
        library.add_work(WorkRecord(title=f"Filler {number}", year=1990 + number % 30,
                                    pmid=str(10_000_000 + number)))  # fmt: skip
    with library.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return library


@pytest.mark.parametrize("scope", [Scope.CITING, Scope.ALL, Scope.UNREAD])
@pytest.mark.parametrize("key", INDEXED_SORTS)
def test_sorting_walks_an_index(bigger: Library, scope: Scope, key: SortKey) -> None:
    for descending in (False, True):
        text = plan(bigger, WorkQuery(scope=scope, sort=key, descending=descending))
        assert "TEMP B-TREE" not in text, text
        assert "USING COVERING INDEX" in text or "USING INDEX" in text, text


def test_a_search_reads_the_full_text_index_once(bigger: Library) -> None:
    with bigger.engine.connect() as connection:
        plan_rows = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT rowid FROM works_fts WHERE works_fts MATCH ?", ("exo*",)
        )
        assert "VIRTUAL TABLE INDEX" in " | ".join(row[3] for row in plan_rows)
    text = plan(bigger, WorkQuery(text="exo cancer"))
    # The statement filters by the matches gathered once, not by a second index search.
    assert "search_hits" in text and "works_fts" not in text, text


def test_a_broad_search_walks_the_sort_index_and_stops(
    bigger: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Filler" matches all 300 added works; with the threshold below that, it is broad.
    monkeypatch.setattr(listing, "BROAD_SEARCH", 100)
    for key in INDEXED_SORTS:
        text = plan(bigger, WorkQuery(text="fill", sort=key), limit=1025)
        assert "TEMP B-TREE" not in text, text
        assert "USING COVERING INDEX" in text or "USING INDEX" in text, text
        assert "search_hits" in text, text


def test_a_narrow_search_starts_from_its_matches(
    bigger: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "BROAD_SEARCH", 1000)
    text = plan(bigger, WorkQuery(text="fill", sort=SortKey.TITLE), limit=1025)
    assert "SCAN w" not in text and "search_hits" in text, text  # from the 300 matches
    assert "TEMP B-TREE FOR ORDER BY" in text, text


def test_the_sidebar_counts_never_read_every_work(bigger: Library) -> None:
    with bigger.engine.connect() as connection:
        for name, sql in listing._COUNTS.items():
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
            text = " | ".join(row[3] for row in rows)
            for step in text.split(" | "):
                if step.startswith("SCAN w") or step.startswith("SCAN works"):
                    assert "COVERING INDEX" in step or "INDEX" in step, (name, text)
            if name == "unread":  # the reviews' works are found by id, not among the unread
                assert any(s.startswith("SEARCH w") and "rowid=?" in s for s in text.split(" | "))


def test_an_export_reads_only_the_rows_of_its_works(bigger: Library) -> None:
    ids = list(bigger.query_work_ids(WorkQuery(scope=Scope.EVERYTHING)))[:50]
    statements: list[str] = []
    with bigger.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        raw.set_trace_callback(statements.append)  # type: ignore[union-attr]
        try:
            read_entries(connection, ids)
        finally:
            raw.set_trace_callback(None)  # type: ignore[union-attr]
        reads = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
        assert len(reads) == 1  # one query per batch, every table in it
        steps = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {reads[0]}")]
    searched = {step.split()[1] for step in steps if step.startswith("SEARCH")}
    assert {"w", "authors", "f", "affiliations", "work_terms", "wt", "t", "notes"} <= searched
    # Each list is gathered by a subquery of the work's rows; a scan is only ever of those.
    subqueries = {step.removeprefix("CO-ROUTINE ") for step in steps if "CO-ROUTINE" in step}
    scans = [step.removeprefix("SCAN ") for step in steps if step.startswith("SCAN")]
    assert scans and set(scans) <= subqueries, steps


def test_title_candidates_are_read_from_the_index_by_year_author_and_length(
    bigger: Library,
) -> None:
    from exodesk.storage import bulk

    statements: list[str] = []
    with bigger.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        raw.set_trace_callback(statements.append)  # type: ignore[union-attr]
        try:
            bulk.title_candidates(connection, [(2000, "nowak", 40), (2001, "kim", 12)])
        finally:
            raw.set_trace_callback(None)  # type: ignore[union-attr]
        [sql] = [text for text in statements if "wanted" in text]
        steps = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    assert any(
        # COVERING: the title keys come from the index, no row of the table is read.
        "USING COVERING INDEX ix_works_title_candidates "
        "(year=? AND first_author_key=? AND <expr>>? AND <expr><?)" in step
        for step in steps
    ), steps
