"""The queries behind the works table and the sidebar.

The table model asks two questions: "which work ids, in which order?" (``query_work_ids``,
one indexed query that returns plain integers) and "what do these 100 rows show?"
(``fetch_rows``). It never loads every work as an object, so a library of 100,000+ works
opens and sorts in the time SQLite needs to walk an index.

Every fragment of SQL built here comes from this module's own tables; user text only
ever travels as a bound parameter.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from exodesk.core.query import Scope, SortKey, WorkQuery
from exodesk.core.records import WorkRow
from exodesk.storage.fts import match_expression
from exodesk.storage.sql import placeholders
from exodesk.storage.tags import tags_of_works

# EXISTS (not IN) lets SQLite walk works in the order of the sort column's index and test
# each row against the citations primary key, instead of sorting every citing work.
_CITING = (
    "EXISTS (SELECT 1 FROM citations c WHERE c.citing_id = w.id "
    "AND c.cited_id IN (SELECT work_id FROM tracked_reviews))"
)
_NOT_REVIEW = "w.id NOT IN (SELECT work_id FROM tracked_reviews)"

_SCOPE_FILTERS: dict[Scope, str] = {
    Scope.CITING: _CITING,
    Scope.ALL: _NOT_REVIEW,
    Scope.UNREAD: f"{_NOT_REVIEW} AND w.is_read = 0",
    Scope.STARRED: f"{_NOT_REVIEW} AND w.starred = 1",
    Scope.NEEDS_METADATA: f"{_NOT_REVIEW} AND w.needs_metadata = 1",
    Scope.NEW: f"{_NOT_REVIEW} AND w.is_new = 1",
    # A tag shows every work carrying it, a tagged review included, so counts and rows agree.
    Scope.TAG: "w.id IN (SELECT work_id FROM work_tags WHERE tag_id = ?)",
    Scope.EVERYTHING: "1 = 1",
}

_SORT_EXPRESSIONS: dict[SortKey, str] = {
    SortKey.TITLE: "w.title",
    SortKey.AUTHORS: "w.authors_display",
    SortKey.JOURNAL: "w.container_abbrev",
    SortKey.YEAR: "w.year",
    SortKey.DOI: "w.doi_key",
    SortKey.PMID: "CAST(w.pmid AS INTEGER)",
    SortKey.TAGS: (
        "(SELECT min(t.name) FROM work_tags wt JOIN tags t ON t.id = wt.tag_id "
        "WHERE wt.work_id = w.id)"
    ),
    SortKey.READ: "w.is_read",
}


def _where(query: WorkQuery) -> tuple[str, list[object]]:
    clauses = [_SCOPE_FILTERS[query.scope]]
    params: list[object] = []
    if query.scope is Scope.TAG:
        params.append(query.tag_id if query.tag_id is not None else -1)
    match = match_expression(query.text)
    if match is not None:
        clauses.append("w.id IN (SELECT rowid FROM works_fts WHERE works_fts MATCH ?)")
        params.append(match)
    return " AND ".join(clauses), params


def query_work_ids(connection: Connection, query: WorkQuery) -> array[int]:
    """The ids of the works the query selects, in display order."""
    where, params = _where(query)
    direction = "DESC" if query.descending else "ASC"
    sql = (
        f"SELECT w.id FROM works w WHERE {where} "
        f"ORDER BY {_SORT_EXPRESSIONS[query.sort]} {direction}, w.id {direction}"
    )
    cursor = connection.exec_driver_sql(sql, tuple(params))
    return array("q", (row[0] for row in cursor))


def count_works(connection: Connection, query: WorkQuery) -> int:
    where, params = _where(query)
    sql = f"SELECT count(*) FROM works w WHERE {where}"
    return int(connection.exec_driver_sql(sql, tuple(params)).scalar_one())


_ROW_COLUMNS = (
    "id, title, authors_display, container_abbrev, container_title, year, doi, pmid, pmcid, "
    "is_read, starred, needs_metadata"
)


def fetch_rows(connection: Connection, work_ids: Sequence[int]) -> dict[int, WorkRow]:
    """What the table shows for these works (one query for works, one for their tags)."""
    ids = [int(i) for i in work_ids]
    if not ids:
        return {}
    marks = placeholders(ids)
    rows = connection.exec_driver_sql(
        f"SELECT {_ROW_COLUMNS} FROM works WHERE id IN ({marks})", tuple(ids)
    )
    tags = tags_of_works(connection, ids)
    result: dict[int, WorkRow] = {}
    for (
        work_id,
        title,
        authors,
        abbrev,
        container,
        year,
        doi,
        pmid,
        pmcid,
        is_read,
        starred,
        needs_metadata,
    ) in rows:
        result[work_id] = WorkRow(
            id=work_id,
            title=title,
            authors_display=authors,
            container=abbrev or container,
            year=year,
            doi=doi or "",
            pmid=pmid or "",
            pmcid=pmcid or "",
            is_read=bool(is_read),
            starred=bool(starred),
            needs_metadata=bool(needs_metadata),
            tags=tags.get(work_id, ()),
        )
    return result


@dataclass(frozen=True, slots=True)
class SidebarCounts:
    citing: int
    all: int
    unread: int
    starred: int
    needs_metadata: int
    new: int = 0


def sidebar_counts(connection: Connection) -> SidebarCounts:
    """All sidebar counts in two queries: one pass over works, one over the citation index.

    (Six separate counts would each scan every work; at a million works that is a second.)
    """
    totals = connection.exec_driver_sql(
        "SELECT count(*), coalesce(sum(is_read = 0), 0), coalesce(sum(starred = 1), 0), "
        "coalesce(sum(needs_metadata = 1), 0), coalesce(sum(is_new = 1), 0) "
        f"FROM works w WHERE {_NOT_REVIEW}"
    ).one()
    citing = connection.exec_driver_sql(
        "SELECT count(DISTINCT c.citing_id) FROM citations c "
        "JOIN tracked_reviews r ON r.work_id = c.cited_id"
    ).scalar_one()
    return SidebarCounts(
        citing=int(citing),
        all=int(totals[0]),
        unread=int(totals[1]),
        starred=int(totals[2]),
        needs_metadata=int(totals[3]),
        new=int(totals[4]),
    )


def citing_counts_by_year(connection: Connection, review_id: int) -> dict[int | None, int]:
    rows = connection.exec_driver_sql(
        "SELECT w.year, count(*) FROM works w JOIN citations c ON c.citing_id = w.id "
        "WHERE c.cited_id = ? GROUP BY w.year ORDER BY w.year",
        (review_id,),
    )
    return {year: n for year, n in rows}
