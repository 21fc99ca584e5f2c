"""Importing entries into a library: matching, merging, one transaction, cancelling."""

from __future__ import annotations

import pytest

from exodesk.core.entries import BibEntry
from exodesk.core.query import Scope, WorkQuery
from exodesk.core.records import Author, Source, WorkRecord
from exodesk.storage.errors import ConflictError
from exodesk.storage.importing import ImportCancelled, ImportOptions
from exodesk.storage.library import Library

OPTIONS = ImportOptions(origin="refs.ris")


def entry(line: int = 1, **fields: object) -> BibEntry:
    tags = fields.pop("tags", ())
    notes = fields.pop("notes", ())
    key = fields.pop("key", "")
    return BibEntry(WorkRecord(**fields), key=key, tags=tags, notes=notes, line=line)  # type: ignore[arg-type]


def import_one(library: Library, *entries: BibEntry, options: ImportOptions = OPTIONS):
    return library.import_entries([(list(entries), options)])[0]


def test_new_records_are_added_with_import_provenance(empty_library: Library) -> None:
    outcome = import_one(
        empty_library,
        entry(title="A new study", year=2024, doi="10.1234/new", tags=("inbox",), notes=("n",)),
    )
    assert len(outcome.added) == 1 and outcome.merged == []
    work = empty_library.get_work(outcome.added[0])
    assert work.provenance["title"] is Source.IMPORT
    assert [t.name for t in work.tags] == ["inbox"]
    assert [n.body for n in empty_library.list_notes(work.id)] == ["n"]
    assert empty_library.query_work_ids(WorkQuery(scope=Scope.ALL, text="new stud"))


@pytest.mark.parametrize(
    ("fields", "matched_on"),
    [
        ({"doi": "10.3390/BIOMEDICINES13010095"}, "doi"),
        ({"pmid": "39857679"}, "pmid"),
        ({"pmcid": "PMC11759861"}, "pmcid"),
    ],
)
def test_identifiers_match_and_fill_empty_fields(
    library: Library, fields: dict[str, str], matched_on: str
) -> None:
    work_id = library.find_work_id(pmid="39857679")
    outcome = import_one(
        library, entry(line=7, title="Found title", abstract="Abstract.", **fields)
    )
    assert outcome.merged == [work_id] and outcome.added == []
    work = library.get_work(work_id)  # type: ignore[arg-type]
    assert work.title == "Found title" and not work.needs_metadata
    assert library.merge_history(work_id) == [("refs.ris, line 7", matched_on, "title,abstract")]  # type: ignore[arg-type]


def test_fuzzy_title_year_first_author_matches(library: Library) -> None:
    work_id = library.find_work_id(pmid="39849585")
    record = entry(
        title="MESENCHYMAL STEM CELLS DERIVED EXOSOMES - A NEW ERA IN CARDIAC REGENERATION.",
        year=2025,
        authors=(Author(family="Rayat Pisheh", given="Hossein"), Author(family="Sani", given="M")),
        publisher="Springer",
    )
    outcome = import_one(library, record)
    assert outcome.merged == [work_id]
    assert library.get_work(work_id).record.publisher == "Springer"  # type: ignore[arg-type]
    assert library.merge_history(work_id)[0][1] == "title"  # type: ignore[arg-type]


def test_same_title_other_year_or_author_is_a_new_work(library: Library) -> None:
    title = "Mesenchymal stem cells derived exosomes: a new era in cardiac regeneration"
    other_year = entry(title=title, year=2019, authors=(Author(family="Rayat Pisheh"),))
    other_author = entry(line=2, title=title, year=2025, authors=(Author(family="Someone"),))
    outcome = import_one(library, other_year, other_author)
    assert len(outcome.added) == 2


