"""Reading, inserting and merging works. Functions take an open connection; the caller
(``Library``) owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from exodesk.core.identifiers import doi_key, normalize_doi, normalize_pmcid, normalize_pmid
from exodesk.core.matching import name_key, title_key
from exodesk.core.records import (
    BIBLIOGRAPHIC_FIELDS,
    Author,
    Source,
    Work,
    WorkRecord,
    authors_display,
)
from exodesk.storage import provenance
from exodesk.storage.errors import ConflictError, NotFoundError
from exodesk.storage.schema import (
    affiliations,
    authors,
    work_terms,
    works,
)
from exodesk.storage.sql import chunks, fetch_all, inserted_id, placeholders
from exodesk.storage.tags import tags_of_works

#: Plain columns of ``works`` that map one-to-one onto ``WorkRecord`` fields.
SCALAR_FIELDS: tuple[str, ...] = tuple(
    name for name in BIBLIOGRAPHIC_FIELDS if name not in ("authors", "subjects", "keywords")
)
TERM_KINDS = {"subjects": "subject", "keywords": "keyword"}


def now() -> datetime:
    """Naive UTC: SQLite has no time zones, so every stored time is UTC by convention."""
    return datetime.now(UTC).replace(tzinfo=None)


def is_empty(value: Any) -> bool:
    """A field with nothing in it (merges fill only these)."""
    return value is None or value == "" or value == ()


def first_family(record: WorkRecord) -> str:
    """The first author's family name (or collective name), for duplicate detection."""
    if not record.authors:
        return ""
    first = record.authors[0]
    return first.family or first.name


def filled_fields(record: WorkRecord) -> list[str]:
    """The bibliographic fields this record has a value for."""
    return [name for name in BIBLIOGRAPHIC_FIELDS if not is_empty(getattr(record, name))]


def stored_terms(terms: Iterable[str]) -> tuple[str, ...]:
    """Subjects or keywords as they are stored: stripped, blanks and repeats left out."""
    return tuple(dict.fromkeys(t.strip() for t in terms if t.strip()))


def column_values(record: WorkRecord, keys: tuple[str, str] | None = None) -> dict[str, Any]:
    """The ``works`` columns a record fills; ``keys`` are its (title_key, first_author_key)
    when the caller has them already (folding text is not cheap)."""
    values: dict[str, Any] = {name: getattr(record, name) for name in SCALAR_FIELDS}
    if keys is None:
        keys = (title_key(record.title), name_key(first_family(record)))
    values["title_key"], values["first_author_key"] = keys
    values["doi"] = record.doi or None
    values["doi_key"] = doi_key(record.doi) if record.doi else None
    values["pmid"] = record.pmid or None
    values["pmcid"] = record.pmcid or None
    return values


def validated(record: WorkRecord) -> WorkRecord:
    """Normalise the identifiers of a record; raises InvalidIdentifier on a bad one."""
    doi = normalize_doi(record.doi) if record.doi else ""
    pmid = normalize_pmid(record.pmid) if record.pmid else ""
    pmcid = normalize_pmcid(record.pmcid) if record.pmcid else ""
    if (doi, pmid, pmcid) == (record.doi, record.pmid, record.pmcid):
        return record  # already normal, as readers leave them: no copy per record
    return replace(record, doi=doi, pmid=pmid, pmcid=pmcid)


def find_work_id(
    connection: Connection, *, doi: str = "", pmid: str = "", pmcid: str = ""
) -> int | None:
    """The stored work with one of these identifiers, tried in the order PMID, DOI, PMCID."""
    probes = [
        (works.c.pmid, pmid),
        (works.c.doi_key, doi_key(doi) if doi else ""),
        (works.c.pmcid, pmcid),
    ]
    for column, value in probes:
        if value:
            found = connection.execute(select(works.c.id).where(column == value)).scalar()
            if found is not None:
                return int(found)
    return None


def insert_work(connection: Connection, record: WorkRecord, source: Source) -> int:
    stamp = now()
    values = column_values(record)
    values.update(
        authors_display=authors_display(record.authors),
        needs_metadata=record.needs_metadata,
        created_at=stamp,
        updated_at=stamp,
    )
    work_id = inserted_id(connection.execute(insert(works).values(**values)))
    _write_authors(connection, work_id, record.authors)
    for field_name, kind in TERM_KINDS.items():
        _write_terms(connection, work_id, kind, getattr(record, field_name))
    filled = filled_fields(record)
    set_provenance(connection, work_id, filled, source, stamp)
    return work_id


