"""A whole library out through each format and into a fresh library gives the same works."""

from __future__ import annotations

from pathlib import Path

import pytest

from exodesk.core.query import Scope, WorkQuery
from exodesk.exporter import ExportScope, collect_entries, render
from exodesk.importer import import_files
from exodesk.storage.library import Library

FORMATS = ["ris", "medline", "bibtex", "biblatex", "csl-json", "endnote-xml"]
SUFFIX = {"ris": ".ris", "medline": ".nbib", "bibtex": ".bib", "biblatex": ".bib",
          "csl-json": ".json", "endnote-xml": ".xml"}  # fmt: skip
#: Formats that carry tags as tags (the others return them as keywords, like Zotero does).
TAGS_AS_TAGS = {"bibtex", "biblatex", "csl-json", "endnote-xml"}


def comparable(library: Library, work_id: int) -> tuple[object, ...]:
    record = library.get_work(work_id).record
    return (
        record.title,
        tuple((a.family, a.given, a.name) for a in record.authors),
        record.container_title,
        record.year,
        record.volume,
        record.issue,
        record.doi.lower(),
        record.pmid,
        record.pmcid,
    )


@pytest.mark.parametrize("format_name", FORMATS)
def test_export_then_import_gives_back_the_same_works(
    library: Library, tmp_path: Path, format_name: str
) -> None:
    ids = list(library.query_work_ids(WorkQuery(scope=Scope.EVERYTHING)))
    library.tag_works("to read", ids[:3])
    library.add_note(ids[0], "First note with **bold** text")
    entries = collect_entries(library, ExportScope().resolve(library))
    path = tmp_path / f"library{SUFFIX[format_name]}"
    path.write_text(render(entries, format_name), encoding="utf-8")

    fresh = Library.open(tmp_path / "fresh.sqlite")
    try:
        report = import_files(fresh, [path], format_name=format_name)
        assert (report.added, report.merged, report.skipped) == (6, 0, 0), report.details()
        for work_id in ids:
            original = library.get_work(work_id)
            twin = fresh.find_work_id(pmid=original.pmid)
            assert twin is not None
            assert comparable(fresh, twin) == comparable(library, work_id)
            twin_work = fresh.get_work(twin)
            if format_name in TAGS_AS_TAGS:
                assert [t.name for t in twin_work.tags] == [t.name for t in original.tags]
            else:
                for tag in original.tags:
                    assert tag.name in twin_work.record.keywords
        first_twin = fresh.find_work_id(pmid=library.get_work(ids[0]).pmid)
        assert [n.body.strip() for n in fresh.list_notes(first_twin)] == [  # type: ignore[arg-type]
            "First note with **bold** text"
        ]
    finally:
        fresh.close()


def test_importing_the_same_export_twice_adds_nothing(library: Library, tmp_path: Path) -> None:
    entries = collect_entries(library, ExportScope().resolve(library))
    path = tmp_path / "again.ris"
    path.write_text(render(entries, "ris"), encoding="utf-8")
    report = import_files(library, [path])
    assert (report.added, report.merged) == (0, 6)
    assert library.count_works(WorkQuery(scope=Scope.EVERYTHING)) == 6
