"""Storing imported records: match each against the library, then add or merge it.

Runs inside the one transaction ``Library.import_entries`` opens, so an import changes the
library completely or not at all (a cancel or an error rolls everything back).

Records are decided one at a time, in file order, exactly as if each were written before
the next is read: a record can match a work an earlier record of the same file added or
filled. But the database is asked and written a batch (``BATCH_RECORDS``) at a time: the
lookups a batch needs (identifiers, title candidates, the state of the works it may merge
into, citation keys in use) are answered by one query each before the batch, what the
import itself has added or changed is kept in memory, and the rows the batch produced are
written by one ``executemany`` per table after it (see ``exodesk.storage.bulk``), their
full-text rows every few batches, from the values at hand (``fts.insert_rows``).

Every work an import adds gets its citation key: the file's when it has a usable one, else
one made from ``ImportOptions.key_pattern``, unique in the library. It goes into the work's
row with the rest, so an export never has to give keys to the works of an import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from exodesk.core.citekeys import DEFAULT_PATTERN, CitationKeyGenerator, sanitize_key
from exodesk.core.entries import BibEntry, Problem
from exodesk.core.identifiers import InvalidIdentifier, doi_key
from exodesk.core.matching import matches, name_key, title_key
from exodesk.core.records import BIBLIOGRAPHIC_FIELDS, Author, Source, WorkRecord
from exodesk.core.records import authors_display as display_of
from exodesk.storage import bulk, citekeys, fts, provenance, tags, works
from exodesk.storage.sql import placeholders

#: How often (in records) progress is reported and cancellation checked.
PROGRESS_EVERY = 200
#: Records decided between two visits to the database (one read, one write per table).
BATCH_RECORDS = 500
#: Works whose full-text rows are written together (see ``_Session.write_index``).
INDEX_EVERY = 10 * BATCH_RECORDS

_IDENTIFIERS = ("doi", "pmid", "pmcid")  # the order of find_match (and _Session._probes)


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
    #: Makes the citation keys of added works that bring none (``exodesk.core.citekeys``).
    key_pattern: str = DEFAULT_PATTERN


def find_match(connection: Connection, record: WorkRecord) -> tuple[int, str] | None:
    """The stored work this record is, and what matched: doi, pmid, pmcid or title."""
    for name in _IDENTIFIERS:
        value = getattr(record, name)
        if value:
            found = works.find_work_id(connection, **{name: value})
            if found is not None:
                return found, name
    family = works.first_family(record)
    key = title_key(record.title)
    if record.year is None or not family or not key:
        return None
    asked = (record.year, name_key(family), len(key))
    found = _first_matching_work(key, *bulk.title_candidates(connection, [asked]).get(asked, _NONE))
    return None if found is None else (found, "title")


_NONE: tuple[list[int], list[str]] = ([], [])


def _first_matching_work(key: str, work_ids: Sequence[int], keys: Sequence[str]) -> int | None:
    """The oldest (lowest id) of the works whose title key matches ``key``: the one an
    import merges into when several do, whatever order the candidates come in."""
    return min((work_ids[index] for index in matches(key, keys)), default=None)


def import_entries(
    connection: Connection,
    entries: Sequence[BibEntry],
    options: ImportOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ImportOutcome:
    session = _Session(connection, options)
    previous_cache = _enlarge_page_cache(connection)
    try:
        for number, entry in enumerate(entries, start=1):
            if number % PROGRESS_EVERY == 0:
                if should_cancel is not None and should_cancel():
                    raise ImportCancelled
                if progress is not None:
                    progress(number, len(entries))
            if (number - 1) % BATCH_RECORDS == 0:
                session.prepare(entries[number - 1 : number - 1 + BATCH_RECORDS])
            _import_one(connection, entry, options, session)
        session.finish()
    finally:
        session.release()
        if previous_cache is not None:
            connection.exec_driver_sql(f"PRAGMA cache_size = {previous_cache}")
    if progress is not None:
        progress(len(entries), len(entries))
    return session.outcome


#: The page cache an import may use (bytes). SQLite's default, 2 MB, is full after a few
#: hundred works; from then on it writes pages out to the log mid-transaction to make
#: room, and writes again those it changes after (index and full-text pages): with room
#: for a 5,000-record import, the import takes 4% less time, as measured.
IMPORT_PAGE_CACHE = 64 * 1024 * 1024


def _enlarge_page_cache(connection: Connection) -> int | None:
    """Give the connection's page cache IMPORT_PAGE_CACHE for the import; return the
    setting to restore (None when it was as large already). Dirty pages stay in memory
    until the commit writes them, whatever the setting is by then."""
    current = int(connection.exec_driver_sql("PRAGMA cache_size").scalar() or 0)
    page_size = int(connection.exec_driver_sql("PRAGMA page_size").scalar() or 4096)
    # A negative setting is in KiB, a positive one in pages.
    size = -current * 1024 if current < 0 else current * page_size
    if size >= IMPORT_PAGE_CACHE:
        return None
    connection.exec_driver_sql(f"PRAGMA cache_size = {-(IMPORT_PAGE_CACHE // 1024)}")
    return current


def _import_one(
    connection: Connection, entry: BibEntry, options: ImportOptions, session: _Session
) -> int | None:
    """Decide one record (add, merge or skip) against the library as the records before
    it left it; the session writes the decision with the rest of its batch."""
    outcome = session.outcome
    try:
        record = session.validated(entry)
    except InvalidIdentifier as error:
        outcome.skipped.append(Problem(entry.line, str(error)))
        return None
    if not (record.title or record.doi or record.pmid or record.pmcid):
        outcome.skipped.append(Problem(entry.line, "the record has no title and no identifier"))
        return None
    match = session.find_match(record)
    if match is None:
        work_id = session.add(record)
        outcome.added.append(work_id)
        session.added.add(work_id)
    else:
        work_id, matched_on = match
        filled = session.merge(work_id, record)
        session.remember_merge(work_id, entry, matched_on, filled)
        if work_id not in session.merged and work_id not in session.added:
            outcome.merged.append(work_id)
            session.merged.add(work_id)
    session.keep_key(work_id, entry.key)
    for name in entry.tags:
        session.tag(work_id, name)
    session.add_notes(work_id, entry.notes)
    if options.cites_review_id is not None and options.cites_review_id != work_id:
        session.cite_review(work_id, options.cites_review_id)
    return work_id


@dataclass(slots=True)
class _WorkState:
    """A work this batch may merge into: what is filled, and what is still to be written.

    For a work this batch adds (``new``), ``values`` is its whole row; for a stored work,
    the columns to update."""

    id: int
    new: bool
    filled: set[str]
    user_fields: set[str]
    citation_key: str | None
    #: (year, first_author_key, title_key): what title matching compares.
    title_index: tuple[int | None, str, str]
    values: dict[str, Any] = field(default_factory=dict)
    authors: tuple[Author, ...] | None = None  # to write, replacing the stored authors
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> to write
    provenance: dict[str, None] = field(default_factory=dict)  # fields to mark, in order
    #: A stored work's provenance record (``exodesk.storage.provenance``), as read.
    stored_provenance: str | None = None
    key_changed: bool = False
    notes: set[str] | None = None  # stripped bodies; None until needed
    #: A stored work whose indexed text (``works_fts``) this batch changed.
    text_changed: bool = False
    #: An added work's record, for its key when its file gives none (``_give_keys``).
    record: WorkRecord | None = None


@dataclass
class _Pending:
    """Rows the current batch still has to write, besides those of its work states."""

    merges: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    links: dict[tuple[int, int], None] = field(default_factory=dict)
    notes: list[tuple[int, str]] = field(default_factory=list)
    edges: dict[tuple[int, int], None] = field(default_factory=dict)


class _Session:
    """One file's import: in-memory matching and merging, batched reads and writes."""

    def __init__(self, connection: Connection, options: ImportOptions):
        self.connection = connection
        self.options = options
        self.outcome = ImportOutcome()
        self.added: set[int] = set()
        self.merged: set[int] = set()
        # What this import has stored so far (kept for the whole import): identifiers,
        # title-match keys of the works it added or changed, citation keys it gave.
        self._ids: dict[tuple[str, str], int] = {}
        self._titles: dict[int, tuple[int | None, str, str]] = {}
        self._by_year_author: dict[tuple[int | None, str], set[int]] = {}
        self._keys: set[str] = set()
        self._make_key = CitationKeyGenerator(options.key_pattern).make_key
        self._taken_keys = citekeys.TakenKeys()  # for the keys it gives
        self._tag_ids: dict[str, int] = {}
        # The database as it was when the batch began (cleared with every batch).
        self._db_ids: dict[tuple[str, str], int | None] = {}
        # By (year, first author, title key length): see ``bulk.title_candidates``.
        self._db_titles: dict[tuple[int, str, int], tuple[list[int], list[str]]] = {}
        # (year, first author, title key) -> (generation, work id or None): a batch asks
        # about each record twice (``prepare``, then ``find_match``), and the answer stands
        # until a work of this year and first author is added or changes (``_index``).
        self._title_matches: dict[tuple[int, str, str], tuple[int, int | None]] = {}
        self._title_generations: dict[tuple[int | None, str], int] = {}
        self._db_keys: dict[str, bool] = {}
        self._states: dict[int, _WorkState] = {}
        # Keyed by id() of the entry or record, holding it too: an id alone may be reused.
        self._validated: dict[int, tuple[BibEntry, WorkRecord | InvalidIdentifier]] = {}
        self._record_keys: dict[int, tuple[WorkRecord, tuple[str, str]]] = {}
        self._record_probes: dict[int, tuple[WorkRecord, list[tuple[str, str]]]] = {}
        self._pending = _Pending()
        # Full-text rows still to write: those of works this import added, built from their
        # values, and the ids of stored works whose indexed text changed (read back).
        self._index_rows: dict[int, fts.IndexRow] = {}
        self._reindex: set[int] = set()
        self._next_id = 0
        self._stamp = works.now()
        self._time = bulk.sql_time(self._stamp)

    # -- one batch: read what it needs -----------------------------------------------------
    def prepare(self, batch: Sequence[BibEntry]) -> None:
        """Write the previous batch, then look up everything ``batch`` may need at once."""
        self.flush()
        self._db_ids.clear()
        self._db_titles.clear()
        self._title_matches.clear()
        self._db_keys.clear()
        self._states.clear()
        self._validated.clear()
        self._record_keys.clear()
        self._record_probes.clear()
        self._stamp = works.now()
        self._time = bulk.sql_time(self._stamp)
        self._next_id = bulk.next_id(self.connection, "works")
        records: list[WorkRecord] = []
        for entry in batch:
            try:
                record = works.validated(entry.record)
            except InvalidIdentifier as error:
                self._validated[id(entry)] = (entry, error)
                continue
            self._validated[id(entry)] = (entry, record)
            records.append(record)
        # The works the batch's records are likely to merge into: named by an identifier,
        # or with a matching title. Any other is read when needed (``_state``).
        named = self._prefetch_identifiers(records)
        self._load_states(
            named + self._prefetch_titles(records), with_notes=any(entry.notes for entry in batch)
        )
        lowered = {sanitize_key(entry.key).lower() for entry in batch if entry.key}
        lowered.discard("")
        taken = bulk.taken_keys(self.connection, lowered)
        self._db_keys.update((key, key in taken) for key in lowered)

    def _probes(self, record: WorkRecord) -> list[tuple[str, str]]:
        """("doi", doi_key) / ("pmid", pmid) / ("pmcid", pmcid) of the record's identifiers,
        in ``_IDENTIFIERS`` order; computed once per record of the batch."""
        held = self._record_probes.get(id(record))
        if held is not None and held[0] is record:
            return held[1]
        doi, pmid, pmcid = record.doi, record.pmid, record.pmcid
        probes = []
        if doi:
            probes.append(("doi", doi_key(doi)))
        if pmid:
            probes.append(("pmid", pmid))
        if pmcid:
            probes.append(("pmcid", pmcid))
        self._record_probes[id(record)] = (record, probes)
        return probes

    def _prefetch_identifiers(self, records: list[WorkRecord]) -> list[int]:
        """Look up the records' identifiers; return the works holding any of them."""
        probes = {probe for record in records for probe in self._probes(record)}
        # What this import stored is known without asking (probe by probe: the import's
        # own identifiers can be many more than one batch asks about).
        wanted = {probe for probe in probes if probe not in self._ids}
        found = bulk.identifier_owners(
            self.connection,
            (value for kind, value in wanted if kind == "doi"),
            (value for kind, value in wanted if kind == "pmid"),
            (value for kind, value in wanted if kind == "pmcid"),
        )
        self._db_ids.update((probe, found.get(probe)) for probe in wanted)
        owners = (self._owner(probe) for probe in probes)
        return [work_id for work_id in owners if work_id is not None]

    def _prefetch_titles(self, records: list[WorkRecord]) -> list[int]:
        """Look up the title candidates of the records no identifier matches; return the
        candidates whose title matches one of them."""
        wanted = []
        for record in records:
            if any(self._owner(probe) is not None for probe in self._probes(record)):
                continue  # certain to match on an identifier
            key, author = self._keys_of(record)
            if record.year is not None and works.first_family(record) and key:
                wanted.append(((record.year, author, len(key)), key))
        found = bulk.title_candidates(self.connection, [asked for asked, _key in wanted])
        self._db_titles.update((asked, found.get(asked, _NONE)) for asked, _key in wanted)
        # The work each record would merge into (``find_match`` asks the same).
        merged = (self._title_match(year, author, key) for (year, author, _), key in wanted)
        return [work_id for work_id in merged if work_id is not None]

    def _owner(self, probe: tuple[str, str]) -> int | None:
        mine = self._ids.get(probe)
        return mine if mine is not None else self._db_ids.get(probe)

    def _load_states(self, work_ids: list[int], *, with_notes: bool) -> None:
        wanted = [work_id for work_id in dict.fromkeys(work_ids) if work_id not in self._states]
        for start in range(0, len(wanted), BATCH_RECORDS):
            chunk = wanted[start : start + BATCH_RECORDS]
            self._states.update(_stored_states(self.connection, chunk))
            if with_notes:
                bodies = bulk.existing_notes(self.connection, chunk)
                for work_id in chunk:
                    if work_id in self._states:
                        self._states[work_id].notes = bodies.get(work_id, set())

    def _state(self, work_id: int) -> _WorkState:
        state = self._states.get(work_id)
        if state is None:
            self._load_states([work_id], with_notes=False)
            state = self._states[work_id]
        return state

    # -- deciding, record by record --------------------------------------------------------
    def validated(self, entry: BibEntry) -> WorkRecord:
        held = self._validated.get(id(entry))
        found = held[1] if held is not None and held[0] is entry else works.validated(entry.record)
        if isinstance(found, InvalidIdentifier):
            raise found
        return found

    def _keys_of(self, record: WorkRecord) -> tuple[str, str]:
        """(title_key, first_author_key) of a record, computed once (folding is slow)."""
        held = self._record_keys.get(id(record))
        if held is not None and held[0] is record:
            return held[1]
        found = (title_key(record.title), name_key(works.first_family(record)))
        self._record_keys[id(record)] = (record, found)
        return found

    def find_work_id(self, kind: str, value: str) -> int | None:
        """The work holding this identifier, as ``works.find_work_id`` would answer now
        (a DOI given as its key, ``doi_key``, is the same DOI)."""
        probe = (kind, doi_key(value) if kind == "doi" else value)
        mine = self._ids.get(probe)
        if mine is not None:
            return mine
        if probe not in self._db_ids:
            self._db_ids[probe] = works.find_work_id(self.connection, **{kind: value})
        return self._db_ids[probe]

    def find_match(self, record: WorkRecord) -> tuple[int, str] | None:
        """What ``find_match`` would answer if every earlier record had been written."""
        for probe in self._probes(record):
            found = self._owner(probe)  # known from ``prepare``, or asked now
            if found is None and probe not in self._db_ids:
                found = self.find_work_id(*probe)
            if found is not None:
                return found, probe[0]
        key, author = self._keys_of(record)
        if record.year is None or not works.first_family(record) or not key:
            return None
        found = self._title_match(record.year, author, key)
        return None if found is None else (found, "title")

    def _title_match(self, year: int, author: str, key: str) -> int | None:
        """The work a record of this year, first author and title key merges into: the
        oldest whose title matches among the stored works of a near title length and this
        import's works (as it left them) of whatever length."""
        generation = self._title_generations.get((year, author), 0)
        held = self._title_matches.get((year, author, key))
        if held is not None and held[0] == generation:
            return held[1]
        asked = (year, author, len(key))
        stored = self._db_titles.get(asked)
        if stored is None:
            stored = bulk.title_candidates(self.connection, [asked]).get(asked, _NONE)
            self._db_titles[asked] = stored
        stored_ids, stored_keys = stored
        titles = self._titles
        # A stored work this import wrote or changed is compared as the import left it
        # (among its own below), whatever the database held when the batch began.
        found = [
            stored_ids[index]
            for index in matches(key, stored_keys)
            if stored_ids[index] not in titles
        ]
        mine = list(self._by_year_author.get((year, author), ()))
        if mine:
            found += [mine[index] for index in matches(key, [titles[w][2] for w in mine])]
        work_id = min(found, default=None)
        self._title_matches[(year, author, key)] = (generation, work_id)
        return work_id

    def _index(self, state: _WorkState) -> None:
        """Remember the identifiers and title keys of a work this import added or changed."""
        values = state.values
        for name in _IDENTIFIERS:
            if values.get(name):
                self._ids[(name, values["doi_key"] if name == "doi" else values[name])] = state.id
        year, author, key = state.title_index
        year = values.get("year", year)
        author = values.get("first_author_key", author)
        key = values.get("title_key", key)
        previous = self._titles.get(state.id)
        if previous is not None:
            self._by_year_author.get(previous[:2], set()).discard(state.id)
        # The title candidates of both its former and its present year and author change.
        generations = self._title_generations
        for group in {state.title_index[:2], (year, author)}:
            generations[group] = generations.get(group, 0) + 1
        state.title_index = self._titles[state.id] = (year, author, key)
        self._by_year_author.setdefault((year, author), set()).add(state.id)

    def add(self, record: WorkRecord) -> int:
        work_id = self._next_id
        self._next_id += 1
        values = works.column_values(record, self._keys_of(record))
        values["authors_display"] = display_of(record.authors)
        values["needs_metadata"] = record.needs_metadata
        values["created_at"] = values["updated_at"] = self._time
        filled = works.filled_fields(record)
        terms = {
            kind: works.stored_terms(given) if (given := getattr(record, name)) else ()
            for name, kind in _TERMS.items()
        }
        state = _WorkState(
            id=work_id,
            new=True,
            filled={name for name in filled if name not in _TERMS or terms[_TERMS[name]]},
            user_fields=set(),
            citation_key=None,
            title_index=(values["year"], values["first_author_key"], values["title_key"]),
            values=values,
            authors=record.authors,
            terms=terms,
            provenance=dict.fromkeys(filled),
            notes=set(),
            record=record,
        )
        self._states[work_id] = state
        self._index(state)
        return work_id

    def merge(self, work_id: int, record: WorkRecord) -> list[str]:
        """``works.merge_into`` on the work's state: fill the empty fields the user did
        not set, never an identifier another work holds; return the fields filled."""
        state = self._state(work_id)
        filled: list[str] = []
        updates: dict[str, Any] = {}
        values: dict[str, Any] | None = None
        for name in BIBLIOGRAPHIC_FIELDS:
            new_value = getattr(record, name)
            if works.is_empty(new_value) or name in state.filled or name in state.user_fields:
                continue
            if name in _IDENTIFIERS and self.find_work_id(name, new_value) is not None:
                continue
            filled.append(name)
            if name == "authors":
                state.authors = new_value
                updates["authors_display"] = display_of(new_value)
                updates["first_author_key"] = self._keys_of(record)[1]
                state.filled.add(name)
            elif name in _TERMS:
                state.terms[_TERMS[name]] = works.stored_terms(new_value)
                if state.terms[_TERMS[name]]:
                    state.filled.add(name)
            else:
                if values is None:
                    values = works.column_values(record, self._keys_of(record))
                updates.update(works.column_subset(values, name))
                state.filled.add(name)
        if filled:
            state.text_changed = state.text_changed or not _INDEXED.isdisjoint(filled)
            if "title" in filled:
                updates["needs_metadata"] = False
            updates["updated_at"] = self._time
            state.values.update(updates)
            state.provenance.update(dict.fromkeys(filled))
            self._index(state)
        return filled

    def remember_merge(
        self, work_id: int, entry: BibEntry, matched_on: str, filled: list[str]
    ) -> None:
        origin = self.options.origin
        origin = f"{origin}, line {entry.line}" if entry.line else origin
        self._pending.merges.append((work_id, self._time, origin, matched_on, ",".join(filled)))

    def keep_key(self, work_id: int, key: str) -> None:
        """Keep the file's citation key when the work has none and no other work uses it.

        Stored in the form exports write (``sanitize_key``), compared ignoring case as BibTeX
        does, so that a later export gives back exactly this key."""
        key = sanitize_key(key) if key else ""
        if not key:
            return
        state = self._state(work_id)
        if state.citation_key is None and not self._key_taken(key.lower()):
            state.citation_key = key
            state.key_changed = True
            self._keys.add(key.lower())

    def _key_taken(self, lowered: str) -> bool:
        if lowered in self._keys:
            return True
        if lowered not in self._db_keys:
            self._db_keys[lowered] = bool(bulk.taken_keys(self.connection, [lowered]))
        return self._db_keys[lowered]

    def tag(self, work_id: int, name: str) -> None:
        tag_id = self._tag_ids.get(name)
        if tag_id is None:
            tag_id = self._tag_ids[name] = tags.get_or_create_tag(self.connection, name).id
        self._pending.links[(work_id, tag_id)] = None

    def add_notes(self, work_id: int, bodies: Sequence[str]) -> None:
        if not bodies:
            return
        state = self._state(work_id)
        if state.notes is None:
            state.notes = bulk.existing_notes(self.connection, [work_id]).get(work_id, set())
        for body in bodies:
            if body.strip() and body.strip() not in state.notes:
                self._pending.notes.append((work_id, body))
                state.notes.add(body.strip())
                state.text_changed = True

    def cite_review(self, work_id: int, review_id: int) -> None:
        self._pending.edges[(work_id, review_id)] = None

    # -- one batch: write what it decided --------------------------------------------------
    def flush(self) -> None:
        """Write the batch's rows: one statement per table (and per set of columns)."""
        connection = self.connection
        origin = self.options.source
        source, time = origin.value, self._time
        states = sorted(self._states.values(), key=lambda state: state.id)
        added = [state for state in states if state.new]
        changed = [state for state in states if not state.new]
        self._give_keys(states)
        bulk.insert_many(
            connection,
            "works",
            bulk.WORK_INSERT_COLUMNS,
            [_work_row(state) for state in added],
        )
        _write_updates(connection, changed)
        _write_authors(connection, [s for s in states if s.authors is not None and s.authors])
        _write_terms(connection, states)
        # One provenance record per work: a new work's from its filled fields, a stored
        # work's as it was read, with the fields this batch filled moved to this import.
        record = provenance.group_writer(source, time)
        provenance.write(
            connection,
            [(s.id, record(list(s.provenance))) for s in added if s.provenance]
            + [
                (s.id, provenance.with_fields(s.stored_provenance, s.provenance, origin, time))
                for s in changed
                if s.provenance
            ],
        )
        pending = self._pending
        bulk.insert_many(
            connection,
            "work_tags",
            ("work_id", "tag_id"),
            list(pending.links),
            verb="INSERT OR IGNORE",
        )
        bulk.insert_many(
            connection,
            "notes",
            ("work_id", "body", "created_at", "updated_at"),
            [(work_id, body, self._time, self._time) for work_id, body in pending.notes],
        )
        bulk.insert_many(
            connection,
            "citations",
            ("citing_id", "cited_id", "first_seen"),
            [(citing, cited, self._time) for citing, cited in pending.edges],
            verb="INSERT OR IGNORE",  # an edge already known keeps its first sighting
        )
        bulk.insert_many(
            connection,
            "citation_sources",
            ("citing_id", "cited_id", "source", "first_seen"),
            [
                (citing, cited, self.options.edge_source, self._time)
                for citing, cited in pending.edges
            ],
            verb="INSERT OR IGNORE",
        )
        bulk.insert_many(
            connection,
            "work_merges",
            ("work_id", "merged_at", "origin", "matched_on", "filled"),
            pending.merges,
        )
        # The index: a merge that filled nothing indexed leaves its row alone.
        self._index_rows.update((row[0], row) for row in _index_rows(added, pending.notes))
        for state in changed:
            if state.text_changed:
                self._index_rows.pop(state.id, None)  # added by this import, changed since
                self._reindex.add(state.id)
        if len(self._index_rows) + len(self._reindex) >= INDEX_EVERY:
            self.write_index()
        self._pending = _Pending()
        # Written: the next batch reads back what it needs of these works.
        self._states.clear()

    def _give_keys(self, states: list[_WorkState]) -> None:
        """A key for each added work that kept none from its file: the first of its base
        key, then with "a", "b"... that no stored work, nor this import, holds."""
        bases = [
            (state, self._make_key(state.record))
            for state in states
            if state.record is not None and state.citation_key is None
        ]
        if not bases:
            return
        taken = self._taken_keys
        # What the library holds under these bases (earlier batches' keys included: they
        # are written), then the keys this batch kept from its file, not yet written.
        taken.add_prefixes(self.connection, {base.lower() for _state, base in bases})
        for state in states:
            if state.key_changed and state.citation_key is not None:
                taken.add(state.citation_key.lower())
        for state, base in bases:
            state.citation_key = taken.give(base)
            self._keys.add(state.citation_key.lower())

    def write_index(self) -> None:
        """Write the full-text rows gathered so far.

        Several batches at a time: FTS5 keeps new rows in memory until a later statement
        of the transaction makes it write them out as an index segment; indexed after
        every batch, the other tables' next statements pay for many small segments (and
        their merging), a fifth of the writing time of new works as measured."""
        fts.reindex(self.connection, sorted(self._reindex))
        fts.insert_rows(self.connection, list(self._index_rows.values()))
        self._reindex.clear()
        self._index_rows.clear()

    def finish(self) -> None:
        self.flush()
        self.write_index()

    def release(self) -> None:
        """Free what the import kept, a slice at a time (see ``_drain``)."""
        for kept in (
            self._ids, self._titles, self._by_year_author, self._keys, self._tag_ids,
            self._db_ids, self._db_titles, self._title_matches, self._title_generations,
            self._db_keys, self._states, self._validated, self._record_keys,
            self._record_probes, self.added, self.merged, self._index_rows, self._reindex,
        ):  # fmt: skip
            _drain(kept)
        self._taken_keys.release()
        self._pending = _Pending()