def merge_into(
    connection: Connection, work_id: int, record: WorkRecord, source: Source
) -> list[str]:
    """Fill the stored work's empty fields from ``record``; return the fields filled.

    A field the user set is never touched, and a filled field is never overwritten here:
    merging only adds what was missing. Identifier fields are skipped when the value is
    already taken by another work, so a merge can never break uniqueness.
    """
    current = get_work(connection, work_id)
    filled: list[str] = []
    column_updates: dict[str, Any] = {}
    for name in BIBLIOGRAPHIC_FIELDS:
        new_value = getattr(record, name)
        if is_empty(new_value) or not is_empty(getattr(current.record, name)):
            continue
        if current.provenance.get(name) is Source.USER:
            continue
        if name in ("doi", "pmid", "pmcid") and find_work_id(connection, **{name: new_value}):
            continue
        filled.append(name)
        if name == "authors":
            _write_authors(connection, work_id, new_value)
            column_updates["authors_display"] = authors_display(new_value)
            column_updates["first_author_key"] = name_key(first_family(record))
        elif name in TERM_KINDS:
            _write_terms(connection, work_id, TERM_KINDS[name], new_value)
        else:
            column_updates.update(column_subset(column_values(record), name))
    if filled:
        stamp = now()
        if "title" in filled:
            column_updates["needs_metadata"] = False
        column_updates["updated_at"] = stamp
        connection.execute(update(works).where(works.c.id == work_id).values(**column_updates))
        set_provenance(connection, work_id, filled, source, stamp)
    return filled


def column_subset(values: dict[str, Any], name: str) -> dict[str, Any]:
    """The columns of ``values`` that store the field ``name``."""
    keys = {"doi": ("doi", "doi_key"), "title": ("title", "title_key")}.get(name, (name,))
    return {key: values[key] for key in keys}


def update_fields(
    connection: Connection, work_id: int, changes: Mapping[str, Any], source: Source
) -> None:
    """Set fields to new values (a user's edit); the fields are marked with ``source``."""
    unknown = set(changes) - set(BIBLIOGRAPHIC_FIELDS)
    if unknown:
        raise ValueError(f"not a bibliographic field: {', '.join(sorted(unknown))}")
    current = get_work(connection, work_id)
    record = validated(replace(current.record, **changes))
    for name in ("doi", "pmid", "pmcid"):
        other = find_work_id(connection, **{name: getattr(record, name)})
        if name in changes and getattr(record, name) and other not in (None, work_id):
            raise ConflictError(f"Another work (id {other}) already has this {name.upper()}.")
    stamp = now()
    values = column_values(record)
    values.update(
        authors_display=authors_display(record.authors),
        needs_metadata=record.needs_metadata,
        updated_at=stamp,
    )
    connection.execute(update(works).where(works.c.id == work_id).values(**values))
    if "authors" in changes:
        _write_authors(connection, work_id, record.authors)
    for field_name, kind in TERM_KINDS.items():
        if field_name in changes:
            _write_terms(connection, work_id, kind, getattr(record, field_name))
    set_provenance(connection, work_id, list(changes), source, stamp)


def _write_authors(connection: Connection, work_id: int, people: Iterable[Author]) -> None:
    connection.execute(delete(authors).where(authors.c.work_id == work_id))
    for position, person in enumerate(people):
        author_id = inserted_id(
            connection.execute(
                insert(authors).values(
                    work_id=work_id,
                    position=position,
                    family=person.family,
                    given=person.given,
                    name=person.name,
                    orcid=person.orcid,
                )
            )
        )
        if person.affiliations:
            connection.execute(
                insert(affiliations),
                [
                    {"author_id": author_id, "position": index, "text": text}
                    for index, text in enumerate(person.affiliations)
                ],
            )


def _write_terms(connection: Connection, work_id: int, kind: str, terms: Iterable[str]) -> None:
    connection.execute(
        delete(work_terms).where(work_terms.c.work_id == work_id, work_terms.c.kind == kind)
    )
    rows = [
        {"work_id": work_id, "kind": kind, "position": index, "term": term}
        for index, term in enumerate(stored_terms(terms))
    ]
    if rows:
        connection.execute(insert(work_terms), rows)


def set_provenance(
    connection: Connection,
    work_id: int,
    field_names: Iterable[str],
    source: Source,
    stamp: datetime,
) -> None:
    """Record ``source`` as the last setter of these fields (one record per work)."""
    provenance.mark(connection, work_id, field_names, source, stamp)


def get_work(connection: Connection, work_id: int) -> Work:
    found = get_works(connection, [work_id])
    if work_id not in found:
        raise NotFoundError(f"No work with id {work_id}.")
    return found[work_id]


