"""An import's commit leaves the WAL checkpoint to a thread of its own, and only its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from exodesk.core.entries import BibEntry
from exodesk.core.query import Scope, WorkQuery
from exodesk.core.records import Author, WorkRecord
from exodesk.storage import checkpoints
from exodesk.storage.importing import ImportCancelled, ImportOptions
from exodesk.storage.library import Library

EVERYTHING = WorkQuery(scope=Scope.EVERYTHING)
ABSTRACT = "Exosomes carry proteins, lipids and nucleic acids between cells. " * 40


def big_batch(count: int = 1200) -> list[BibEntry]:
    """More than SQLite's 1,000 pages of WAL, the size at which a commit checkpoints."""
    return [
        BibEntry(
            record=WorkRecord(
                title=f"Vesicle study number {number}",
                year=2000 + number % 25,
                abstract=f"{number} {ABSTRACT}",
                authors=(Author(family=f"Nowak{number}", given="A"),),
            )
        )
        for number in range(count)
    ]


def autocheckpoint_pages(library: Library) -> list[int]:
    """The setting of the pooled connection: these tests never hold two at once, so it is
    the one the import wrote with."""
    with library.engine.connect() as connection:
        return [connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()]


def test_the_import_commits_and_a_thread_copies_its_pages_into_the_file(
    empty_library: Library, library_path: Path
) -> None:
    before = library_path.stat().st_size
    empty_library.import_entries([(big_batch(), ImportOptions(origin="big"))])
    empty_library.wait_for_checkpoints()
    assert library_path.stat().st_size > before + 4_000_000
    assert autocheckpoint_pages(empty_library) == [checkpoints.AUTOCHECKPOINT_PAGES]


def test_without_that_thread_the_pages_stay_in_the_wal_until_a_later_checkpoint(
    empty_library: Library, library_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[bool] = []
    monkeypatch.setattr(
        checkpoints.BackgroundCheckpoints, "start", lambda self: started.append(True)
    )
    before = library_path.stat().st_size
    empty_library.import_entries([(big_batch(), ImportOptions(origin="big"))])
    assert started == [True]
    # The import's own commit copied nothing: the file is as it was, its rows in the WAL.
    assert library_path.stat().st_size == before
    assert empty_library.count_works(EVERYTHING) == 1200
    # A later ordinary commit, whose connection checkpoints again, copies them.
    assert autocheckpoint_pages(empty_library) == [checkpoints.AUTOCHECKPOINT_PAGES]
    empty_library.tag_works("after", [1])
    assert library_path.stat().st_size > before + 4_000_000


def test_a_cancelled_import_starts_no_checkpoint_and_restores_the_setting(
    empty_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[bool] = []
    monkeypatch.setattr(
        checkpoints.BackgroundCheckpoints, "start", lambda self: started.append(True)
    )
    with pytest.raises(ImportCancelled):
        empty_library.import_entries(
            [(big_batch(600), ImportOptions(origin="big"))], should_cancel=lambda: True
        )
    assert started == [] and empty_library.count_works(EVERYTHING) == 0
    assert autocheckpoint_pages(empty_library) == [checkpoints.AUTOCHECKPOINT_PAGES]


def test_a_checkpoint_that_cannot_run_is_left_to_the_next_commit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "gone" / "library.sqlite"  # sqlite3 cannot open it
    checkpoints.BackgroundCheckpoints(missing, 0.1)._run()
    assert "left to the next commit" in caplog.text
    assert not missing.exists()


def test_giving_keys_to_many_works_leaves_its_checkpoint_to_a_thread(
    empty_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first export of works without keys rewrites every one of their rows.
    [report] = empty_library.import_entries([(big_batch(), ImportOptions(origin="big"))])
    with empty_library.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE works SET citation_key = NULL")
    started: list[bool] = []
    monkeypatch.setattr(
        checkpoints.BackgroundCheckpoints, "start", lambda self: started.append(True)
    )

    keys = empty_library.assign_citation_keys(report.added, lambda record: record.title[:14])

    assert started == [True] and len(set(keys.values())) == len(report.added)
    assert autocheckpoint_pages(empty_library) == [checkpoints.AUTOCHECKPOINT_PAGES]
    with empty_library.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE works SET citation_key = NULL WHERE id <= 3")
    empty_library.assign_citation_keys([1, 2, 3], lambda record: "few")
    assert started == [True]  # a few keys: the commit checkpoints as it always does