def _drain(kept: dict[Any, Any] | set[Any]) -> None:
    """Empty a large dict or set an item at a time: letting 100,000 entries go in one
    statement frees them all with the GIL held, and the window stalls meanwhile."""
    pop = kept.popitem if isinstance(kept, dict) else kept.pop
    for _ in range(len(kept)):
        pop()


_TERMS = works.TERM_KINDS
#: Fields whose text the full-text index holds (``fts._INSERT``).
_INDEXED = frozenset(
    {"title", "abstract", "container_title", "container_abbrev", "authors", *_TERMS}
)


def _index_rows(added: list[_WorkState], notes: list[tuple[int, str]]) -> list[fts.IndexRow]:
    """Index rows of the works this batch adds, as ``fts.reindex`` would read them back."""
    bodies: dict[int, list[str]] = {}
    for work_id, body in notes:  # in the order of their ids
        bodies.setdefault(work_id, []).append(body)
    rows = []
    for state in added:
        values, terms = state.values, state.terms
        rows.append(
            fts.index_row(
                state.id,
                title=values["title"],
                authors=[(a.given, a.family, a.name) for a in state.authors or ()],
                container_title=values["container_title"],
                container_abbrev=values["container_abbrev"],
                abstract=values["abstract"],
                # work_terms' key is (work_id, kind, position): "keyword" before "subject".
                terms=[*terms.get("keyword", ()), *terms.get("subject", ())],
                notes=bodies.get(state.id, ()),
            )
        )
    return rows


