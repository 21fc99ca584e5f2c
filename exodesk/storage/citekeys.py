"""Stored citation keys: given once, unique across the library, kept for later exports."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, func, select, update

from exodesk.core.citekeys import unique_key
from exodesk.core.records import WorkRecord
from exodesk.storage.schema import works
from exodesk.storage.sql import chunks
from exodesk.storage.works import get_work


def assign_keys(
    connection: Connection, work_ids: Sequence[int], make_key: Callable[[WorkRecord], str]
) -> dict[int, str]:
    keys: dict[int, str] = {}
    for chunk in chunks(work_ids):
        rows = connection.execute(
            select(works.c.id, works.c.citation_key).where(works.c.id.in_(chunk))
        )
        keys.update({work_id: key for work_id, key in rows if key})
    for work_id in work_ids:
        if work_id in keys:
            continue
        base = make_key(get_work(connection, work_id).record)
        key = unique_key(base, _taken_with_prefix(connection, base))
        connection.execute(update(works).where(works.c.id == work_id).values(citation_key=key))
        keys[work_id] = key
    return keys


def _taken_with_prefix(connection: Connection, base: str) -> set[str]:
    # Keys clash ignoring case (as in BibTeX); generated bases are lower case, so the
    # stored keys to avoid are those starting with the base in either case.
    rows = connection.execute(
        select(works.c.citation_key).where(
            func.lower(works.c.citation_key).like(_like_prefix(base.lower()), escape="\\")
        )
    )
    return {key.lower() for (key,) in rows}


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
