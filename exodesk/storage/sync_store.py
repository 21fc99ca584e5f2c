"""What sync writes: merged fields, suggestions, per-service state, new works, the run log.

Functions take an open connection; ``Library`` owns the transactions (one per work).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from exodesk.core.records import Author, Source
from exodesk.storage import fts, works
from exodesk.storage.errors import ConflictError, NotFoundError
from exodesk.storage.schema import field_suggestions, sync_runs, work_sync_state
from exodesk.storage.schema import works as works_table
from exodesk.storage.sql import chunks

IDENTIFIERS = ("doi", "pmid", "pmcid")


def encode_value(value: Any) -> str:
    if isinstance(value, tuple) and value and isinstance(value[0], Author):
        return json.dumps([asdict(person) for person in value], ensure_ascii=False)
    if isinstance(value, tuple):
        return json.dumps(list(value), ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)


def decode_value(name: str, text: str) -> Any:
    value = json.loads(text)
    if name == "authors":
        return tuple(
            Author(**{**person, "affiliations": tuple(person.get("affiliations", ()))})
            for person in value
        )
    if isinstance(value, list):
        return tuple(value)
    return value


def apply_updates(
    connection: Connection,
    work_id: int,
    updates: dict[str, Any],
    suggestions: dict[str, Any],
    service: str,
) -> list[str]:
    """Write a merge plan; returns the fields changed. Identifier updates that would clash
    with another work are left out rather than failing the work."""
    safe = {}
    for name, value in updates.items():
        if name in IDENTIFIERS:
            other = works.find_work_id(connection, **{name: value})
            if other not in (None, work_id):
                continue
        safe[name] = value
    if safe:
        try:
            works.update_fields(connection, work_id, safe, Source.SYNC)
        except ConflictError:  # pragma: no cover - filtered above
            safe = {}
    stamp = works.now()
    for name, value in suggestions.items():
        connection.execute(
            delete(field_suggestions).where(
                field_suggestions.c.work_id == work_id, field_suggestions.c.field == name
            )
        )
        connection.execute(
            insert(field_suggestions).values(
                work_id=work_id,
                field=name,
                value=encode_value(value),
                source=service,
                seen_at=stamp,
            )
        )
    if safe:
        fts.reindex(connection, [work_id])
    return list(safe)


def list_suggestions(connection: Connection, work_id: int) -> dict[str, tuple[Any, str]]:
    rows = connection.execute(
        select(field_suggestions.c.field, field_suggestions.c.value, field_suggestions.c.source)
        .where(field_suggestions.c.work_id == work_id)
        .order_by(field_suggestions.c.field)
    )
    return {name: (decode_value(name, value), source) for name, value, source in rows}


def accept_suggestion(connection: Connection, work_id: int, name: str) -> None:
    """Take the service's value; the field counts as synced again, so later runs refresh it."""
    suggestion = list_suggestions(connection, work_id).get(name)
    if suggestion is None:
        raise NotFoundError(f"No suggestion for {name} of work {work_id}.")
    works.update_fields(connection, work_id, {name: suggestion[0]}, Source.SYNC)
    dismiss_suggestion(connection, work_id, name)
    fts.reindex(connection, [work_id])


def dismiss_suggestion(connection: Connection, work_id: int, name: str) -> None:
    connection.execute(
        delete(field_suggestions).where(
            field_suggestions.c.work_id == work_id, field_suggestions.c.field == name
        )
    )


def set_state(connection: Connection, work_id: int, service: str, status: str) -> None:
    connection.execute(
        delete(work_sync_state).where(
            work_sync_state.c.work_id == work_id, work_sync_state.c.service == service
        )
    )
    connection.execute(
        insert(work_sync_state).values(
            work_id=work_id, service=service, status=status, checked_at=works.now()
        )
    )


def get_state(connection: Connection, work_id: int) -> dict[str, str]:
    rows = connection.execute(
        select(work_sync_state.c.service, work_sync_state.c.status).where(
            work_sync_state.c.work_id == work_id
        )
    )
    return {service: status for service, status in rows}


def works_with_identifiers(connection: Connection) -> list[tuple[int, str, str]]:
    """(id, DOI, PMID) of every work sync can ask about."""
    rows = connection.execute(
        select(works_table.c.id, works_table.c.doi, works_table.c.pmid)
        .where((works_table.c.doi.is_not(None)) | (works_table.c.pmid.is_not(None)))
        .order_by(works_table.c.id)
    )
    return [(int(i), doi or "", pmid or "") for i, doi, pmid in rows]


def set_new(connection: Connection, work_ids: list[int] | None, value: bool) -> None:
    """Mark works new (or not); ``None`` means every work."""
    if work_ids is None:
        connection.execute(update(works_table).values(is_new=value))
        return
    for chunk in chunks(work_ids):
        connection.execute(
            update(works_table).where(works_table.c.id.in_(chunk)).values(is_new=value)
        )


def start_run(connection: Connection) -> int:
    result = connection.execute(
        insert(sync_runs).values(started_at=works.now(), status="running", report="{}")
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def finish_run(connection: Connection, run_id: int, status: str, report: dict[str, Any]) -> None:
    connection.execute(
        update(sync_runs)
        .where(sync_runs.c.id == run_id)
        .values(
            finished_at=works.now(),
            status=status,
            report=json.dumps(report, ensure_ascii=False),
        )
    )


def list_runs(connection: Connection, limit: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(sync_runs).order_by(sync_runs.c.id.desc()).limit(limit)
    ).mappings()
    return [
        {
            "id": row["id"],
            "started": _iso(row["started_at"]),
            "finished": _iso(row["finished_at"]),
            "status": row["status"],
            **json.loads(row["report"] or "{}"),
        }
        for row in rows
    ]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"
