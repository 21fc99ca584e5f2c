"""A library as an exodesk before 0011 left it: for the tests of upgrades that key works."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from alembic import command

from exodesk.storage.library import Library
from exodesk.storage.migrate import alembic_config


def keyless_at_0010(
    library_path: Path,
    work_ids: Sequence[int] | None = None,
    kept: Mapping[int, str] | None = None,
) -> None:
    """Downgrade the (closed) library to 0010 and take the keys of ``work_ids`` (every
    work's when None) away, but set those ``kept`` (which a first export had given)."""
    library = Library.open(library_path)
    try:
        with library.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0010")
            if work_ids is None:
                connection.exec_driver_sql("UPDATE works SET citation_key = NULL")
            else:
                connection.exec_driver_sql(
                    "UPDATE works SET citation_key = NULL WHERE id = ?",
                    [(work_id,) for work_id in work_ids],
                )
            if kept:
                connection.exec_driver_sql(
                    "UPDATE works SET citation_key = ? WHERE id = ?",
                    [(key, work_id) for work_id, key in kept.items()],
                )
    finally:
        library.close()


def keys_taken_away(library: Library, work_ids: Sequence[int]) -> None:
    """Leave these works of an open library without citation keys, as an exodesk before
    0011 (or another program) could: what an export or the clipboard must still key."""
    if not work_ids:
        return
    with library.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE works SET citation_key = NULL WHERE id = ?",
            [(work_id,) for work_id in work_ids],
        )
