"""This process's writers take turns: a caller that must not wait (the window) is told at
once that an import is writing; others wait their turn, up to the busy timeout."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from paused_import import PausedImport

from exodesk.core.query import WorkQuery
from exodesk.storage.errors import LibraryBusyError, WriteBusyError
from exodesk.storage.library import Library


def test_a_write_that_must_not_wait_is_refused_while_an_import_writes(library: Library) -> None:
    ids = list(library.query_work_ids(WorkQuery()))
    with PausedImport(library) as running:
        with pytest.raises(WriteBusyError), library.write_turn(wait=False):
            library.set_starred(ids[:1], True)
        assert not library.get_work(ids[0]).starred
        running.resume()
        assert running.outcome is not None and len(running.outcome.added) == 250
    with library.write_turn(wait=False):  # free again; the writes inside share the turn
        library.set_starred(ids[:1], True)
        library.set_read(ids[:1], True)
    work = library.get_work(ids[0])
    assert work.starred and work.is_read


def test_other_writers_wait_for_the_turn_up_to_the_busy_timeout(library_path: Path) -> None:
    library = Library.open(library_path, busy_timeout_ms=300)
    try:
        with PausedImport(library):
            with pytest.raises(LibraryBusyError, match="busy with a long change") as raised:
                library.create_tag("Later")
            assert not isinstance(raised.value, WriteBusyError)
        assert library.find_tag("Later") is None
        library.create_tag("Later")  # the import has ended: the turn comes at once
        assert library.find_tag("Later") is not None
    finally:
        library.close()


def test_a_writer_waiting_for_its_turn_goes_on_when_the_import_ends(library: Library) -> None:
    created: list[str] = []
    with PausedImport(library) as running:
        waiting = threading.Thread(
            target=lambda: created.append(library.create_tag("After the import").name)
        )
        waiting.start()
        waiting.join(0.3)
        assert waiting.is_alive() and not created  # waiting, not failed
        running.resume()
        waiting.join(10)
    assert created == ["After the import"]


def test_a_write_that_must_not_wait_does_not_wait_for_another_program(
    library_path: Path,
) -> None:
    library = Library.open(library_path, busy_timeout_ms=60_000)
    other = sqlite3.connect(library_path, isolation_level=None, check_same_thread=False)
    released = threading.Event()

    def release() -> None:
        other.execute("ROLLBACK")
        released.set()

    try:
        library.create_tag("Before")
        other.execute("BEGIN IMMEDIATE")  # another program writing the library...
        later = threading.Timer(2.0, release)  # ... for 2 s
        later.start()
        with (
            pytest.raises(WriteBusyError, match="locked by another program"),
            library.write_turn(wait=False),
        ):
            library.create_tag("Refused")
        assert not released.is_set()  # refused at once, not after the lock went
        # Other writes wait for such a lock again (up to the busy timeout).
        library.create_tag("Waited")
        assert released.is_set()
        later.join()
        assert {tag.name for tag in library.list_tags()} == {"Before", "Waited"}
    finally:
        other.close()
        library.close()


def test_a_change_that_wrote_part_of_itself_is_not_turned_into_a_retry(
    library: Library, library_path: Path
) -> None:
    ids = list(library.query_work_ids(WorkQuery()))
    other = sqlite3.connect(library_path, isolation_level=None, check_same_thread=False)
    try:
        with pytest.raises(LibraryBusyError) as raised, library.write_turn(wait=False) as turn:
            library.set_read(ids[:1], True)  # written
            other.execute("BEGIN IMMEDIATE")  # then another program takes the library
            library.set_starred(ids[:1], True)
        # Not WriteBusyError: trying the whole change again would repeat what it wrote.
        assert not isinstance(raised.value, WriteBusyError) and turn.committed == 1
    finally:
        other.execute("ROLLBACK")
        other.close()
    work = library.get_work(ids[0])
    assert work.is_read and not work.starred