def get_works(
    connection: Connection,
    work_ids: Iterable[int],
    *,
    with_provenance: bool = True,
    with_tags: bool = True,
) -> dict[int, Work]:
    """Whole works by id, a batch at a time: one query per table for 500 works, not
    several per work. Unknown ids are left out.

    Giving citation keys needs neither provenance nor tags: it leaves them out
    (``Work.provenance`` empty, ``Work.tags`` empty)."""
    result: dict[int, Work] = {}
    # Plain SQL and whole result sets at a time: SQLAlchemy's statement building and its
    # row-by-row fetching cost more than the rest of the read. Times come back as its
    # column type would give them.
    dialect = connection.dialect
    to_time = works.c.created_at.type.dialect_impl(dialect).result_processor(dialect, None)
    for chunk in chunks(work_ids):
        rows = fetch_all(connection, _SELECT_WORKS.format(marks=placeholders(chunk)), chunk)
        terms = terms_of(connection, chunk)
        people = authors_of(connection, chunk)
        provenance = _provenance_of(connection, chunk) if with_provenance else {}
        tag_map = tags_of_works(connection, chunk) if with_tags else {}
        for work_id, *values, is_read, starred, needs_metadata, created, updated, key in rows:
            # In WorkRecord's order: the identifiers come last and are "" when unknown
            # (NULL in the table, for uniqueness).
            values[-3:] = [value or "" for value in values[-3:]]
            record = WorkRecord(
                *values,  # type: ignore[misc]  # the scalars, in order (_SELECT_WORKS)
                authors=people.get(work_id, ()),
                subjects=terms.get((work_id, "subject"), ()),
                keywords=terms.get((work_id, "keyword"), ()),
            )
            result[work_id] = Work(
                work_id,
                record,
                bool(is_read),
                bool(starred),
                bool(needs_metadata),
                tag_map.get(work_id, ()),
                provenance.get(work_id, {}),
                to_time(created) if to_time is not None else created,
                to_time(updated) if to_time is not None else updated,
                key or "",
            )
    return result


#: The scalar fields of ``WorkRecord`` in the order it declares them (the identifiers
#: last), to build records from rows positionally.
RECORD_SCALARS = tuple(
    item.name for item in dataclass_fields(WorkRecord) if item.name in SCALAR_FIELDS
)
assert set(RECORD_SCALARS) == set(SCALAR_FIELDS)
assert RECORD_SCALARS[-3:] == ("doi", "pmid", "pmcid")
_SELECT_WORKS = (
    f"SELECT id, {', '.join(RECORD_SCALARS)}, is_read, starred, needs_metadata, "
    "created_at, updated_at, citation_key FROM works WHERE id IN ({marks})"
)


def terms_of(connection: Connection, chunk: list[int]) -> dict[tuple[int, str], tuple[str, ...]]:
    rows = fetch_all(
        connection,
        f"SELECT work_id, kind, term FROM work_terms WHERE work_id IN ({placeholders(chunk)}) "
        "ORDER BY work_id, kind, position",
        chunk,
    )
    # Rows come grouped: a group at a time costs less than a dict operation per row.
    return {
        work_kind: tuple([row[2] for row in group])
        for work_kind, group in groupby(rows, itemgetter(0, 1))
    }


def authors_of(connection: Connection, chunk: list[int]) -> dict[int, tuple[Author, ...]]:
    marks = placeholders(chunk)
    places: dict[int, list[str]] = {}
    for author_id, text in fetch_all(
        connection,
        # From the works' authors to their affiliations, whatever the statistics say: a
        # plan that starts from affiliations reads all of them for every batch.
        "SELECT f.author_id, f.text FROM authors a CROSS JOIN affiliations f "
        f"ON f.author_id = a.id WHERE a.work_id IN ({marks}) ORDER BY f.author_id, f.position",
        chunk,
    ):
        places.setdefault(author_id, []).append(text)
    rows = fetch_all(
        connection,
        "SELECT id, work_id, family, given, name, orcid FROM authors "
        f"WHERE work_id IN ({marks}) ORDER BY work_id, position",
        chunk,
    )
    if not places:  # most libraries: nobody has an affiliation
        return {
            work_id: tuple([Author(row[2], row[3], row[4], row[5]) for row in group])
            for work_id, group in groupby(rows, itemgetter(1))
        }
    return {
        work_id: tuple(
            [
                Author(family, given, name, orcid, tuple(places.get(author_id, ())))
                for author_id, _work, family, given, name, orcid in group
            ]
        )
        for work_id, group in groupby(rows, itemgetter(1))
    }


def _provenance_of(connection: Connection, chunk: list[int]) -> dict[int, dict[str, Source]]:
    return {
        work_id: provenance.sources(text)
        for work_id, text in provenance.read(connection, chunk).items()
    }


def set_flag(connection: Connection, work_ids: Iterable[int], column: str, value: bool) -> None:
    if column not in ("is_read", "starred"):
        raise ValueError(column)
    for chunk in chunks(work_ids):
        connection.execute(update(works).where(works.c.id.in_(chunk)).values({column: value}))
