"""Set-at-a-time SQL for imports: one statement per table and batch, not one per row.

Imports of 100,000 records cannot afford a statement per field or per author: these
helpers answer the lookups of a whole batch of records with one query each, and write the
rows of a batch with one ``executemany`` per table. They go through ``exec_driver_sql``
with plain tuples, so values must already be in their stored form (``sql_time`` for times,
0/1 for booleans), exactly as SQLAlchemy's column types would store them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from exodesk.core.matching import length_window
from exodesk.storage.sql import batches, placeholders

#: Columns of ``works`` written when an import adds a work, in this order.
WORK_INSERT_COLUMNS: tuple[str, ...] = (
    "id", "type", "title", "abstract", "container_title", "container_abbrev", "year", "date",
    "volume", "issue", "pages", "article_number", "publisher", "language", "doi", "doi_key",
    "pmid", "pmcid", "authors_display", "citation_key", "title_key", "first_author_key",
    "needs_metadata", "is_new", "is_read", "starred", "created_at", "updated_at",
)  # fmt: skip


def sql_time(stamp: datetime) -> str:
    """A time as SQLAlchemy's SQLite ``DateTime`` stores it (always with microseconds)."""
    return f"{stamp:%Y-%m-%d %H:%M:%S}.{stamp.microsecond:06d}"


def next_id(connection: Connection, table: str) -> int:
    """The id SQLite would give the next row of ``table`` (its rowid tables have no
    AUTOINCREMENT: max + 1); callers that insert with explicit ids know them beforehand."""
    found = connection.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar()
    return int(found or 0) + 1


def insert_many(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    verb: str = "INSERT",
) -> None:
    """One ``executemany`` of ``rows`` into ``table`` (nothing when there are none)."""
    if rows:
        sql = f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({placeholders(columns)})"
        connection.exec_driver_sql(sql, list(rows))


def execute_many(connection: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        connection.exec_driver_sql(sql, list(rows))


def identifier_owners(
    connection: Connection, doi_keys: Iterable[str], pmids: Iterable[str], pmcids: Iterable[str]
) -> dict[tuple[str, str], int]:
    """``{("doi", doi_key) | ("pmid", pmid) | ("pmcid", pmcid): work id}`` of the stored
    works holding any of these identifiers (each identifier is unique to one work)."""
    found: dict[tuple[str, str], int] = {}
    wanted = {"doi": set(doi_keys), "pmid": set(pmids), "pmcid": set(pmcids)}
    columns = {"doi": "doi_key", "pmid": "pmid", "pmcid": "pmcid"}
    for kind, values in wanted.items():
        for batch in batches(values):
            rows = connection.exec_driver_sql(
                f"SELECT id, {columns[kind]} FROM works "
                f"WHERE {columns[kind]} IN ({placeholders(batch)})",
                tuple(batch),
            )
            for work_id, value in rows:
                found[(kind, value)] = int(work_id)
    return found


def title_candidates(
    connection: Connection, wanted: Iterable[tuple[int, str, int]]
) -> dict[tuple[int, str, int], tuple[list[int], list[str]]]:
    """``{(year, first_author_key, length): (work ids, title keys)}``, the two lists in the
    same order (no particular one): the works of that year and first author whose title
    key could match one of that length (``matching.length_window``). Groups without any
    are left out.

    ``ix_works_title_candidates`` holds the title keys, so SQLite reads no table row; each
    group comes back as one row of two JSON arrays. A common family name gives a record
    hundreds of candidates in a large library, and handing them to Python a row each cost
    more than comparing them."""
    found: dict[tuple[int, str, int], tuple[list[int], list[str]]] = {}
    for batch in batches(dict.fromkeys(wanted)):
        values = ", ".join("(?, ?, ?, ?, ?)" for _ in batch)
        params = tuple(
            value
            for year, author, length in batch
            for value in (year, author, length, *length_window(length))
        )
        rows = connection.exec_driver_sql(
            f"WITH wanted(year, author, length, low, high) AS (VALUES {values}) "
            "SELECT year, author, length, (SELECT json_array(json_group_array(w.id), "
            "json_group_array(w.title_key)) FROM works w WHERE w.year = wanted.year "
            "AND w.first_author_key = wanted.author "
            "AND length(w.title_key) BETWEEN wanted.low AND wanted.high) FROM wanted",
            params,
        )
        for year, author, length, group in rows:
            ids, keys = json.loads(group)
            if ids:
                found[(year, author, length)] = (ids, keys)
    return found


def taken_keys(connection: Connection, lowered: Iterable[str]) -> set[str]:
    """Which of these lower-cased citation keys a stored work already has (ignoring case)."""
    found: set[str] = set()
    for batch in batches(set(lowered)):
        rows = connection.exec_driver_sql(
            "SELECT lower(citation_key) FROM works "
            f"WHERE lower(citation_key) IN ({placeholders(batch)})",
            tuple(batch),
        )
        found.update(key for (key,) in rows)
    return found


def existing_notes(connection: Connection, work_ids: Sequence[int]) -> dict[int, set[str]]:
    """The stripped bodies of the notes of these works."""
    found: dict[int, set[str]] = {}
    for batch in batches(work_ids):
        rows = connection.exec_driver_sql(
            f"SELECT work_id, body FROM notes WHERE work_id IN ({placeholders(batch)})",
            tuple(batch),
        )
        for work_id, body in rows:
            found.setdefault(work_id, set()).add(body.strip())
    return found
