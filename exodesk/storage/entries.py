"""Works read as the entries an export writes: record, stored citation key, tag names, notes.

An export reads every field of tens of thousands of works, so it skips what only the
window needs (flags, times, provenance, tag colours): plain SQL per batch of works, one query
per table, rows as the driver's tuples, and each entry built once from them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from exodesk.core.entries import BibEntry
from exodesk.core.records import Author, WorkRecord
from exodesk.storage.sql import chunks, fetch_all, placeholders
from exodesk.storage.works import RECORD_SCALARS, authors_of, terms_of

# The identifiers are NULL when unknown (for uniqueness) and "" in a record.
_COLUMNS = ", ".join(
    f"coalesce({name}, '')" if name in ("doi", "pmid", "pmcid") else name for name in RECORD_SCALARS
)
_SELECT_WORKS = f"SELECT id, citation_key, {_COLUMNS} FROM works WHERE id IN ({{marks}})"
_SELECT_TAG_NAMES = (
    "SELECT wt.work_id, t.name FROM work_tags wt JOIN tags t ON t.id = wt.tag_id "
    "WHERE wt.work_id IN ({marks}) ORDER BY wt.work_id, t.name"
)
_SELECT_NOTE_BODIES = (
    "SELECT work_id, body FROM notes WHERE work_id IN ({marks}) ORDER BY work_id, created_at, id"
)


@dataclass(frozen=True, slots=True)
class _BatchRows:
    """What the queries of one batch of works returned."""

    works: list[Any]
    terms: dict[tuple[int, str], tuple[str, ...]]
    authors: dict[int, tuple[Author, ...]]
    tag_names: dict[int, tuple[str, ...]]
    notes: dict[int, tuple[str, ...]]


def read_entries(
    connection: Connection,
    work_ids: Sequence[int],
    progress: Callable[[int], None] | None = None,
) -> dict[int, BibEntry]:
    """The works as entries by id, in the order of ``work_ids`` (unknown ids are left out).

    ``BibEntry.key`` is the stored citation key, "" for a work that has none yet.
    ``progress`` gets the number of ids handled after each batch, and may raise to stop."""
    found: dict[int, BibEntry] = {}
    handled = 0
    for chunk in chunks(work_ids):
        _build(_query(connection, chunk), found)
        handled += len(chunk)
        if progress is not None:
            progress(handled)
    return {work_id: found[work_id] for work_id in work_ids if work_id in found}


def _query(connection: Connection, chunk: list[int]) -> _BatchRows:
    marks = placeholders(chunk)
    return _BatchRows(
        fetch_all(connection, _SELECT_WORKS.format(marks=marks), chunk),
        terms_of(connection, chunk),
        authors_of(connection, chunk),
        _grouped(fetch_all(connection, _SELECT_TAG_NAMES.format(marks=marks), chunk)),
        # Notes in the order they were written; blank ones say nothing in a file.
        _grouped(
            [
                row
                for row in fetch_all(connection, _SELECT_NOTE_BODIES.format(marks=marks), chunk)
                if row[1].strip()
            ]
        ),
    )


def _build(rows: _BatchRows, found: dict[int, BibEntry]) -> None:
    terms, people, tag_names, notes = rows.terms, rows.authors, rows.tag_names, rows.notes
    for work_id, key, *values in rows.works:
        record = WorkRecord(
            *values,  # type: ignore[misc]  # the scalars, in order (RECORD_SCALARS)
            authors=people.get(work_id, ()),
            subjects=terms.get((work_id, "subject"), ()),
            keywords=terms.get((work_id, "keyword"), ()),
        )
        found[work_id] = BibEntry(
            record, key or "", tag_names.get(work_id, ()), notes.get(work_id, ())
        )


def _grouped(rows: list[tuple[int, str]]) -> dict[int, tuple[str, ...]]:
    """(work id, text) rows, ordered by work, as each work's texts."""
    return {
        work_id: tuple([row[1] for row in group]) for work_id, group in groupby(rows, itemgetter(0))
    }
