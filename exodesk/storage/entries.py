"""Works read as the entries an export writes: record, stored citation key, tag names, notes.

An export reads every field of tens of thousands of works, and skips what only the window
needs (flags, times, provenance, tag colours). Each batch of works comes back as one row:
a JSON text that SQLite builds in C, an array per work with its authors, terms, tag names
and notes nested in it.

One row per batch is what lets SQLite work beside the caller. The batch queries run on a
thread of their own, a few batches ahead, and a query's single step (the whole batch) runs
with the GIL released: SQLite gathers the next batch while the caller's thread turns this
one into entries (``json.loads``, then the records). Rows one at a time would not overlap:
the driver releases the GIL around each row's step, and a thread that wants it back while
the other computes waits up to the interpreter's switch interval every time. Reading 20,000
works took 0.41-0.48 s with a query per table and batch, 0.25-0.28 s this way.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from types import TracebackType
from typing import Any, NoReturn

from sqlalchemy import Connection

from exodesk.core.entries import BibEntry
from exodesk.core.records import Author, WorkRecord
from exodesk.storage.sql import chunks, driver_connection, driver_error, placeholders
from exodesk.storage.works import RECORD_SCALARS

# The identifiers are NULL when unknown (for uniqueness) and "" in a record.
_COLUMNS = ", ".join(
    f"w.{name}" if name not in ("doi", "pmid", "pmcid") else f"coalesce(w.{name}, '')"
    for name in RECORD_SCALARS
)
# Each list in the order an entry keeps it: an aggregate over a subquery with ORDER BY
# takes the rows in that order (SQLite never flattens such a subquery into an aggregate).
# An author is [family, given, name, orcid], with a fifth item, their affiliations, only
# when they have some: most have none, and an Author is then built from the four at once.
_AUTHORS = (
    "SELECT json_group_array(CASE WHEN EXISTS "
    "(SELECT 1 FROM affiliations f WHERE f.author_id = a.id) "
    "THEN json_array(a.family, a.given, a.name, a.orcid, (SELECT json_group_array(text) FROM "
    "(SELECT text FROM affiliations WHERE author_id = a.id ORDER BY position))) "
    "ELSE json_array(a.family, a.given, a.name, a.orcid) END) "
    "FROM (SELECT id, family, given, name, orcid FROM authors "
    "WHERE work_id = w.id ORDER BY position) a"
)
_TERMS = (
    "SELECT json_group_array(term) FROM (SELECT term FROM work_terms "
    "WHERE work_id = w.id AND kind = '{kind}' ORDER BY position)"
)
_TAG_NAMES = (
    "SELECT json_group_array(name) FROM (SELECT t.name FROM work_tags wt "
    "JOIN tags t ON t.id = wt.tag_id WHERE wt.work_id = w.id ORDER BY t.name)"
)
_NOTE_BODIES = (
    "SELECT json_group_array(body) FROM "
    "(SELECT body FROM notes WHERE work_id = w.id ORDER BY created_at, id)"
)
_SELECT_BATCH = (
    f"SELECT json_group_array(json_array(w.id, w.citation_key, {_COLUMNS}, ({_AUTHORS}), "
    f"({_TERMS.format(kind='subject')}), ({_TERMS.format(kind='keyword')}), "
    f"({_TAG_NAMES}), ({_NOTE_BODIES}))) FROM works w WHERE w.id IN ({{marks}})"
)

#: How many batches the reading thread may be ahead of the caller.
_AHEAD = 4


def read_entries(
    connection: Connection,
    work_ids: Sequence[int],
    progress: Callable[[int], None] | None = None,
) -> dict[int, BibEntry]:
    """The works as entries by id, in the order of ``work_ids`` (unknown ids are left out).

    ``BibEntry.key`` is the stored citation key, "" for a work that has none yet.
    ``progress`` gets the number of ids handled after each batch, and may raise to stop."""
    found: dict[int, BibEntry] = {}
    batches = list(chunks(work_ids))
    handled = 0
    with _BatchTexts(connection, batches) as texts:
        for batch, text in zip(batches, texts, strict=True):
            _build(text, found)
            handled += len(batch)
            if progress is not None:
                progress(handled)
    return {work_id: found[work_id] for work_id in work_ids if work_id in found}


def _build(text: str, found: dict[int, BibEntry]) -> None:
    for work_id, key, *values, people, subjects, keywords, tag_names, notes in json.loads(text):
        record = WorkRecord(
            *values,  # type: ignore[misc]  # the scalars, in order (RECORD_SCALARS)
            authors=tuple(
                [Author(*person) if len(person) == 4 else _placed(person) for person in people]
            ),
            subjects=tuple(subjects),
            keywords=tuple(keywords),
        )
        found[work_id] = BibEntry(
            record,
            key or "",
            tuple(tag_names),
            # Blank notes say nothing in a file.
            tuple([body for body in notes if body.strip()]) if notes else (),
        )


def _placed(person: list[Any]) -> Author:
    family, given, name, orcid, affiliations = person
    return Author(family, given, name, orcid, tuple(affiliations))


def _batch_text(cursor: Any, batch: list[int]) -> str:
    cursor.execute(_SELECT_BATCH.format(marks=placeholders(batch)), batch)
    return str(cursor.fetchone()[0])


class _Failed:
    """An error met reading a batch, for the caller's thread to raise."""

    def __init__(self, batch: list[int], error: BaseException) -> None:
        self.batch = batch
        self.error = error


