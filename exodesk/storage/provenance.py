"""Field provenance: who set each bibliographic field of a work last, and when.

One row per work in ``work_provenance`` (migration 0007), not one per field: an import of
new works used to write 15-20 provenance rows per work, a fifth of its SQL time and a
sixth of the pages it wrote. The row's ``fields`` column is JSON, a list of groups

    [["import", "2026-11-27 15:43:00.123456", ["type", "title", ...]], ["user", ..., [...]]]

each naming a source (``Source`` values), the time it set its fields (as SQLAlchemy's
SQLite ``DateTime`` stores times) and the fields whose last setter it was. A field is in
one group at most; groups are kept in the order they were first written, a group left
without fields is dropped. Compact JSON (no spaces), as SQLite's own JSON functions write
it, so that the migration's rows and the app's are alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection

from exodesk.core.records import Source
from exodesk.storage.bulk import sql_time
from exodesk.storage.sql import batches, placeholders

#: One group: (source, time, field names).
Group = tuple[str, str, list[str]]


def encode(groups: Sequence[Group]) -> str:
    return json.dumps(
        [[source, time, list(names)] for source, time, names in groups if names],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def decode(text: str | None) -> list[Group]:
    """The groups of a stored record; none for no row, or for a value that is not such a
    list (a damaged row must not stop a work from opening: it reads as "no provenance")."""
    if not text:
        return []
    try:
        found = json.loads(text)
        return [(str(source), str(time), [str(n) for n in names]) for source, time, names in found]
    except (ValueError, TypeError):
        return []


def group_writer(source: str, time: str) -> Callable[[Sequence[str]], str]:
    """``encode([(source, time, names)])`` as a function of ``names`` (not empty), without
    a JSON encoder per call: an import writes one record per new work. Field names are
    plain identifiers, so they need no escaping (a test compares the two)."""
    head = f'[[{json.dumps(source)},{json.dumps(time)},["'
    tail = '"]]]'

    def record(names: Sequence[str]) -> str:
        return head + '","'.join(names) + tail

    return record


def sources(text: str | None) -> dict[str, Source]:
    """``{field: source}`` of a stored record (``Work.provenance``)."""
    return {
        name: _SOURCES[source]
        for source, _time, names in decode(text)
        if source in _SOURCES  # a damaged row: its unknown source says nothing
        for name in names
    }


_SOURCES = {source.value: source for source in Source}


def fields_of(text: str | None, source: Source) -> set[str]:
    """The fields ``source`` set last (e.g. the user's, which imports never overwrite)."""
    if not text or f'"{source.value}"' not in text:
        return set()  # most records: no group of this source (no JSON to read)
    return {name for group, _time, names in decode(text) if group == source.value for name in names}


def with_fields(text: str | None, names: Iterable[str], source: Source, time: str) -> str:
    """The record after ``source`` set ``names`` at ``time``: each leaves the group it was
    in and joins the (source, time) group, made last if new."""
    moved = list(dict.fromkeys(names))
    gone = set(moved)
    groups = [(s, t, [n for n in found if n not in gone]) for s, t, found in decode(text)]
    for group_source, group_time, found in groups:
        if (group_source, group_time) == (source.value, time):
            found.extend(moved)
            break
    else:
        groups.append((source.value, time, moved))
    return encode(groups)


def read(connection: Connection, work_ids: Sequence[int]) -> dict[int, str]:
    """The stored records of these works (works without one are left out)."""
    found: dict[int, str] = {}
    for batch in batches(work_ids):
        rows = connection.exec_driver_sql(
            f"SELECT work_id, fields FROM work_provenance WHERE work_id IN ({placeholders(batch)})",
            tuple(batch),
        )
        found.update((work_id, text) for work_id, text in rows)
    return found


def write(connection: Connection, records: Sequence[tuple[int, str]]) -> None:
    """Store records (replacing a work's previous one)."""
    if records:
        connection.exec_driver_sql(
            "INSERT OR REPLACE INTO work_provenance (work_id, fields) VALUES (?, ?)",
            list(records),
        )


def mark(
    connection: Connection, work_id: int, names: Iterable[str], source: Source, stamp: datetime
) -> None:
    """Record that ``source`` set these fields of one work at ``stamp``."""
    names = list(names)
    if not names:
        return
    current = read(connection, [work_id]).get(work_id)
    write(connection, [(work_id, with_fields(current, names, source, sql_time(stamp)))])
