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
from exodesk.storage.fts import HITS_TABLE, collect_hits, text_filter
from exodesk.storage.sql import fetch_ids, placeholders
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
    SortKey.TAGS: "w.first_tag",
    SortKey.READ: "w.is_read",
}


#: A search matching more works than this is "broad": SQLite then walks the sort column's
#: index and tests each row against the matches, which finds the first screen of rows at
#: once; below it, starting from the matches and sorting them is cheaper.
BROAD_SEARCH = 5000


@dataclass(frozen=True, slots=True)
class _Where:
    sql: str  # with ``{id}`` for the work id operand
    params: tuple[object, ...]
    #: How many works the index part of the search matched (None: no index part).
    hits: int | None = None

    @property
    def broad(self) -> bool:
        return self.hits is None or self.hits > BROAD_SEARCH


def _where(connection: Connection, query: WorkQuery) -> _Where:
    clauses = [_SCOPE_FILTERS[query.scope]]
    params: list[object] = []
    if query.scope is Scope.TAG:
        params.append(query.tag_id if query.tag_id is not None else -1)
    found = text_filter(connection, query.text)
    if found is None:
        return _Where(" AND ".join(clauses), tuple(params))
    hits = None
    if found.index_expression is not None:
        hits = collect_hits(connection, found.index_expression)
        clauses.append(f"{{id}} IN {HITS_TABLE}")
    if found.tag_sql:
        clauses.append(found.tag_sql)
        params.extend(found.tag_params)
    return _Where(" AND ".join(clauses), tuple(params), hits)


def ordered_ids_statement(
    connection: Connection, query: WorkQuery, limit: int | None = None
) -> tuple[str, tuple[object, ...]]:
    """The SELECT (and its parameters) that lists the query's ids in display order.

    Runs the index part of a search first (``collect_hits``), so the statement is only
    valid on this connection, right after."""
    where = _where(connection, query)
    direction = "DESC" if query.descending else "ASC"
    if where.broad:
        # "+" keeps SQLite from starting at the matches: it walks the sort index instead.
        source, operand = "works w", "+w.id"
    else:  # a few thousand matches at most: start from them (CROSS JOIN fixes the order)
        source, operand = f"{HITS_TABLE} h CROSS JOIN works w ON w.id = h.id", "w.id"
    sql = (
        f"SELECT w.id FROM {source} WHERE {where.sql.format(id=operand)} "
        f"ORDER BY {_SORT_EXPRESSIONS[query.sort]} {direction}, w.id {direction}"
    )
    if limit is None:
        return sql, where.params
    return f"{sql} LIMIT ?", (*where.params, limit)


def _ordered_ids(connection: Connection, query: WorkQuery, limit: int | None) -> array[int]:
    return fetch_ids(connection, *ordered_ids_statement(connection, query, limit))


def query_work_ids(connection: Connection, query: WorkQuery) -> array[int]:
    """The ids of the works the query selects, in display order."""
    return _ordered_ids(connection, query, None)


@dataclass(frozen=True, slots=True)
class IdWindow:
    """The first ids of a query's result, and whether that is all of it."""

    ids: array[int]
    complete: bool


def first_work_ids(connection: Connection, query: WorkQuery, size: int) -> IdWindow:
    """The first ``size`` ids in display order: what the table needs to paint its first
    screen, in a few milliseconds even when the query selects a million works."""
    ids = _ordered_ids(connection, query, size + 1)
    if len(ids) <= size:
        return IdWindow(ids, True)
    return IdWindow(ids[:size], False)


def count_works(connection: Connection, query: WorkQuery) -> int:
    where = _where(connection, query)
    sql = f"SELECT count(*) FROM works w WHERE {where.sql.format(id='w.id')}"
    return int(connection.exec_driver_sql(sql, where.params).scalar_one())


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


#: Each sidebar count, as a query that reads an index range (``ix_works_<flag>``) or
#: SQLite's table count, never every row: they run on the GUI thread after every import or
#: sync. Tracked reviews are left out by subtracting them (there are one or a few).
_COUNTS = {
    "all": ("SELECT (SELECT count(*) FROM works) - (SELECT count(*) FROM tracked_reviews)"),
    # The reviews are looked up one by one (CROSS JOIN keeps that order): left to itself,
    # SQLite walked every unread work to find the few that are reviews (2 ms at 100,000).
    "unread": (
        "SELECT (SELECT count(*) FROM works WHERE is_read = 0) - (SELECT count(*) "
        "FROM tracked_reviews r CROSS JOIN works w ON w.id = r.work_id WHERE w.is_read = 0)"
    ),
    "starred": f"SELECT count(*) FROM works w WHERE w.starred = 1 AND {_NOT_REVIEW}",
    "needs_metadata": (
        f"SELECT count(*) FROM works w WHERE w.needs_metadata = 1 AND {_NOT_REVIEW}"
    ),
    "new": f"SELECT count(*) FROM works w WHERE w.is_new = 1 AND {_NOT_REVIEW}",
    # A work citing two tracked reviews has two edges: count it once. With one review
    # (the usual case) the edges are distinct already, and counting them is five times
    # quicker than DISTINCT.
    "citing": (
        "SELECT CASE WHEN (SELECT count(*) FROM tracked_reviews) <= 1 "
        "THEN (SELECT count(*) FROM citations c "
        "      WHERE c.cited_id IN (SELECT work_id FROM tracked_reviews)) "
        "ELSE (SELECT count(DISTINCT c.citing_id) FROM citations c "
        "      JOIN tracked_reviews r ON r.work_id = c.cited_id) END"
    ),
}


def sidebar_counts(connection: Connection) -> SidebarCounts:
    """Every sidebar count, each from an index: a few milliseconds at 100,000 works."""
    counts = {
        name: int(connection.exec_driver_sql(sql).scalar_one()) for name, sql in _COUNTS.items()
    }
    return SidebarCounts(**counts)


def citing_counts_by_year(connection: Connection, review_id: int) -> dict[int | None, int]:
    rows = connection.exec_driver_sql(
        "SELECT w.year, count(*) FROM works w JOIN citations c ON c.citing_id = w.id "
        "WHERE c.cited_id = ? GROUP BY w.year ORDER BY w.year",
        (review_id,),
    )
    return {year: n for year, n in rows}
