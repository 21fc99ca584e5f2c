"""Storing imported records: match each against the library, then add or merge it.

Runs inside the one transaction ``Library.import_entries`` opens, so an import changes the
library completely or not at all (a cancel or an error rolls everything back).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, insert, select, update

from exodesk.core.citekeys import sanitize_key
from exodesk.core.entries import BibEntry, Problem
from exodesk.core.identifiers import InvalidIdentifier
from exodesk.core.matching import name_key, title_key, titles_match
from exodesk.core.records import Source, WorkRecord
from exodesk.storage import fts, notes, tags, works
from exodesk.storage.citations import add_citation_edge
from exodesk.storage.schema import work_merges
from exodesk.storage.schema import works as works_table

#: How often (in records) progress is reported and cancellation checked.
PROGRESS_EVERY = 200


class ImportCancelled(Exception):
    """The user cancelled; the transaction is rolled back and nothing is kept."""


@dataclass
class ImportOutcome:
    added: list[int] = field(default_factory=list)
    merged: list[int] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportOptions:
    origin: str  # shown in the merge history and messages, e.g. the file name
    cites_review_id: int | None = None  # add a citation edge to this work
    edge_source: str = "import"
    source: Source = Source.IMPORT


def find_match(connection: Connection, record: WorkRecord) -> tuple[int, str] | None:
    """The stored work this record is, and what matched: doi, pmid, pmcid or title."""
    for name in ("doi", "pmid", "pmcid"):
        value = getattr(record, name)
        if value:
            found = works.find_work_id(connection, **{name: value})
            if found is not None:
                return found, name
    family = record.authors[0].family or record.authors[0].name if record.authors else ""
    key = title_key(record.title)
    if record.year is None or not family or not key:
        return None
    candidates = connection.execute(
        select(works_table.c.id, works_table.c.title_key).where(
            works_table.c.year == record.year,
            works_table.c.first_author_key == name_key(family),
        )
    )
    for work_id, stored_key in candidates:
        if titles_match(key, stored_key):
            return int(work_id), "title"
    return None


def import_entries(
    connection: Connection,
    entries: Sequence[BibEntry],
    options: ImportOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ImportOutcome:
    outcome = ImportOutcome()
    touched: set[int] = set()
    for number, entry in enumerate(entries, start=1):
        if number % PROGRESS_EVERY == 0:
            if should_cancel is not None and should_cancel():
                raise ImportCancelled
            if progress is not None:
                progress(number, len(entries))
        work_id = _import_one(connection, entry, options, outcome)
        if work_id is not None:
            touched.add(work_id)
    fts.reindex(connection, touched)
    if progress is not None:
        progress(len(entries), len(entries))
    return outcome


def _import_one(
    connection: Connection, entry: BibEntry, options: ImportOptions, outcome: ImportOutcome
) -> int | None:
    try:
        record = works.validated(entry.record)
    except InvalidIdentifier as error:
        outcome.skipped.append(Problem(entry.line, str(error)))
        return None
    if not (record.title or record.doi or record.pmid or record.pmcid):
        outcome.skipped.append(Problem(entry.line, "the record has no title and no identifier"))
        return None
    match = find_match(connection, record)
    if match is None:
        work_id = works.insert_work(connection, record, options.source)
        outcome.added.append(work_id)
    else:
        work_id, matched_on = match
        filled = works.merge_into(connection, work_id, record, options.source)
        _remember_merge(connection, work_id, entry, options, matched_on, filled)
        if work_id not in outcome.merged and work_id not in outcome.added:
            outcome.merged.append(work_id)
    _keep_key(connection, work_id, entry.key)
    for name in entry.tags:
        tag = tags.get_or_create_tag(connection, name)
        tags.link(connection, tag.id, [work_id])
    _add_new_notes(connection, work_id, entry.notes)
    if options.cites_review_id is not None and options.cites_review_id != work_id:
        add_citation_edge(connection, work_id, options.cites_review_id, options.edge_source)
    return work_id


def _remember_merge(
    connection: Connection,
    work_id: int,
    entry: BibEntry,
    options: ImportOptions,
    matched_on: str,
    filled: list[str],
) -> None:
    origin = f"{options.origin}, line {entry.line}" if entry.line else options.origin
    connection.execute(
        insert(work_merges).values(
            work_id=work_id,
            merged_at=works.now(),
            origin=origin,
            matched_on=matched_on,
            filled=",".join(filled),
        )
    )


def _keep_key(connection: Connection, work_id: int, key: str) -> None:
    """Keep the file's citation key when the work has none and no other work uses it.

    Stored in the form exports write (``sanitize_key``), compared ignoring case as BibTeX
    does, so that a later export gives back exactly this key."""
    key = sanitize_key(key) if key else ""
    if not key:
        return
    current = connection.execute(
        select(works_table.c.citation_key).where(works_table.c.id == work_id)
    ).scalar()
    taken = connection.execute(
        select(works_table.c.id).where(func.lower(works_table.c.citation_key) == key.lower())
    ).first()
    if current is None and taken is None:
        connection.execute(
            update(works_table).where(works_table.c.id == work_id).values(citation_key=key)
        )


def _add_new_notes(connection: Connection, work_id: int, bodies: Sequence[str]) -> None:
    if not bodies:
        return
    existing = {note.body.strip() for note in notes.list_notes(connection, work_id)}
    for body in bodies:
        if body.strip() and body.strip() not in existing:
            notes.add_note(connection, work_id, body)
            existing.add(body.strip())
