"""Exports read and write without cyclic garbage collection, and turn it back on after; a
whole export reports its reading and can be stopped between batches."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from older_library import keys_taken_away

from exodesk import exporter
from exodesk.core.citekeys import first_free_key
from exodesk.core.entries import BibEntry
from exodesk.core.query import Scope, WorkQuery
from exodesk.core.records import Author, Source, WorkRecord
from exodesk.formats import registry
from exodesk.storage import citekeys as citekeys_store
from exodesk.storage.errors import NotFoundError
from exodesk.storage.importing import ImportOptions
from exodesk.storage.library import Library
from exodesk.storage.sql import BATCH


def test_collecting_and_writing_pause_garbage_collection(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = library.query_work_ids(WorkQuery(scope=Scope.EVERYTHING))
    seen: list[bool] = []
    real_entries_of = library.entries_of

    def entries_of(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real_entries_of(*args, **kwargs)

    monkeypatch.setattr(library, "entries_of", entries_of)
    entries = exporter.collect_entries(library, list(ids))
    real_write = registry.FileFormat.write

    def write(self, entries):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real_write(self, entries)

    monkeypatch.setattr(registry.FileFormat, "write", write)
    text = exporter.render(entries, "ris")
    assert text.startswith("TY  - ") and len(entries) == len(ids)
    assert seen == [False, False]
    assert gc.isenabled()


def test_first_export_keys_the_works_from_the_records_it_read(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    hand = [library.add_work(WorkRecord(title=f"By hand {n}", year=2020)) for n in range(3)]
    keys_taken_away(library, hand)  # keyed on their first export
    ids = list(library.query_work_ids(WorkQuery(scope=Scope.EVERYTHING)))
    assert sum(not entry.key for entry in library.entries_of(ids).values()) >= 3

    def read_again(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the works were read a second time to give them keys")

    monkeypatch.setattr(citekeys_store, "get_works", read_again)
    first = exporter.collect_entries(library, ids)
    keys = [entry.key for entry in first]
    assert all(keys) and len({key.lower() for key in keys}) == len(ids)
    stored = library.assign_citation_keys(ids, lambda _record: "unused")
    assert [stored[work_id] for work_id in ids] == keys
    assert [entry.key for entry in exporter.collect_entries(library, ids)] == keys


def test_exporting_a_work_that_is_gone_names_it(library: Library) -> None:
    keyless = library.add_work(WorkRecord(title="Entered by hand", year=2020))
    keys_taken_away(library, [keyless])
    ids = list(library.query_work_ids(WorkQuery(scope=Scope.EVERYTHING)))
    with pytest.raises(NotFoundError, match="No work with id 999999"):
        exporter.collect_entries(library, [*ids, 999999])
    # The failed export stored no key.
    assert library.assign_citation_keys([keyless], lambda _record: "fresh") == {keyless: "fresh"}


def test_a_file_is_replaced_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    exporter.write_file("first\n", target)
    exporter.write_file("second\n", target)
    assert target.read_text(encoding="utf-8") == "second\n"
    blocked = tmp_path / "folder.bib"
    blocked.mkdir()  # a folder where the file should go: the move fails
    (blocked / "inside").write_text("kept", encoding="utf-8")
    with pytest.raises(OSError):
        exporter.write_file("text\n", blocked)
    assert (blocked / "inside").read_text(encoding="utf-8") == "kept"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["folder.bib", "refs.bib"]


def _many_works(library: Library, count: int) -> list[int]:
    entries = [
        BibEntry(
            WorkRecord(
                title=f"Study {number} of exosomes",
                authors=(Author(f"Nowak-{number}", "Anna"), Author("Kim", f"Lee {number}")),
                year=2000 + number % 25,
            )
        )
        for number in range(count)
    ]
    return library.import_entries([(entries, ImportOptions(origin="test"))])[0].added


@pytest.mark.parametrize("format_name", ["csl-json", "bibtex", "biblatex", "ris", "csv"])
def test_an_export_resumes_collection_only_once_its_entries_are_gone(
    empty_library: Library, monkeypatch: pytest.MonkeyPatch, format_name: str
) -> None:
    """Objects made while collection is paused are young: were the entries alive when it
    resumed, the next collection would walk every one of them."""
    ids = _many_works(empty_library, 1200)
    exporter.export_text(empty_library, ids, format_name)  # gives the keys (first-time work)
    young_at_resume: list[int] = []
    real_pause = exporter.paused_gc

    @contextmanager
    def watched_pause() -> Iterator[None]:
        with real_pause():
            yield
            young_at_resume.append(len(gc.get_objects(generation=0)))

    monkeypatch.setattr(exporter, "paused_gc", watched_pause)
    gc.collect()
    text = exporter.export_text(empty_library, ids, format_name)
    assert text.count("Study ") == 1200
    collected, *_, whole = young_at_resume
    # collect_entries leaves the entries alive (at least a record and an entry per work); a
    # whole export leaves a few objects, whatever the number of works.
    assert collected >= 2 * 1200
    assert whole < 100
    assert gc.isenabled()


def test_an_export_reports_each_batch_and_stops_when_cancelled(empty_library: Library) -> None:
    ids = _many_works(empty_library, 2 * BATCH + 1)
    reports: list[tuple[int, int]] = []
    assert exporter.export_text(empty_library, ids, "ris", progress=lambda *r: reports.append(r))
    assert reports == [(BATCH, len(ids)), (2 * BATCH, len(ids)), (len(ids), len(ids))]

    class Cancelled(Exception):
        pass

    checks = 0

    def check() -> None:
        nonlocal checks
        checks += 1
        if checks == 2:
            raise Cancelled

    with pytest.raises(Cancelled):
        exporter.export_text(empty_library, ids, "ris", check=check)
    assert checks == 2 and gc.isenabled()


def test_exporting_works_an_import_added_gives_no_keys(
    empty_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _many_works(empty_library, 600)

    def give_keys(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the export gave keys: the import should have")

    monkeypatch.setattr(citekeys_store, "assign_keys", give_keys)
    text = exporter.export_text(empty_library, ids, "bibtex")
    assert text.count("@article{nowak") == 600  # {auth}{year}{shorttitle} of "Nowak-<n>"


def test_entries_for_the_clipboard_get_keys_free_among_them_and_nothing_is_stored(
    library: Library,
) -> None:
    twin = WorkRecord(title="Exosomes in saliva", year=2023, authors=(Author("Li", "W"),))
    keyed = library.add_work(twin)
    library.assign_citation_keys([keyed], lambda _record: "li2023exosomes")
    first, second = library.add_work(twin), library.add_work(twin)
    keys_taken_away(library, [first, second])  # keyless, the same base
    entries = exporter.collect_entries(library, [keyed, first, second], store_keys=False)
    assert [entry.key for entry in entries] == [
        "li2023exosomes",
        "li2023exosomesa",
        "li2023exosomesb",
    ]
    stored = library.entries_of([first, second])
    assert [stored[work_id].key for work_id in (first, second)] == ["", ""]  # nothing stored


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.sampled_from(["ab", "abc", "aba", "abca", "Ab", "b", "ABC"]), max_size=25),
    st.lists(st.sampled_from(["ab", "abc", "aba", "abcb", "ABa", "abcaa"]), unique=True),
)
def test_keys_given_are_the_first_free_ones_whatever_bases_start_others(
    tmp_path: Path, bases: list[str], stored: list[str]
) -> None:
    """Bases that start other bases ("ab", "abc", "abca") and keys stored before: every
    key given is the first free one of its base, counting the keys stored and those given
    before it, as if given one at a time in order (ignoring case)."""
    library = Library.open(tmp_path / f"keys-{len(list(tmp_path.iterdir()))}.sqlite")
    try:
        ids = [
            library.add_work(WorkRecord(title=f"Work {n}", year=2020), Source.IMPORT)
            for n in range(len(stored) + len(bases))
        ]
        keyed, keyless = ids[: len(stored)], ids[len(stored) :]
        keys_taken_away(library, ids)
        if stored:
            with library.engine.begin() as connection:
                connection.exec_driver_sql(
                    "UPDATE works SET citation_key = ? WHERE id = ?",
                    list(zip(stored, keyed, strict=True)),
                )
        base_of = {f"Work {len(stored) + n}": base for n, base in enumerate(bases)}
        given = library.assign_citation_keys(keyless, lambda record: base_of[record.title])
    finally:
        library.close()
    used = {key.lower() for key in stored}
    expected = {}
    for work_id, base in zip(keyless, bases, strict=True):
        key, _next = first_free_key(base, used)
        used.add(key.lower())
        expected[work_id] = key
    assert given == expected
