"""The table's queries use indexes: SQLite's plan shows no sort over all rows."""

from __future__ import annotations

import pytest

from exodesk.core.query import Scope, SortKey, WorkQuery
from exodesk.core.records import WorkRecord
from exodesk.storage.library import Library
from exodesk.storage.listing import _SORT_EXPRESSIONS, _where

#: Sorting by tags orders by a per-work subquery; no index can serve it.
INDEXED_SORTS = [key for key in SortKey if key is not SortKey.TAGS]


def plan(library: Library, query: WorkQuery) -> str:
    where, params = _where(query)
    direction = "DESC" if query.descending else "ASC"
    sql = (
        f"EXPLAIN QUERY PLAN SELECT w.id FROM works w WHERE {where} "
        f"ORDER BY {_SORT_EXPRESSIONS[query.sort]} {direction}, w.id {direction}"
    )
    with library.engine.connect() as connection:
        return " | ".join(row[3] for row in connection.exec_driver_sql(sql, tuple(params)))


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


def test_search_goes_through_the_full_text_index(bigger: Library) -> None:
    text = plan(bigger, WorkQuery(text="exo cancer"))
    assert "works_fts VIRTUAL TABLE INDEX" in text
    assert "SCAN works_fts" not in text.replace("SCAN works_fts VIRTUAL TABLE INDEX", "")