def _work_row(state: _WorkState) -> tuple[Any, ...]:
    # The new work's values, completed in place: the state is written, then dropped.
    row = state.values
    row["id"] = state.id
    row["citation_key"] = state.citation_key
    row["is_new"] = row["is_read"] = row["starred"] = 0
    row["needs_metadata"] = int(row["needs_metadata"])
    return _WORK_ROW(row)


_WORK_ROW = itemgetter(*bulk.WORK_INSERT_COLUMNS)


def _write_updates(connection: Connection, changed: list[_WorkState]) -> None:
    """UPDATEs of stored works, one ``executemany`` per set of columns."""
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for state in changed:
        values = dict(state.values)
        if state.key_changed:
            values["citation_key"] = state.citation_key
        if not values:
            continue
        if "needs_metadata" in values:
            values["needs_metadata"] = int(values["needs_metadata"])
        columns = tuple(sorted(values))
        groups.setdefault(columns, []).append((*(values[c] for c in columns), state.id))
    for columns, rows in groups.items():
        assignments = ", ".join(f"{column} = ?" for column in columns)
        bulk.execute_many(connection, f"UPDATE works SET {assignments} WHERE id = ?", rows)


def _write_authors(connection: Connection, states: list[_WorkState]) -> None:
    """Authors (with explicit ids, known before the insert) and their affiliations."""
    if not states:
        return
    replaced = [(state.id,) for state in states if not state.new]
    bulk.execute_many(connection, "DELETE FROM authors WHERE work_id = ?", replaced)
    author_id = bulk.next_id(connection, "authors")
    people: list[tuple[Any, ...]] = []
    places: list[tuple[int, int, str]] = []
    for state in states:
        work_id = state.id
        for position, person in enumerate(state.authors or ()):
            people.append(
                (author_id, work_id, position, person.family, person.given, person.name,
                 person.orcid)
            )  # fmt: skip
            if person.affiliations:  # most people have none
                places.extend(
                    (author_id, index, text) for index, text in enumerate(person.affiliations)
                )
            author_id += 1
    bulk.insert_many(
        connection,
        "authors",
        ("id", "work_id", "position", "family", "given", "name", "orcid"),
        people,
    )
    bulk.insert_many(connection, "affiliations", ("author_id", "position", "text"), places)


