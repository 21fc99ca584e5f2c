"""Field provenance as one record per work: the record's form, and who set what after
adds, merges, edits and syncs."""

from __future__ import annotations

import json

from exodesk.core.entries import BibEntry
from exodesk.core.records import Author, Source, WorkRecord
from exodesk.storage import provenance
from exodesk.storage.importing import ImportOptions
from exodesk.storage.library import Library

T1 = "2026-01-02 03:04:05.000006"
T2 = "2026-02-03 04:05:06.000007"


def test_records_are_compact_json_groups() -> None:
    text = provenance.encode([("import", T1, ["title", "year"]), ("user", T2, ["volume"])])
    assert text == f'[["import","{T1}",["title","year"]],["user","{T2}",["volume"]]]'
    assert provenance.decode(text) == [("import", T1, ["title", "year"]), ("user", T2, ["volume"])]
    assert provenance.encode([("import", T1, [])]) == "[]"  # a group without fields goes


def test_the_import_writer_gives_what_encode_gives() -> None:
    names = ["type", "title", "abstract", "authors", "keywords"]
    assert provenance.group_writer("import", T1)(names) == provenance.encode(
        [("import", T1, names)]
    )
    assert json.loads(provenance.group_writer("sync", T2)(["doi"])) == [["sync", T2, ["doi"]]]


def test_sources_and_fields_of_a_source() -> None:
    text = provenance.encode([("import", T1, ["title", "year"]), ("user", T2, ["volume"])])
    assert provenance.sources(text) == {
        "title": Source.IMPORT,
        "year": Source.IMPORT,
        "volume": Source.USER,
    }
    assert provenance.fields_of(text, Source.USER) == {"volume"}
    assert provenance.fields_of(text, Source.SYNC) == set()
    assert provenance.fields_of(None, Source.USER) == set()


def test_a_damaged_record_reads_as_no_provenance() -> None:
    for text in ("", None, "not json", "{}", "[1, 2]", '[["import"]]'):
        assert provenance.sources(text) == {}
    # An unknown source says nothing about its fields; the others still count.
    text = '[["martian","t",["title"]],["user","t",["year"]]]'
    assert provenance.sources(text) == {"year": Source.USER}


def test_setting_fields_moves_them_to_the_newest_group() -> None:
    text = provenance.encode([("import", T1, ["title", "year", "volume"])])
    text = provenance.with_fields(text, ["title"], Source.USER, T2)
    assert provenance.decode(text) == [
        ("import", T1, ["year", "volume"]),
        ("user", T2, ["title"]),
    ]
    # The same source at the same time adds to its group; a group left empty goes.
    text = provenance.with_fields(text, ["year", "volume"], Source.USER, T2)
    assert provenance.decode(text) == [("user", T2, ["title", "year", "volume"])]
    assert provenance.decode(provenance.with_fields(None, ["doi"], Source.SYNC, T1)) == [
        ("sync", T1, ["doi"])
    ]


def test_provenance_after_import_edit_merge_and_sync(library: Library) -> None:
    record = WorkRecord(
        title="Exosomes in zebrafish fins",
        year=2021,
        doi="10.5555/prov.1",
        authors=(Author(family="Kowalska", given="Anna"),),
    )
    options = ImportOptions(origin="first.ris")
    (work_id,) = library.import_entries([([BibEntry(record)], options)])[0].added
    assert set(library.get_work(work_id).provenance.values()) == {Source.IMPORT}

    library.update_fields(work_id, {"title": "My zebrafish title", "volume": ""})
    again = WorkRecord(
        title="Exosomes in zebrafish fins",
        year=2021,
        doi="10.5555/prov.1",
        volume="12",
        issue="3",
        authors=record.authors,
    )
    second = ImportOptions(origin="second.ris")
    assert library.import_entries([([BibEntry(again)], second)])[0].merged == [work_id]
    work = library.get_work(work_id)
    assert work.record.title == "My zebrafish title"  # the user's, kept
    assert work.record.volume == ""  # emptied by the user: never filled by an import
    assert work.record.issue == "3"
    assert work.provenance["title"] is Source.USER
    assert work.provenance["volume"] is Source.USER
    assert work.provenance["issue"] is Source.IMPORT
    assert work.provenance["doi"] is Source.IMPORT
    assert library.merge_history(work_id) == [("second.ris", "doi", "issue")]

    library.update_fields(work_id, {"pages": "1-9"}, Source.SYNC)
    assert library.get_work(work_id).provenance["pages"] is Source.SYNC
    with library.engine.connect() as connection:
        (text,) = provenance.read(connection, [work_id]).values()
    groups = provenance.decode(text)
    assert [source for source, _time, _names in groups] == ["import", "user", "import", "sync"]
    named = [name for _source, _time, names in groups for name in names]
    assert len(named) == len(set(named))  # each field in one group only
