"""Small SQL helpers shared by the storage modules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult

#: How many ids go into one ``IN (...)`` list. SQLite allows 32766 bound variables; smaller
#: batches keep every statement's work, and its time holding the write lock, bounded.
BATCH = 500


def chunks(ids: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    batch: list[int] = []
    for value in ids:
        batch.append(int(value))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def placeholders(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - SQLite always reports the rowid of an insert
        raise RuntimeError("the database did not report the new row's id")
    return int(key[0])


def fetch_all(connection: Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Every row of a query, as the driver's plain tuples.

    For reads of many rows (exports): SQLAlchemy's ``Row`` objects take longer to build
    than SQLite takes to find the rows. Same connection, same transaction: begun first if
    it is not yet, as SQLAlchemy begins one on a connection's first statement, so that
    every read of a call sees the same state of the library."""
    if not connection.in_transaction():
        connection.begin()
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()
