"""Stored citation keys: given once, unique across the library, kept for later exports.

Keys are given a batch of works at a time: the batch's records are read at once, the stored
keys that could clash with the batch's base keys come back from one query (ranges on
``lower(citation_key)``, which its expression index answers), the keys given so far are
kept in memory, and the batch's keys are written by one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from sqlalchemy import Connection

from exodesk.core.citekeys import first_free_key
from exodesk.core.records import Author, WorkRecord
from exodesk.storage.errors import NotFoundError
from exodesk.storage.sql import BATCH, chunks, fetch_all, placeholders
from exodesk.storage.works import get_works

#: Above every character a generated key holds (they are ASCII): the end of a prefix range.
_AFTER_PREFIX = "\U0010ffff"


def assign_keys(
    connection: Connection,
    work_ids: Sequence[int],
    make_key: Callable[[WorkRecord], str],
    records: Mapping[int, WorkRecord],
) -> dict[int, str]:
    """See ``Library.assign_citation_keys``; ``records`` are known records of some works."""
    keys = stored_keys(connection, work_ids)
    taken = TakenKeys()
    missing = [work_id for work_id in dict.fromkeys(work_ids) if work_id not in keys]
    for chunk in chunks(missing):
        unread = [work_id for work_id in chunk if work_id not in records]
        found = (
            get_works(connection, unread, with_provenance=False, with_tags=False) if unread else {}
        )
        bases: dict[int, str] = {}
        for work_id in chunk:
            if work_id in records:
                bases[work_id] = make_key(records[work_id])
            elif work_id in found:
                bases[work_id] = make_key(found[work_id].record)
            else:
                raise NotFoundError(f"No work with id {work_id}.")
        # Each base's stored keys are read once per call; keys given since are added to
        # them in memory (they are in the database too, so later reads see them).
        keys.update(_store_free_keys(connection, taken, bases))
    return keys


def _store_free_keys(
    connection: Connection, taken: TakenKeys, bases: Mapping[int, str]
) -> dict[int, str]:
    """Give each work the first free key of its base (in the order given) and store it;
    return the keys given."""
    taken.add_prefixes(connection, {base.lower() for base in bases.values()})
    keys = {work_id: taken.give(base) for work_id, base in bases.items()}
    if keys:
        connection.exec_driver_sql(
            "UPDATE works SET citation_key = ? WHERE id = ?",
            [(key, work_id) for work_id, key in keys.items()],
        )
    return keys


def give_described_keys(
    connection: Connection,
    records: Mapping[int, WorkRecord],
    make_key: Callable[[WorkRecord], str],
) -> dict[int, str]:
    """The keys of the works among ``records`` that have a title, given and stored to those
    that have none yet (``assign_keys`` keeps the stored ones).

    Works are keyed when they are added or filled in, as an import keys its works, so an
    export seldom has to; a work still waiting for its metadata (a PMID alone) is left
    keyless, as a key made from nothing would read ``ref``."""
    described = [work_id for work_id, record in records.items() if not record.needs_metadata]
    return assign_keys(connection, described, make_key, records) if described else {}


def give_key_if_described(
    connection: Connection, work_id: int, make_key: Callable[[WorkRecord], str]
) -> None:
    """``give_described_keys`` for one stored work, read only when it has no key: most
    works a sync merges into have theirs."""
    if stored_keys(connection, [work_id]):
        return
    found = get_works(connection, [work_id], with_provenance=False, with_tags=False)
    if work_id in found:
        give_described_keys(connection, {work_id: found[work_id].record}, make_key)


#: Works keyed per read and write by ``key_keyless_works``.
KEYLESS_CHUNK = 5000

# What key patterns read (``exodesk.core.citekeys``): title, year, journal, first author.
# Works without a key come in id order, from the end of the key index's NULL entries.
_KEYLESS = """
SELECT w.id, w.title, w.year, w.container_title, w.container_abbrev, a.family, a.given, a.name
  FROM works w LEFT JOIN authors a ON a.work_id = w.id AND a.position = 0
 WHERE w.citation_key IS NULL AND w.title <> '' AND w.id > ?
 ORDER BY w.id
 LIMIT ?