def test_near_titles_inside_one_batch_become_one_work(empty_library: Library) -> None:
    # The second record's candidates are looked up before the first is added: the answer
    # must be asked again once a work of its year and author exists.
    nowak = (Author(family="Nowak"),)
    outcome = import_one(
        empty_library,
        entry(line=1, title="Exosomes in human carcinogenesis", year=2020, authors=nowak),
        entry(line=9, title="EXOSOMES IN HUMAN CARCINOGENESIS.", year=2020, authors=nowak,
              volume="3"),
    )  # fmt: skip
    assert len(outcome.added) == 1 and outcome.merged == []
    assert empty_library.get_work(outcome.added[0]).record.volume == "3"


def test_a_stored_work_given_a_year_is_found_by_title_later_in_the_batch(
    empty_library: Library,
) -> None:
    nowak = (Author(family="Nowak"),)
    [stored] = import_one(
        empty_library,
        entry(title="Exosomes in human carcinogenesis", doi="10.1234/x", authors=nowak),
    ).added
    outcome = import_one(
        empty_library,
        # Gives the stored work its year: it joins the (2020, Nowak) candidates.
        entry(line=1, doi="10.1234/x", title="Exosomes in human carcinogenesis", year=2020,
              authors=nowak),
        entry(line=9, title="Exosomes in human carcinogenesis.", year=2020, authors=nowak,
              volume="3"),
    )  # fmt: skip
    assert outcome.added == [] and outcome.merged == [stored]
    work = empty_library.get_work(stored)
    assert work is not None and (work.record.year, work.record.volume) == (2020, "3")


def test_merging_never_overwrites_user_edits_tags_or_notes(library: Library) -> None:
    work_id = library.find_work_id(pmid="39598465")
    assert work_id is not None
    library.update_fields(work_id, {"title": "My own title"})
    library.tag_works("Mine", [work_id])
    library.add_note(work_id, "my note")
    import_one(
        library,
        entry(pmid="39598465", title="Their title", volume="99", tags=("theirs",), notes=("x",)),
    )
    work = library.get_work(work_id)
    assert work.title == "My own title" and work.provenance["title"] is Source.USER
    assert work.record.volume == "17"  # filled before (seed): not overwritten
    assert {t.name for t in work.tags} == {"Mine", "theirs"}
    assert [n.body for n in library.list_notes(work_id)] == ["my note", "x"]


def test_duplicates_inside_one_file_become_one_work(empty_library: Library) -> None:
    outcome = import_one(
        empty_library,
        entry(line=1, title="Twice", doi="10.1234/twice"),
        entry(line=9, title="Twice", doi="10.1234/TWICE", volume="3"),
    )
    assert len(outcome.added) == 1 and outcome.merged == []
    assert empty_library.get_work(outcome.added[0]).record.volume == "3"


def test_records_without_title_or_identifier_are_skipped(empty_library: Library) -> None:
    outcome = import_one(empty_library, entry(line=4, abstract="only an abstract"))
    assert outcome.added == []
    assert [(p.line, p.message) for p in outcome.skipped] == [
        (4, "the record has no title and no identifier")
    ]


def test_invalid_identifier_is_skipped_with_its_line(empty_library: Library) -> None:
    outcome = import_one(empty_library, entry(line=12, title="Bad", doi="10.12/x y"))
    assert outcome.added == [] and outcome.skipped[0].line == 12
    assert "DOI" in outcome.skipped[0].message or "doi" in outcome.skipped[0].message


def test_cites_review_adds_edges(library: Library) -> None:
    review_id = library.tracked_review_id()
    options = ImportOptions(origin="x.bib", cites_review_id=review_id)
    outcome = import_one(library, entry(title="A new citing paper", year=2025), options=options)
    assert library.citation_sources(outcome.added[0], review_id) == ["import"]  # type: ignore[arg-type]
    assert library.sidebar_counts().citing == 6


def test_without_cites_review_works_join_as_references(library: Library) -> None:
    import_one(library, entry(title="Just a reference", year=2020))
    counts = library.sidebar_counts()
    assert (counts.citing, counts.all) == (5, 6)


