"""Works read as the entries an export writes: record, stored citation key, tag names, notes.

An export reads every field of tens of thousands of works, so it skips what only the
window needs (flags, times, provenance, tag colours): plain SQL per batch of works, one query
per table, rows as the driver's tuples, and each entry built once from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Connection

from exodesk.core.entries import BibEntry
from exodesk.core.records import WorkRecord
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


def read_entries(connection: Connection, work_ids: Sequence[int]) -> dict[int, BibEntry]:
    """The works as entries by id, in the order of ``work_ids`` (unknown ids are left out).

    ``BibEntry.key`` is the stored citation key, "" for a work that has none yet."""
    found: dict[int, BibEntry] = {}
    for chunk in chunks(work_ids):
        marks = placeholders(chunk)
        rows = fetch_all(connection, _SELECT_WORKS.format(marks=marks), chunk)
        terms = terms_of(connection, chunk)
        people = authors_of(connection, chunk)
        tag_names = _grouped(fetch_all(connection, _SELECT_TAG_NAMES.format(marks=marks), chunk))
        # Notes in the order they were written; blank ones say nothing in a file.
        notes = _grouped(
            [
                row
                for row in fetch_all(connection, _SELECT_NOTE_BODIES.format(marks=marks), chunk)
                if row[1].strip()
            ]
        )
        for work_id, key, *values in rows:
            record = WorkRecord(
                *values,  # type: ignore[misc]  # the scalars, in order (RECORD_SCALARS)
                authors=people.get(work_id, ()),
                subjects=terms.get((work_id, "subject"), ()),
                keywords=terms.get((work_id, "keyword"), ()),
            )
            found[work_id] = BibEntry(
                record, key or "", tag_names.get(work_id, ()), notes.get(work_id, ())
            )
    return {work_id: found[work_id] for work_id in work_ids if work_id in found}


def _grouped(rows: list[tuple[int, str]]) -> dict[int, tuple[str, ...]]:
    """(work id, text) rows, ordered by work, as each work's texts."""
    return {
        work_id: tuple([row[1] for row in group]) for work_id, group in groupby(rows, itemgetter(0))
    }