def _write_terms(connection: Connection, states: list[_WorkState]) -> None:
    replaced = [(state.id, kind) for state in states if not state.new for kind in state.terms]
    bulk.execute_many(connection, "DELETE FROM work_terms WHERE work_id = ? AND kind = ?", replaced)
    bulk.insert_many(
        connection,
        "work_terms",
        ("work_id", "kind", "position", "term"),
        [
            (state.id, kind, position, term)
            for state in states
            for kind, terms in state.terms.items()
            for position, term in enumerate(terms)
        ],
    )


_STATE_COLUMNS = (*works.SCALAR_FIELDS, "citation_key", "title_key", "first_author_key")


def _stored_states(connection: Connection, work_ids: list[int]) -> dict[int, _WorkState]:
    """What merging needs to know of stored works: filled fields, user-set fields, key."""
    if not work_ids:
        return {}
    marks = placeholders(work_ids)
    params = tuple(work_ids)
    with_authors = {
        work_id
        for (work_id,) in connection.exec_driver_sql(
            f"SELECT DISTINCT work_id FROM authors WHERE work_id IN ({marks})", params
        )
    }
    with_terms = set(
        connection.exec_driver_sql(
            f"SELECT DISTINCT work_id, kind FROM work_terms WHERE work_id IN ({marks})", params
        ).all()
    )
    records = provenance.read(connection, work_ids)
    found: dict[int, _WorkState] = {}
    rows = connection.exec_driver_sql(
        f"SELECT id, {', '.join(_STATE_COLUMNS)} FROM works WHERE id IN ({marks})", params
    )
    for work_id, *row in rows:
        values = dict(zip(_STATE_COLUMNS, row, strict=True))
        filled = {name for name in works.SCALAR_FIELDS if not works.is_empty(values[name])}
        if work_id in with_authors:
            filled.add("authors")
        filled.update(name for name, kind in _TERMS.items() if (work_id, kind) in with_terms)
        found[work_id] = _WorkState(
            id=work_id,
            new=False,
            filled=filled,
            user_fields=provenance.fields_of(records.get(work_id), Source.USER),
            citation_key=values["citation_key"],
            title_index=(values["year"], values["first_author_key"], values["title_key"]),
            stored_provenance=records.get(work_id),
        )
    return found


__all__ = [
    "BATCH_RECORDS",
    "PROGRESS_EVERY",
    "ImportCancelled",
    "ImportOptions",
    "ImportOutcome",
    "find_match",
    "import_entries",
]