def test_file_keys_are_kept_when_free_and_made_when_not(empty_library: Library) -> None:
    outcome = import_one(
        empty_library,
        entry(line=1, title="One", key="smith2020one"),
        entry(line=5, title="Two", key="smith2020one"),
    )
    keys = []
    with empty_library.engine.connect() as connection:
        for work_id in outcome.added:
            keys.append(
                connection.exec_driver_sql(
                    "SELECT citation_key FROM works WHERE id = ?", (work_id,)
                ).scalar()
            )
    # The second's file key is taken: it gets one from the pattern (no author, no year).
    assert keys == ["smith2020one", "anontwo"]


def test_cancel_leaves_the_library_as_it_was(library: Library) -> None:
    before = (library.sidebar_counts(), library.fts_rows())
    entries = [entry(line=n, title=f"Paper {n}", year=2000) for n in range(1, 1001)]
    calls = []

    def cancel_after_first_check() -> bool:
        calls.append(1)
        return True

    with pytest.raises(ImportCancelled):
        library.import_entries([(entries, OPTIONS)], should_cancel=cancel_after_first_check)
    assert calls
    assert (library.sidebar_counts(), library.fts_rows()) == before


def test_an_error_mid_import_rolls_everything_back(library: Library, monkeypatch) -> None:
    from exodesk.storage import importing

    real = importing._import_one
    seen = []

    def failing(connection, item, options, outcome):
        seen.append(item.line)
        if len(seen) == 3:
            raise ConflictError("boom")
        return real(connection, item, options, outcome)

    monkeypatch.setattr(importing, "_import_one", failing)
    before = library.sidebar_counts()
    with pytest.raises(ConflictError):
        import_one(library, *[entry(line=n, title=f"Paper {n}") for n in range(1, 6)])
    assert library.sidebar_counts() == before


def test_progress_is_reported(empty_library: Library) -> None:
    seen: list[tuple[int, int]] = []
    entries = [entry(line=n, title=f"Paper {n}") for n in range(1, 451)]
    empty_library.import_entries([(entries, OPTIONS)], progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (450, 450) and (200, 450) in seen


def test_generated_keys_never_clash_with_stored_ones_ignoring_case(
    empty_library: Library,
) -> None:
    outcome = import_one(
        empty_library,
        entry(line=1, title="Role of things", year=2020, authors=(Author(family="Smith"),),
              key="Smith 2020role"),
        entry(line=9, title="Role of others", year=2020, authors=(Author(family="Smith"),)),
    )  # fmt: skip
    keys = empty_library.assign_citation_keys(outcome.added, lambda record: "smith2020role")
    assert keys[outcome.added[0]] == "Smith2020role"  # stored as exports write it
    assert keys[outcome.added[1]] == "smith2020rolea"


def test_a_common_family_name_year_still_finds_the_near_title(
    empty_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Many stored works of one year and first author ("Wang", 2020), titles of every length:
    # only those of a near length are read, and the near title among them is still found.
    wang = (Author(family="Wang", given="L"),)
    stored = [
        entry(line=n, title=f"Study {n} " + "of exosome cargo " * (n % 12), year=2020, authors=wang)
        for n in range(120)
    ]
    added = import_one(empty_library, *stored).added
    target = added[37]  # "Study 37 of exosome cargo of exosome cargo" (1 repetition)
    read: list[int] = []
    from exodesk.storage import bulk

    original = bulk.title_candidates

    def counted(connection, wanted):  # type: ignore[no-untyped-def]
        found = original(connection, wanted)
        read.extend(work_id for ids, _keys in found.values() for work_id in ids)
        return found

    monkeypatch.setattr(bulk, "title_candidates", counted)
    near = entry(title="STUDY 37 OF EXOSOME CARGOS.", year=2020, authors=wang, publisher="P")
    other_number = entry(line=2, title="Study 38 of exosome cargo", year=2020, authors=wang)
    outcome = import_one(empty_library, near, other_number)

    assert outcome.merged == [target] and len(outcome.added) == 1
    assert empty_library.get_work(target).record.publisher == "P"
    assert target in read and 0 < len(set(read)) < len(added) // 4
