"""Markdown notes on works. Functions take an open connection; ``Library`` owns the
transaction and re-indexes the work whose notes changed."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, update

from exodesk.core.records import Note
from exodesk.storage.errors import NotFoundError
from exodesk.storage.schema import notes, works
from exodesk.storage.sql import inserted_id
from exodesk.storage.works import now


def _to_note(row: object) -> Note:
    mapping = row._mapping  # type: ignore[attr-defined]
    return Note(
        id=mapping["id"],
        work_id=mapping["work_id"],
        body=mapping["body"],
        created=mapping["created_at"],
        updated=mapping["updated_at"],
    )


def get_note(connection: Connection, note_id: int) -> Note:
    row = connection.execute(select(notes).where(notes.c.id == note_id)).first()
    if row is None:
        raise NotFoundError(f"No note with id {note_id}.")
    return _to_note(row)


def list_notes(connection: Connection, work_id: int) -> list[Note]:
    rows = connection.execute(
        select(notes).where(notes.c.work_id == work_id).order_by(notes.c.created_at, notes.c.id)
    )
    return [_to_note(row) for row in rows]


def add_note(connection: Connection, work_id: int, body: str) -> Note:
    if connection.execute(select(works.c.id).where(works.c.id == work_id)).first() is None:
        raise NotFoundError(f"No work with id {work_id}.")
    stamp = now()
    note_id = inserted_id(
        connection.execute(
            insert(notes).values(work_id=work_id, body=body, created_at=stamp, updated_at=stamp)
        )
    )
    return get_note(connection, note_id)


def update_note(connection: Connection, note_id: int, body: str) -> Note:
    get_note(connection, note_id)
    connection.execute(
        update(notes).where(notes.c.id == note_id).values(body=body, updated_at=now())
    )
    return get_note(connection, note_id)


def delete_note(connection: Connection, note_id: int) -> Note:
    note = get_note(connection, note_id)
    connection.execute(delete(notes).where(notes.c.id == note_id))
    return note
