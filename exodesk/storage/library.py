"""``Library``: the one object the rest of exodesk uses to read and write a library.

Every public method is one transaction. Writes run under BEGIN IMMEDIATE and re-index the
full-text rows of exactly the works they touched before committing, so a reader never
sees the index out of step. Errors of the environment (locked, read-only, damaged file)
come out as ``LibraryError`` subclasses with a message naming the file; the library is
left as it was, because the transaction is rolled back.
"""

from __future__ import annotations

import sqlite3
import threading
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, exc, insert, select

from exodesk.core.citekeys import DEFAULT_PATTERN, CitationKeyGenerator
from exodesk.core.entries import BibEntry
from exodesk.core.identifiers import InvalidIdentifier, parse_identifier
from exodesk.core.query import WorkQuery
from exodesk.core.records import Note, Source, Tag, Work, WorkRecord, WorkRow
from exodesk.storage import citekeys as citekeys_store
from exodesk.storage import fts, importing, listing, notes, sync_store, tags, works
from exodesk.storage.checkpoints import BackgroundCheckpoints
from exodesk.storage.citations import add_citation_edge
from exodesk.storage.engine import BUSY_TIMEOUT_MS, WRITE_OPTION, create_library_engine
from exodesk.storage.errors import (
    ConflictError,
    LibraryBusyError,
    LibraryError,
    NotALibraryError,
    NotFoundError,
    QueryCancelled,
    WriteBusyError,
)
from exodesk.storage.importing import ImportOptions, ImportOutcome
from exodesk.storage.listing import SidebarCounts
from exodesk.storage.migrate import UpgradeProgress, upgrade_library
from exodesk.storage.schema import citation_sources, tracked_reviews, work_merges
from exodesk.storage.schema import works as works_table
from exodesk.storage.sql import BATCH, chunks, placeholders


@dataclass(frozen=True, slots=True)
class UpsertResult:
    work_id: int
    created: bool
    filled: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CitingImport:
    review: UpsertResult
    citing: tuple[UpsertResult, ...]
    new_edges: int

    @property
    def added(self) -> int:
        return sum(result.created for result in self.citing)


@dataclass
class WriteTurn:
    """A thread's turn to write (``Library.write_turn``): whether its writes may wait for
    another program's lock, and how many transactions it has committed so far."""

    patient: bool = True
    committed: int = 0


