"""Small SQL helpers shared by the storage modules."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, exc

_Value = TypeVar("_Value")

#: How many ids go into one ``IN (...)`` list. SQLite allows 32766 bound variables; smaller
#: batches keep every statement's work, and its time holding the write lock, bounded.
BATCH = 500


def batches(values: Iterable[_Value], size: int = BATCH) -> Iterator[list[_Value]]:
    """The values in lists of ``size`` (the last one shorter), for ``IN (...)`` lists."""
    batch: list[_Value] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def chunks(ids: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    """Work ids (plain ints, whatever integer type they came as) in batches."""
    return batches(map(int, ids), size)


def placeholders(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - SQLite always reports the rowid of an insert
        raise RuntimeError("the database did not report the new row's id")
    return int(key[0])


#: Rows taken from the driver at a time by ``fetch_ids``.
ID_CHUNK = 4096


def driver_connection(connection: Connection) -> Any:
    """The driver's own connection, on the connection's transaction (begun first if it is
    not yet, as SQLAlchemy begins one on a connection's first statement, so that every read
    of a call sees the same state of the library)."""
    if not connection.in_transaction():
        connection.begin()
    return connection.connection.dbapi_connection


def driver_error(
    connection: Connection, sql: str, params: Sequence[Any], error: Exception
) -> exc.StatementError:
    """The driver's error as SQLAlchemy's, exactly as ``connection.execute`` raises it, so
    callers translate both alike."""
    dbapi_error = connection.dialect.loaded_dbapi.Error
    return exc.DBAPIError.instance(sql, params, error, dbapi_error)


@contextmanager
def _driver_cursor(connection: Connection, sql: str, params: Sequence[Any]) -> Iterator[Any]:
    """A cursor of the driver itself, on the connection's transaction; its errors come out
    as SQLAlchemy's (see ``driver_connection``, ``driver_error``)."""
    cursor = driver_connection(connection).cursor()
    try:
        cursor.execute(sql, params)
        yield cursor
    except connection.dialect.loaded_dbapi.Error as error:
        raise driver_error(connection, sql, params, error) from error
    finally:
        cursor.close()


def fetch_ids(connection: Connection, sql: str, params: Sequence[Any] = ()) -> array[int]:
    """The first column of every row, as a compact array of integers.

    Made for a million ids on a worker thread: the driver steps SQLite with the interpreter
    lock released, and each chunk is turned into integers in C, so the thread never holds
    the lock for long and the window's thread gets it whenever it asks (a Python loop over
    the rows would make every one of its calls wait for the lock)."""
    ids: array[int] = array("q")
    with _driver_cursor(connection, sql, params) as cursor:
        while rows := cursor.fetchmany(ID_CHUNK):
            ids.extend(map(itemgetter(0), rows))
    return ids


def fetch_all(connection: Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Every row of a query, as the driver's plain tuples.

    For reads of many rows (exports): SQLAlchemy's ``Row`` objects take longer to build
    than SQLite takes to find the rows."""
    with _driver_cursor(connection, sql, params) as cursor:
        return list(cursor.fetchall())