"""


def key_keyless_works(
    connection: Connection,
    make_key: Callable[[WorkRecord], str],
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Give every work that has a title but no citation key one (oldest work first), as
    ``give_described_keys`` would; return how many were keyed. ``progress(done, total)``
    hears after each chunk, counting the works without a key that have some title.

    For a library filled before works were keyed as they are added (migration 0011): from
    then on every work with a title has its key, and exports only read keys. A chunk of
    works at a time, each with its own ``TakenKeys`` (the chunks before are written), so a
    million works never sit in memory at once."""
    given = 0
    after = 0
    total = 0
    if progress is not None:
        total = connection.exec_driver_sql(
            "SELECT count(*) FROM works WHERE citation_key IS NULL AND title <> ''"
        ).scalar_one()
        progress(0, total)
    while True:
        rows = connection.exec_driver_sql(_KEYLESS, (after, KEYLESS_CHUNK)).all()
        if not rows:
            return given
        after = rows[-1][0]
        bases = {row[0]: make_key(_key_record(*row[1:])) for row in rows if row[1].strip()}
        given += len(_store_free_keys(connection, TakenKeys(), bases))
        if progress is not None:
            progress(min(given, total), total)


def _key_record(
    title: str,
    year: int | None,
    container_title: str,
    container_abbrev: str,
    family: str | None,
    given: str | None,
    name: str | None,
) -> WorkRecord:
    """The fields of a work a key pattern reads (the first author only)."""
    first = () if family is None else (Author(family=family, given=given or "", name=name or ""),)
    return WorkRecord(
        title=title,
        year=year,
        container_title=container_title,
        container_abbrev=container_abbrev,
        authors=first,
    )


def stored_keys(connection: Connection, work_ids: Sequence[int]) -> dict[int, str]:
    """The citation keys the works have (works without one are left out)."""
    keys: dict[int, str] = {}
    for chunk in chunks(work_ids):
        rows = fetch_all(
            connection,
            f"SELECT id, citation_key FROM works WHERE id IN ({placeholders(chunk)}) "
            "AND citation_key IS NOT NULL",
            chunk,
        )
        keys.update(rows)
    return keys


class TakenKeys:
    """Lower-cased keys in use: those stored that start with the base keys (prefixes)
    asked about so far, and those given or added since.

    ``give`` only ever tries the base and the base plus a suffix, all of which start with
    the base: every stored key it could clash with was read with that prefix. So one set
    serves every base (a key given is seen by every later base it starts with)."""

    def __init__(self) -> None:
        self._asked: set[str] = set()
        self._taken: set[str] = set()
        self._next_suffix: dict[str, int] = {}

    def add_prefixes(self, connection: Connection, prefixes: set[str]) -> None:
        new = prefixes - self._asked
        self._asked |= new
        self._taken.update(key for _prefix, key in _stored_with_prefixes(connection, new))

    def add(self, key: str) -> None:
        self._taken.add(key)

    def release(self) -> None:
        """Let the keys go a slice at a time (an import's may hold a key per added work)."""
        for kept in (self._taken, self._asked):
            for _ in range(len(kept)):
                kept.pop()
        self._next_suffix.clear()

    def give(self, base: str) -> str:
        """A free key for ``base`` (asked about with ``add_prefixes``), now taken."""
        prefix = base.lower()
        key, self._next_suffix[prefix] = first_free_key(
            base, self._taken, self._next_suffix.get(prefix, 1)
        )
        self._taken.add(key.lower())
        return key


def _stored_with_prefixes(connection: Connection, prefixes: Iterable[str]) -> list[tuple[str, str]]:
    """(prefix, stored key lower-cased) for the keys starting with these lower-case prefixes.

    Keys clash ignoring case (as in BibTeX); generated bases are lower case. Ranges on
    ``lower(citation_key)``, not LIKE: only ranges use its expression index. A join with
    the ranges, not an OR of them: SQLite plans a long OR of ranges very slowly."""
    found: list[tuple[str, str]] = []
    ordered = sorted(prefixes)
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start : start + BATCH]
        values = ", ".join("(?, ?)" for _ in batch)
        params = tuple(value for prefix in batch for value in (prefix, prefix + _AFTER_PREFIX))
        rows = connection.exec_driver_sql(
            f"WITH wanted(low, high) AS (VALUES {values}) "
            "SELECT wanted.low, lower(w.citation_key) FROM wanted JOIN works w "
            "ON lower(w.citation_key) >= wanted.low AND lower(w.citation_key) < wanted.high",
            params,
        )
        found.extend((prefix, key) for prefix, key in rows)
    return found