class _BatchTexts:
    """The JSON text of each batch, in order; read on a thread of its own, ahead of the
    caller, when there is more than one batch.

    The thread uses the connection's own driver connection, on its transaction (one
    snapshot for every batch); leaving the ``with`` block stops the thread and waits for it,
    so the connection is never used by two threads at once nor closed under a query."""

    def __init__(self, connection: Connection, batches: list[list[int]]) -> None:
        self._connection = connection
        self._driver = driver_connection(connection)
        self._batches = batches
        self._texts: queue.Queue[str | _Failed] = queue.Queue(maxsize=_AHEAD)
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._iterator: Generator[str, None, None] | None = None

    def __enter__(self) -> Iterator[str]:
        if len(self._batches) < 2:
            self._iterator = self._inline()
        else:
            self._thread = threading.Thread(
                target=self._run, name="exodesk-export-read", daemon=True
            )
            self._thread.start()
            self._iterator = self._from_thread()
        return self._iterator

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
        if self._iterator is not None:
            self._iterator.close()

    def _inline(self) -> Generator[str, None, None]:
        cursor = self._driver.cursor()
        try:
            for batch in self._batches:
                try:
                    text = _batch_text(cursor, batch)
                except Exception as error:
                    self._raise(_Failed(batch, error))
                yield text
        finally:
            cursor.close()

    def _from_thread(self) -> Generator[str, None, None]:
        for _batch in self._batches:
            item = self._texts.get()
            if isinstance(item, _Failed):
                self._raise(item)
            yield item

    def _run(self) -> None:
        batch: list[int] = []
        try:
            cursor = self._driver.cursor()
            try:
                for batch in self._batches:
                    if self._stopped.is_set() or not self._put(_batch_text(cursor, batch)):
                        return
            finally:
                cursor.close()
        except BaseException as error:  # whatever it is, the caller's thread raises it
            self._put(_Failed(batch, error))

    def _put(self, item: str | _Failed) -> bool:
        """Hand ``item`` over once there is room; False if the caller stopped meanwhile."""
        while not self._stopped.is_set():
            try:
                self._texts.put(item, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def _raise(self, failed: _Failed) -> NoReturn:
        """Raise the error: the driver's as SQLAlchemy's (see ``sql.driver_error``)."""
        error = failed.error
        if isinstance(error, self._connection.dialect.loaded_dbapi.Error):
            sql = _SELECT_BATCH.format(marks=placeholders(failed.batch))
            raise driver_error(self._connection, sql, failed.batch, error) from error
        raise error