class Library:
    """A library file (SQLite), migrated to the current schema on open."""

    def __init__(
        self, engine: Engine, path: Path | None, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> None:
        self.engine = engine
        self.path = path
        self.backup_path: Path | None = None
        # This process's writers take turns here before SQLite's lock: a window that must
        # not wait can ask whether an import or a sync is writing (see ``write_turn``).
        self._turn = threading.RLock()
        self._turn_timeout_s = busy_timeout_ms / 1000
        self._held = threading.local()  # .turn: the WriteTurn this thread holds, if any
        self._checkpoints = (
            None if path is None else BackgroundCheckpoints(path, busy_timeout_ms / 1000)
        )

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: Path,
        *,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        key_pattern: str = DEFAULT_PATTERN,
        upgrade_progress: UpgradeProgress | None = None,
    ) -> Library:
        """Open (and create, or upgrade) the library file at ``path``. An upgrade keys the
        works that have a title but no citation key with ``key_pattern`` (migration 0011),
        and tells ``upgrade_progress`` how its long steps go (``migrate.UpgradeProgress``)."""
        path = Path(path).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LibraryError(f"Cannot create the folder for {path}: {error}", path) from error
        _check_sqlite_header(path)
        engine = create_library_engine(path, busy_timeout_ms)
        library = cls(engine, path, busy_timeout_ms)
        try:
            with library._translated_errors():
                library.backup_path = upgrade_library(
                    engine, path, key_pattern=key_pattern, progress=upgrade_progress
                )
        except BaseException:
            engine.dispose()
            raise
        return library

    def close(self) -> None:
        self.wait_for_checkpoints()
        self.engine.dispose()

    def wait_for_checkpoints(self) -> None:
        """Until the checkpoints that big writes left to threads have run."""
        if self._checkpoints is not None:
            self._checkpoints.join()

    # -- transactions --------------------------------------------------------------------
    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        try:
            yield
        except exc.IntegrityError as error:
            raise ConflictError(f"The change breaks a rule of the library: {error.orig}") from error
        except exc.OperationalError as error:
            raise _environment_error(error, self.path) from error
        except exc.DatabaseError as error:
            if type(error.orig) is not sqlite3.DatabaseError:
                raise
            raise NotALibraryError(
                f"{self.path} is damaged or is not an exodesk library ({error.orig}).", self.path
            ) from error

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._translated_errors(), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def write_turn(self, *, wait: bool = True, forever: bool = False) -> Iterator[WriteTurn]:
        """This process's turn to write the library, held for every write inside (they
        take it again at no cost). Writes of other threads wait meanwhile: up to the busy
        timeout, or as long as it takes (``forever``), or not at all (``wait=False``).

        Without ``wait``, the writes inside do not wait for another program's lock either
        (SQLite's busy timeout is 0 for them): the window never waits. The turn counts the
        transactions committed inside it, so a caller can tell whether a failed change
        wrote nothing and may be tried again as a whole.

        Raises:
            WriteBusyError: ``wait`` is False and another thread of this process is
                writing (an import holds its turn until it ends), or another program holds
                the library's lock and nothing was written yet: the window queues its change.
            LibraryBusyError: the turn, or another program's lock, did not come within the
                busy timeout.
        """
        timeout = -1 if forever or not wait else self._turn_timeout_s
        if not self._turn.acquire(blocking=wait, timeout=timeout):
            if not wait:
                raise WriteBusyError("Another change to the library is being written.", self.path)
            raise LibraryBusyError(
                f"{self._name()} is busy with a long change (an import or a sync); try "
                "again when it has finished.",
                self.path,
            )
        held = self._held
        outer = getattr(held, "turn", None)
        turn = outer or WriteTurn(patient=wait)
        held.turn = turn
        try:
            yield turn
        except LibraryBusyError as error:
            if wait or turn.committed or isinstance(error, WriteBusyError) or outer is not None:
                raise
            raise WriteBusyError(str(error), self.path) from error
        finally:
            held.turn = outer
            self._turn.release()

    def _name(self) -> str:
        return self.path.name if self.path is not None else "The library"

    @contextmanager
    def _write(self, *, big: bool = False) -> Iterator[Connection]:
        """One write transaction, in this process's write turn (see ``write_turn``); a
        ``big`` one (an import, keys for many works) leaves the checkpoint its commit would
        run to a thread of its own (see ``storage.checkpoints``)."""
        with (
            self.write_turn() as turn,
            self._translated_errors(),
            self.engine.connect().execution_options(**{WRITE_OPTION: True}) as connection,
            self._impatience(connection, turn),
        ):
            deferred = (
                self._checkpoints.deferred_checkpoint(connection.connection.dbapi_connection)  # type: ignore[arg-type]
                if big and self._checkpoints is not None
                else nullcontext()
            )
            with deferred, connection.begin():
                yield connection
            turn.committed += 1

    @contextmanager
    def _impatience(self, connection: Connection, turn: WriteTurn) -> Iterator[None]:
        """No waiting for another program's lock in a turn that must not wait: SQLite's
        busy timeout is 0 for its transactions (set on the driver's connection, outside
        any transaction), and back to the library's afterwards."""
        if turn.patient or self.engine.dialect.name != "sqlite":
            yield
            return
        driver = connection.connection.dbapi_connection
        driver.execute("PRAGMA busy_timeout = 0")  # type: ignore[union-attr]
        try:
            yield
        finally:
            driver.execute(f"PRAGMA busy_timeout = {int(self._turn_timeout_s * 1000)}")  # type: ignore[union-attr]

    # -- works ---------------------------------------------------------------------------
    def is_empty(self) -> bool:
        with self._read() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM works").scalar_one() == 0

    def add_work(
        self,
        record: WorkRecord,
        source: Source = Source.USER,
        make_key: Callable[[WorkRecord], str] | None = None,
    ) -> int:
        """Add one work, keyed like any work added (``make_key``, else the default pattern)
        when it has a title."""
        with self._write() as connection:
            record = works.validated(record)
            work_id = works.insert_work(connection, record, source)
            fts.reindex(connection, [work_id])
            keys_of = make_key or CitationKeyGenerator().make_key
            citekeys_store.give_described_keys(connection, {work_id: record}, keys_of)
            return work_id

    def upsert_work(self, record: WorkRecord, source: Source) -> UpsertResult:
        """Add the work, or fill the empty fields of the stored work with its identifiers."""
        with self._write() as connection:
            return self._upsert(connection, works.validated(record), source)

    def _upsert(self, connection: Connection, record: WorkRecord, source: Source) -> UpsertResult:
        found = works.find_work_id(connection, doi=record.doi, pmid=record.pmid, pmcid=record.pmcid)
        if found is None:
            work_id = works.insert_work(connection, record, source)
            fts.reindex(connection, [work_id])
            return UpsertResult(work_id, created=True)
        filled = works.merge_into(connection, found, record, source)
        if filled:
            fts.reindex(connection, [found])
        return UpsertResult(found, created=False, filled=tuple(filled))

    def get_work(self, work_id: int) -> Work:
        with self._read() as connection:
            return works.get_work(connection, work_id)

    def update_fields(
        self, work_id: int, changes: Mapping[str, Any], source: Source = Source.USER
    ) -> None:
        with self._write() as connection:
            works.update_fields(connection, work_id, changes, source)
            fts.reindex(connection, [work_id])

    def find_work_id(self, *, doi: str = "", pmid: str = "", pmcid: str = "") -> int | None:
        with self._read() as connection:
            return works.find_work_id(connection, doi=doi, pmid=pmid, pmcid=pmcid)

    def resolve_item(self, item: str) -> int:
        """A work named by its id, DOI, PMID or PMCID (as typed on the command line).

        Plain digits are tried as a PMID first, then as an id; ``id:N`` or ``#N`` always
        means the id. Raises NotFoundError with the item in the message.
        """
        text = item.strip()
        explicit = text.removeprefix("id:").removeprefix("#")
        if explicit != text and explicit.isdigit():
            return self._existing_id(int(explicit), item)
        try:
            kind, value = parse_identifier(text)
        except InvalidIdentifier:
            raise NotFoundError(f"{item!r} is not a work id, DOI, PMID or PMCID.") from None
        found = self.find_work_id(**{kind: value})
        if found is not None:
            return found
        if kind == "pmid":
            return self._existing_id(int(value), item)
        raise NotFoundError(f"No work in the library has the {kind.upper()} {value}.")

    def _existing_id(self, work_id: int, item: str) -> int:
        with self._read() as connection:
            exists = connection.exec_driver_sql(
                "SELECT 1 FROM works WHERE id = ?", (work_id,)
            ).first()
        if exists is None:
            raise NotFoundError(f"No work in the library matches {item!r}.")
        return work_id

    def set_read(self, work_ids: Sequence[int], value: bool = True) -> None:
        with self._write() as connection:
            works.set_flag(connection, work_ids, "is_read", value)

    def set_starred(self, work_ids: Sequence[int], value: bool = True) -> None:
        with self._write() as connection:
            works.set_flag(connection, work_ids, "starred", value)

    def get_works(self, work_ids: Sequence[int]) -> list[Work]:
        """Several works in the order given (unknown ids are left out). Exports read
        ``entries_of`` instead."""
        with self._read() as connection:
            found = works.get_works(connection, work_ids)
            return [found[work_id] for work_id in work_ids if work_id in found]

    # -- importing -------------------------------------------------------------------------
    def import_entries(
        self,
        batches: Sequence[tuple[Sequence[BibEntry], ImportOptions]],
        *,
        progress: Callable[[int, int], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[ImportOutcome]:
        """Add or merge every batch of entries (one per file) in ONE transaction: all of
        them, or (on an error or ImportCancelled) none. Returns an outcome per batch."""
        total = sum(len(entries) for entries, _options in batches)
        done = 0

        def overall(count: int, _of: int) -> None:
            if progress is not None:
                progress(done + count, total)

        with self._write(big=True) as connection:
            outcomes = []
            for entries, options in batches:
                outcomes.append(
                    importing.import_entries(
                        connection,
                        entries,
                        options,
                        progress=overall,
                        should_cancel=should_cancel,
                    )
                )
                done += len(entries)
            return outcomes

    def assign_citation_keys(
        self,
        work_ids: Sequence[int],
        make_key: Callable[[WorkRecord], str],
        *,
        records: Mapping[int, WorkRecord] | None = None,
    ) -> dict[int, str]:
        """The citation key of each work, giving the works that have none a new, unique key.

        Keys are stored, so every later export uses the same key for the same work.
        ``records``: the works' records when the caller has read them already (an export
        that found them keyless), so that they are not read again.
        """
        keys: dict[int, str] = {}
        if records is None or not all(work_id in records for work_id in work_ids):
            # Most exports find every key stored: a read, which never waits for the write
            # lock an import or a sync may hold. (An export that read the records has
            # seen their keys: it asks only about keyless works.)
            with self._read() as connection:
                keys = citekeys_store.stored_keys(connection, work_ids)
            if all(work_id in keys for work_id in work_ids):
                return keys
        # Keys for a batch of works and more (a first export) rewrite that many rows: the
        # checkpoint after it is left to a thread, as after an import.
        with self._write(big=len(work_ids) - len(keys) > BATCH) as connection:
            return citekeys_store.assign_keys(connection, work_ids, make_key, records or {})

    def entries_of(
        self, work_ids: Sequence[int], progress: Callable[[int], None] | None = None
    ) -> dict[int, BibEntry]:
        """The works as an export writes them (record, stored citation key or "", tag names,
        note bodies) by id, in the order given; unknown ids are left out. All read in one
        transaction; ``progress`` gets how many ids are handled, now and then."""
        from exodesk.storage.entries import read_entries

        with self._read() as connection:
            return read_entries(connection, work_ids, progress)

    def merge_history(self, work_id: int) -> list[tuple[str, str, str]]:
        """(origin, matched_on, fields filled) for each record merged into the work."""
        with self._read() as connection:
            rows = connection.execute(
                select(work_merges.c.origin, work_merges.c.matched_on, work_merges.c.filled)
                .where(work_merges.c.work_id == work_id)
                .order_by(work_merges.c.id)
            )
            return [(origin, matched, filled) for origin, matched, filled in rows]

    # -- sync ----------------------------------------------------------------------------
    def sync_targets(self) -> list[tuple[int, str, str]]:
        """(id, DOI, PMID) of every work a service can be asked about."""
        with self._read() as connection:
            return sync_store.works_with_identifiers(connection)

    def merge_upstream(
        self,
        work_id: int,
        planner: Callable[[Work], tuple[dict[str, Any], dict[str, Any]]],
        service: str,
        make_key: Callable[[WorkRecord], str] | None = None,
    ) -> list[str]:
        """Read the work, let ``planner`` decide (updates, suggestions), write them: one
        transaction per work, so a crash or cancel leaves it as it was or fully updated.
        A work that now has a title but no citation key gets one from ``make_key``.
        Returns the fields changed."""
        with self._write() as connection:
            work = works.get_work(connection, work_id)
            updates, suggestions = planner(work)
            changed = sync_store.apply_updates(connection, work_id, updates, suggestions, service)
            sync_store.set_state(connection, work_id, service, "ok")
            if changed and make_key is not None:
                citekeys_store.give_key_if_described(connection, work_id, make_key)
            return changed

    def add_citing_work(
        self,
        review_id: int,
        record: WorkRecord,
        service: str,
        make_key: Callable[[WorkRecord], str] | None = None,
    ) -> tuple[int, bool]:
        """A work a service says cites the review: matched or added (marked new), with the
        citation edge recording the service. An added work with a title gets its citation
        key from ``make_key``. Returns (work id, created)."""
        with self._write() as connection:
            record = works.validated(record)
            match = importing.find_match(connection, record)
            if match is None:
                work_id = works.insert_work(connection, record, Source.SYNC)
                sync_store.set_new(connection, [work_id], True)
                fts.reindex(connection, [work_id])
                if make_key is not None:
                    citekeys_store.give_described_keys(connection, {work_id: record}, make_key)
                created = True
            else:
                work_id, created = match[0], False
            if work_id != review_id:
                add_citation_edge(connection, work_id, review_id, service)
            return work_id, created

    def set_sync_state(self, work_id: int, service: str, status: str) -> None:
        with self._write() as connection:
            sync_store.set_state(connection, work_id, service, status)

    def sync_state(self, work_id: int) -> dict[str, str]:
        with self._read() as connection:
            return sync_store.get_state(connection, work_id)

    def suggestions(self, work_id: int) -> dict[str, tuple[Any, str]]:
        """field -> (upstream value, service) for fields where a service disagrees with you."""
        with self._read() as connection:
            return sync_store.list_suggestions(connection, work_id)

    def accept_suggestion(self, work_id: int, field: str) -> None:
        with self._write() as connection:
            sync_store.accept_suggestion(connection, work_id, field)

    def dismiss_suggestion(self, work_id: int, field: str) -> None:
        with self._write() as connection:
            sync_store.dismiss_suggestion(connection, work_id, field)

    def clear_new_flags(self) -> None:
        with self._write() as connection:
            sync_store.set_new(connection, None, False)

    def start_sync_run(self) -> int:
        with self._write() as connection:
            return sync_store.start_run(connection)

    def finish_sync_run(self, run_id: int, status: str, report: dict[str, Any]) -> None:
        with self._write() as connection:
            sync_store.finish_run(connection, run_id, status, report)

    def sync_runs(self, limit: int = 50) -> list[dict[str, Any]]:
        with self._read() as connection:
            return sync_store.list_runs(connection, limit)

    # -- reviews and citations -----------------------------------------------------------
    def tracked_review_id(self) -> int | None:
        with self._read() as connection:
            return connection.execute(
                select(tracked_reviews.c.work_id).order_by(tracked_reviews.c.added_at).limit(1)
            ).scalar()

    def track_review(self, work_id: int) -> None:
        with self._write() as connection:
            known = connection.execute(
                select(tracked_reviews.c.work_id).where(tracked_reviews.c.work_id == work_id)
            ).first()
            if known is None:
                connection.execute(
                    insert(tracked_reviews).values(work_id=work_id, added_at=works.now())
                )

    def add_citation(self, citing_id: int, cited_id: int, source: str) -> bool:
        """Record that ``citing_id`` cites ``cited_id`` as reported by ``source``.

        Returns True when the edge is new. Reporting a known edge again only adds the source.
        """
        with self._write() as connection:
            return add_citation_edge(connection, citing_id, cited_id, source)

    def add_review_with_citing(
        self,
        review: WorkRecord,
        citing: Sequence[WorkRecord],
        source: Source,
        edge_source: str,
        make_key: Callable[[WorkRecord], str] | None = None,
    ) -> CitingImport:
        """Store a review and the works citing it in one transaction, matching known works.

        The review becomes tracked; each citing work gets an edge reported by
        ``edge_source``. Reading the same data again adds nothing twice. Works with a title
        and no citation key get one from ``make_key``.
        """
        with self._write() as connection:
            review_result = self._upsert(connection, works.validated(review), source)
            if (
                connection.execute(
                    select(tracked_reviews.c.work_id).where(
                        tracked_reviews.c.work_id == review_result.work_id
                    )
                ).first()
                is None
            ):
                connection.execute(
                    insert(tracked_reviews).values(
                        work_id=review_result.work_id, added_at=works.now()
                    )
                )
            results = []
            new_edges = 0
            for record in citing:
                result = self._upsert(connection, works.validated(record), source)
                results.append(result)
                new_edges += add_citation_edge(
                    connection, result.work_id, review_result.work_id, edge_source
                )
            if make_key is not None:
                ids = [review_result.work_id, *(result.work_id for result in results)]
                stored = works.get_works(connection, ids, with_provenance=False, with_tags=False)
                # In the page's order, so the same page always gives the same keys.
                described = {work_id: stored[work_id].record for work_id in dict.fromkeys(ids)}
                citekeys_store.give_described_keys(connection, described, make_key)
            return CitingImport(review_result, tuple(results), new_edges)

    def citation_sources(self, citing_id: int, cited_id: int) -> list[str]:
        with self._read() as connection:
            return list(
                connection.execute(
                    select(citation_sources.c.source)
                    .where(
                        citation_sources.c.citing_id == citing_id,
                        citation_sources.c.cited_id == cited_id,
                    )
                    .order_by(citation_sources.c.first_seen)
                ).scalars()
            )

    def citing_counts_by_year(self, review_id: int) -> dict[int | None, int]:
        with self._read() as connection:
            return listing.citing_counts_by_year(connection, review_id)

    # -- the table and sidebar -------------------------------------------------------------
    def query_work_ids(
        self, query: WorkQuery, *, cancelled: Callable[[], bool] | None = None
    ) -> array[int]:
        """Every id the query selects, in order. ``cancelled`` is polled while SQLite works
        (from any thread); when it says yes the query stops and ``QueryCancelled`` is raised.
        """
        with self._read() as connection:
            guard = nullcontext() if cancelled is None else _interruptible(connection, cancelled)
            with guard:
                return listing.query_work_ids(connection, query)

    def first_work_ids(self, query: WorkQuery, size: int) -> listing.IdWindow:
        with self._read() as connection:
            return listing.first_work_ids(connection, query, size)

    def count_works(self, query: WorkQuery) -> int:
        with self._read() as connection:
            return listing.count_works(connection, query)

    def fetch_rows(self, work_ids: Sequence[int]) -> dict[int, WorkRow]:
        with self._read() as connection:
            return listing.fetch_rows(connection, work_ids)

    def sidebar_counts(self) -> SidebarCounts:
        with self._read() as connection:
            return listing.sidebar_counts(connection)

    # -- tags ------------------------------------------------------------------------------
    def list_tags(self, *, counts: bool = True) -> list[Tag]:
        with self._read() as connection:
            return tags.list_tags(connection, counts=counts)

    def find_tag(self, name: str) -> Tag | None:
        with self._read() as connection:
            return tags.find_tag(connection, name)

    def tag_counts(self, work_ids: Sequence[int]) -> list[tuple[Tag, int]]:
        """The tags these works carry, with how many of them carry each."""
        with self._read() as connection:
            return tags.tag_counts(connection, work_ids)

    def create_tag(self, name: str, color: str | None = None) -> Tag:
        with self._write() as connection:
            return tags.create_tag(connection, name, color)

    def tag_works(self, name: str, work_ids: Sequence[int]) -> Tag:
        """Tag the works with the named tag, creating it if needed (case-insensitive)."""
        return self.tag_works_creating(name, work_ids)[0]

    def tag_works_creating(self, name: str, work_ids: Sequence[int]) -> tuple[Tag, bool]:
        """``tag_works``, and whether the tag was created for it (the views then list a new
        tag), known in the same transaction."""
        with self._write() as connection:
            self._check_works_exist(connection, work_ids)
            found = tags.find_tag(connection, name)
            tag = found or tags.create_tag(connection, name)
            tags.link(connection, tag.id, work_ids)
            return tags.get_tag(connection, tag.id), found is None

    def untag_works(self, tag_id: int, work_ids: Sequence[int]) -> None:
        with self._write() as connection:
            tags.get_tag(connection, tag_id)
            tags.unlink(connection, tag_id, work_ids)

    def rename_tag(self, tag_id: int, new_name: str) -> None:
        with self._write() as connection:
            tags.rename(connection, tag_id, new_name)

    def recolor_tag(self, tag_id: int, color: str) -> None:
        with self._write() as connection:
            tags.recolor(connection, tag_id, color)

    def merge_tags(self, source_ids: Sequence[int], target_id: int) -> None:
        with self._write() as connection:
            tags.merge(connection, source_ids, target_id)

    def delete_tag(self, tag_id: int) -> None:
        with self._write() as connection:
            tags.delete_tag(connection, tag_id)

    @staticmethod
    def _check_works_exist(connection: Connection, work_ids: Sequence[int]) -> None:
        ids = list(dict.fromkeys(work_ids))
        found = 0
        for chunk in chunks(ids):
            found += connection.exec_driver_sql(
                f"SELECT count(*) FROM works WHERE id IN ({placeholders(chunk)})", tuple(chunk)
            ).scalar_one()
        if found != len(ids):
            raise NotFoundError("Some of the works named no longer exist.")

    # -- notes -----------------------------------------------------------------------------
    def list_notes(self, work_id: int) -> list[Note]:
        with self._read() as connection:
            return notes.list_notes(connection, work_id)

    def add_note(self, work_id: int, body: str) -> Note:
        with self._write() as connection:
            note = notes.add_note(connection, work_id, body)
            fts.reindex(connection, [work_id])
            return note

    def update_note(self, note_id: int, body: str) -> Note:
        with self._write() as connection:
            note = notes.update_note(connection, note_id, body)
            fts.reindex(connection, [note.work_id])
            return note

    def delete_note(self, note_id: int) -> None:
        with self._write() as connection:
            note = notes.delete_note(connection, note_id)
            fts.reindex(connection, [note.work_id])

    # -- maintenance -----------------------------------------------------------------------
    def delete_works(self, work_ids: Sequence[int]) -> None:
        with self._write() as connection:
            ids = list(work_ids)
            for chunk in chunks(ids):
                connection.execute(delete(works_table).where(works_table.c.id.in_(chunk)))
            fts.reindex(connection, ids)

    def fts_rows(self) -> dict[int, tuple[str, ...]]:
        """The full-text index as stored, for checks and tests."""
        with self._read() as connection:
            return {
                row[0]: tuple(row[1:])
                for row in connection.exec_driver_sql(
                    "SELECT rowid, title, authors, journal, abstract, keywords, notes "
                    "FROM works_fts"
                )
            }


#: How many SQLite virtual-machine steps pass between two polls of ``cancelled``.
_POLL_STEPS = 20_000


@contextmanager
def _interruptible(connection: Connection, cancelled: Callable[[], bool]) -> Iterator[None]:
    """Let ``cancelled`` stop the statements run inside (SQLite's progress handler)."""
    raw = connection.connection.dbapi_connection
    if not isinstance(raw, sqlite3.Connection):  # pragma: no cover - other databases
        yield
        return
    raw.set_progress_handler(lambda: 1 if cancelled() else 0, _POLL_STEPS)
    try:
        yield
    except exc.OperationalError as error:
        if cancelled():
            raise QueryCancelled from error
        raise
    finally:
        raw.set_progress_handler(None, 0)


_SQLITE_HEADER = b"SQLite format 3\x00"


def _check_sqlite_header(path: Path) -> None:
    """Refuse a file that exists but is not SQLite before SQLite touches it."""
    try:
        if not path.exists() or path.stat().st_size == 0:
            return
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise LibraryError(f"Cannot read {path}: {error.strerror or error}.", path) from error
    if header != _SQLITE_HEADER:
        raise NotALibraryError(
            f"{path} is not an exodesk library (it is not an SQLite database); "
            "it has been left unchanged.",
            path,
        )


def _environment_error(error: exc.OperationalError, path: Path | None) -> LibraryError:
    text = str(error.orig) if error.orig is not None else str(error)
    name = path or "the library"
    if "locked" in text or "busy" in text:
        return LibraryBusyError(
            f"{name} is locked by another program; close it and try again ({text}).", path
        )
    if "readonly" in text or "read-only" in text:
        return LibraryError(f"{name} is read-only; exodesk cannot save changes ({text}).", path)
    if isinstance(error.orig, sqlite3.DatabaseError) and "malformed" in text:
        return NotALibraryError(f"{name} is damaged ({text}).", path)
    return LibraryError(f"{name}: {text}", path)
