"""The Library facade: works, merging with provenance, constraints, tags, notes, listing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from exodesk.core.identifiers import InvalidIdentifier
from exodesk.core.query import Scope, SortKey, WorkQuery
from exodesk.core.records import Author, Source, WorkRecord
from exodesk.default_library import load_seed
from exodesk.storage.errors import (
    ConflictError,
    LibraryBusyError,
    NotFoundError,
    QueryCancelled,
)
from exodesk.storage.library import Library

REVIEW_TITLE = (
    "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy-Recent Findings "
    "from Molecular and Clinical Research"
)
SEED_PMIDS = {"39886670", "39857679", "39849585", "39817143", "39598465"}


def citing_pmids(library: Library, **query: object) -> list[str]:
    ids = library.query_work_ids(WorkQuery(**query))  # type: ignore[arg-type]
    rows = library.fetch_rows(ids)
    return [rows[i].pmid for i in ids]


# -- the embedded default library ------------------------------------------------------------
def test_seed_builds_the_review_and_five_linked_citing_articles(library: Library) -> None:
    review_id = library.tracked_review_id()
    assert review_id is not None
    review = library.get_work(review_id)
    assert review.title == REVIEW_TITLE
    assert review.pmid == "36766698" and review.doi == "10.3390/cells12030356"
    assert review.pmcid == ""
    assert [a.family for a in review.record.authors][:2] == ["Stefańska", "Józkowiak"]
    assert len(review.record.authors) == 14
    assert review.record.authors[0].affiliations[0].startswith("Department of Histology")
    assert review.record.keywords == ("cancer", "cancer therapies", "drug resistance", "exosomes")
    assert review.record.subjects == ("Biophysics", "Cell Biology", "Molecular Biology")
    assert review.record.abstract.startswith("Exosomes are biological nanoscale")
    assert (review.record.volume, review.record.issue, review.record.article_number) == (
        "12",
        "3",
        "356",
    )
    assert review.provenance["title"] is Source.SEED
    assert set(citing_pmids(library)) == SEED_PMIDS
    for work_id in library.query_work_ids(WorkQuery()):
        assert library.citation_sources(work_id, review_id) == ["seed"]


def test_untitled_seed_entries_are_flagged_and_never_invented(library: Library) -> None:
    untitled = citing_pmids(library, scope=Scope.NEEDS_METADATA)
    assert sorted(untitled) == ["39598465", "39857679"]
    for pmid in untitled:
        work = library.get_work(library.find_work_id(pmid=pmid) or -1)
        assert work.title == "" and work.needs_metadata


def test_seed_works_with_a_title_are_keyed_and_untitled_ones_wait(library: Library) -> None:
    ids = library.query_work_ids(WorkQuery(scope=Scope.EVERYTHING))
    keys = {entry.record.pmid: entry.key for entry in library.entries_of(ids).values()}
    assert keys["36766698"] == "stefanska2023role"
    assert keys["39598465"] == keys["39857679"] == ""  # a key from nothing would read "ref"
    titled = [key for pmid, key in keys.items() if pmid not in ("39598465", "39857679")]
    assert len(titled) == 4 and all(titled)
    assert len({key.lower() for key in titled}) == 4
    load_seed(library)
    again = {entry.record.pmid: entry.key for entry in library.entries_of(ids).values()}
    assert again == keys


def test_reading_the_seed_again_adds_nothing(library: Library) -> None:
    before = library.fts_rows()
    again = load_seed(library)
    assert again.added == 0 and again.new_edges == 0
    assert library.count_works(WorkQuery(scope=Scope.ALL)) == 5
    assert library.fts_rows() == before


# -- identifiers and constraints -------------------------------------------------------------
def test_doi_matching_folds_ascii_case_only(empty_library: Library) -> None:
    work_id = empty_library.add_work(WorkRecord(title="A", doi="10.1234/ABC.Ä"))
    assert empty_library.find_work_id(doi="10.1234/abc.Ä") == work_id
    assert empty_library.find_work_id(doi="10.1234/abc.ä") is None
    assert empty_library.get_work(work_id).doi == "10.1234/ABC.Ä"  # shown as given


def test_identifiers_are_unique(empty_library: Library) -> None:
    empty_library.add_work(WorkRecord(title="A", doi="10.1234/x", pmid="1", pmcid="PMC1"))
    for record in (
        WorkRecord(title="B", doi="10.1234/X"),
        WorkRecord(title="B", pmid="1"),
        WorkRecord(title="B", pmcid="pmc1"),
    ):
        with pytest.raises(ConflictError):
            empty_library.add_work(record)
    assert empty_library.count_works(WorkQuery(scope=Scope.ALL)) == 1


def test_missing_identifiers_do_not_collide(empty_library: Library) -> None:
    empty_library.add_work(WorkRecord(title="A"))
    empty_library.add_work(WorkRecord(title="B"))
    assert empty_library.count_works(WorkQuery(scope=Scope.ALL)) == 2


def test_invalid_identifiers_are_refused(empty_library: Library) -> None:
    with pytest.raises(InvalidIdentifier):
        empty_library.add_work(WorkRecord(title="A", doi="not a doi"))
    assert empty_library.is_empty()


def test_deleting_a_work_cascades(library: Library) -> None:
    work_id = library.find_work_id(pmid="39886670")
    assert work_id is not None
    library.tag_works("to read", [work_id])
    library.add_note(work_id, "note")
    library.delete_works([work_id])
    with pytest.raises(NotFoundError):
        library.get_work(work_id)
    assert library.list_tags()[0].count == 0
    assert library.list_notes(work_id) == []
    assert work_id not in library.fts_rows()


# -- merging with provenance -----------------------------------------------------------------
def test_upsert_fills_empty_fields_and_keeps_user_edits(library: Library) -> None:
    work_id = library.find_work_id(pmid="39857679")
    assert work_id is not None
    library.update_fields(work_id, {"volume": "99"})  # the user's own value
    result = library.upsert_work(
        WorkRecord(title="A real title", volume="13", pmid="39857679", abstract="Text."),
        Source.SYNC,
    )
    work = library.get_work(work_id)
    assert result.work_id == work_id and not result.created
    assert set(result.filled) == {"title", "abstract"}
    assert work.title == "A real title" and not work.needs_metadata
    assert work.record.volume == "99"
    assert work.provenance["volume"] is Source.USER
    assert work.provenance["title"] is Source.SYNC


def test_user_edit_of_title_clears_needs_metadata(library: Library) -> None:
    work_id = library.find_work_id(pmid="39598465")
    assert work_id is not None
    library.update_fields(work_id, {"title": "Typed by me"})
    work = library.get_work(work_id)
    assert work.title == "Typed by me" and not work.needs_metadata
    assert work.provenance["title"] is Source.USER


def test_update_refuses_an_identifier_of_another_work(library: Library) -> None:
    first = library.find_work_id(pmid="39886670")
    assert first is not None
    with pytest.raises(ConflictError):
        library.update_fields(first, {"pmid": "39857679"})
    assert library.get_work(first).pmid == "39886670"


def test_authors_with_collective_names_and_orcids_round_trip(empty_library: Library) -> None:
    people = (
        Author(family="Nyström", given="Thomas", orcid="0000-0001-6804-6564"),
        Author(name="The Exosome Consortium"),
    )
    work_id = empty_library.add_work(WorkRecord(title="T", authors=people))
    assert empty_library.get_work(work_id).record.authors == people
    row = empty_library.fetch_rows([work_id])[work_id]
    assert row.authors_display == "Nyström T et al."


# -- the full-text index after every kind of write -------------------------------------------
def fts_hits(library: Library, text: str, scope: Scope = Scope.ALL) -> set[int]:
    return set(library.query_work_ids(WorkQuery(scope=scope, text=text)))


def test_search_is_prefix_and_diacritic_insensitive(library: Library) -> None:
    exo = fts_hits(library, "exo")
    assert {library.find_work_id(pmid=p) for p in ("39886670", "39849585", "39817143")} <= exo
    assert fts_hits(library, "Pisheh") == {library.find_work_id(pmid="39849585")}
    assert fts_hits(library, "world gastro") == {library.find_work_id(pmid="39817143")}


def test_search_text_cannot_break_the_query(library: Library) -> None:
    for hostile in ('"', "exo OR", "NEAR(", "title:x", "*", "a AND", "')--", "\x00"):
        library.query_work_ids(WorkQuery(text=hostile))  # must not raise


def test_index_follows_field_edits(library: Library) -> None:
    work_id = library.find_work_id(pmid="39857679")
    assert work_id is not None
    library.update_fields(work_id, {"title": "Zebrafish vesicles"})
    assert fts_hits(library, "zebrafish") == {work_id}
    library.update_fields(work_id, {"title": "Other words"})
    assert fts_hits(library, "zebrafish") == set()


def test_index_follows_tags(library: Library) -> None:
    work_id = library.find_work_id(pmid="39857679")
    assert work_id is not None
    tag = library.tag_works("Methodology", [work_id])
    assert fts_hits(library, "methodo") == {work_id}
    library.rename_tag(tag.id, "Protocols")
    assert fts_hits(library, "methodo") == set() and fts_hits(library, "protoc") == {work_id}
    other = library.tag_works("Keep", [work_id])
    library.merge_tags([tag.id], other.id)
    assert fts_hits(library, "protoc") == set()
    library.untag_works(other.id, [work_id])
    assert fts_hits(library, "keep") == set()
    library.tag_works("Gone soon", [work_id])
    gone = library.find_tag("gone soon")
    assert gone is not None
    library.delete_tag(gone.id)
    assert fts_hits(library, "gone") == set()


def test_index_follows_notes(library: Library) -> None:
    work_id = library.find_work_id(pmid="39849585")
    assert work_id is not None
    note = library.add_note(work_id, "Compare with **cardiomyocyte** data")
    assert fts_hits(library, "cardiomyo") == {work_id}
    library.update_note(note.id, "nothing here")
    assert fts_hits(library, "cardiomyo") == set()
    library.delete_note(note.id)
    assert fts_hits(library, "nothing") == set()


def test_index_follows_upserts(library: Library) -> None:
    library.upsert_work(WorkRecord(pmid="39598465", title="Radiopharmaceuticals"), Source.SYNC)
    assert fts_hits(library, "radiopharm") == {library.find_work_id(pmid="39598465")}


# -- tags ------------------------------------------------------------------------------------
def test_tagging_says_whether_it_created_the_tag(library: Library) -> None:
    ids = list(library.query_work_ids(WorkQuery()))
    tag, created = library.tag_works_creating("Methods", ids[:1])
    assert created and (tag.name, tag.count) == ("Methods", 1)
    again, created = library.tag_works_creating("METHODS", ids[1:2])
    assert not created and again.id == tag.id and again.count == 2


def test_tag_names_are_unique_case_insensitively(library: Library) -> None:
    ids = list(library.query_work_ids(WorkQuery()))
    first = library.tag_works("Review", ids[:2])
    second = library.tag_works("review", ids[1:3])
    assert first.id == second.id and second.name == "Review"
    assert second.count == 3
    with pytest.raises(ConflictError):
        library.create_tag("REVIEW")
    other = library.create_tag("Other")
    with pytest.raises(ConflictError, match="merge"):
        library.rename_tag(other.id, "rEvIeW")
    library.rename_tag(first.id, "REVIEW")  # changing only the case is fine
    assert library.find_tag("review").name == "REVIEW"  # type: ignore[union-attr]


def test_tag_names_and_colours_are_validated(library: Library) -> None:
    with pytest.raises(ValueError):
        library.create_tag("   ")
    tag = library.create_tag("Colourful", "#12AB34")
    assert tag.color == "#12ab34"
    with pytest.raises(ValueError):
        library.recolor_tag(tag.id, "javascript:red")


def test_tagging_unknown_works_changes_nothing(library: Library) -> None:
    with pytest.raises(NotFoundError):
        library.tag_works("x", [999999])
    assert library.list_tags() == []


def test_tag_scope_and_counts(library: Library) -> None:
    ids = list(library.query_work_ids(WorkQuery()))
    tag = library.tag_works("Hot", ids[:3])
    assert set(library.query_work_ids(WorkQuery(scope=Scope.TAG, tag_id=tag.id))) == set(ids[:3])
    library.merge_tags([library.tag_works("Warm", ids[3:]).id], tag.id)
    assert [t.count for t in library.list_tags()] == [5]


# -- notes -----------------------------------------------------------------------------------
def test_several_notes_per_work_keep_times(library: Library) -> None:
    work_id = library.find_work_id(pmid="39886670")
    assert work_id is not None
    first = library.add_note(work_id, "one")
    second = library.add_note(work_id, "two")
    updated = library.update_note(first.id, "one, revised")
    assert [n.body for n in library.list_notes(work_id)] == ["one, revised", "two"]
    assert updated.created == first.created and updated.updated >= first.updated
    assert second.id != first.id


# -- listing and sorting ----------------------------------------------------------------------
@pytest.mark.parametrize("key", list(SortKey))
def test_every_column_sorts_both_ways(library: Library, key: SortKey) -> None:
    ascending = list(library.query_work_ids(WorkQuery(sort=key, descending=False)))
    descending = list(library.query_work_ids(WorkQuery(sort=key, descending=True)))
    assert sorted(ascending) == sorted(descending) and len(ascending) == 5
    assert ascending == descending[::-1]


def test_sort_by_year_and_pmid_is_numeric(library: Library) -> None:
    assert citing_pmids(library, sort=SortKey.PMID, descending=False) == sorted(SEED_PMIDS)
    rows = library.fetch_rows(library.query_work_ids(WorkQuery(sort=SortKey.YEAR)))
    years = [rows[i].year for i in library.query_work_ids(WorkQuery(sort=SortKey.YEAR))]
    assert years == [2025, 2025, 2025, 2025, 2024]


def test_flags_filter_the_sidebar_scopes(library: Library) -> None:
    ids = list(library.query_work_ids(WorkQuery()))
    library.set_read(ids[:2])
    library.set_starred(ids[4:])
    counts = library.sidebar_counts()
    assert (counts.citing, counts.unread, counts.starred, counts.needs_metadata) == (5, 3, 1, 2)
    assert list(library.query_work_ids(WorkQuery(scope=Scope.STARRED))) == ids[4:]


def test_citing_counts_by_year(library: Library) -> None:
    review_id = library.tracked_review_id()
    assert review_id is not None
    assert library.citing_counts_by_year(review_id) == {2024: 1, 2025: 4}


def test_resolve_item_by_id_doi_pmid_pmcid(library: Library) -> None:
    work_id = library.find_work_id(pmid="39886670")
    assert library.resolve_item("39886670") == work_id
    assert library.resolve_item("10.3389/FONC.2024.1522491") == work_id
    assert library.resolve_item("https://doi.org/10.3389/fonc.2024.1522491") == work_id
    assert library.resolve_item("PMC11779718") == work_id
    assert library.resolve_item(str(work_id)) == work_id
    assert library.resolve_item(f"id:{work_id}") == work_id
    for missing in ("12345678", "10.9999/nothing", "id:999", "what"):
        with pytest.raises(NotFoundError):
            library.resolve_item(missing)


# -- the environment ---------------------------------------------------------------------------
def test_a_locked_library_gives_a_clear_error_and_keeps_data(library_path: Path) -> None:
    library = Library.open(library_path, busy_timeout_ms=100)
    load_seed(library)
    blocker = sqlite3.connect(library_path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(LibraryBusyError, match="locked"):
            library.tag_works("x", list(library.query_work_ids(WorkQuery()))[:1])
    finally:
        blocker.rollback()
        blocker.close()
    assert library.list_tags() == []
    library.close()


def test_sidebar_counts_agree_with_the_scopes(library: Library) -> None:
    ids = list(library.query_work_ids(WorkQuery()))
    library.set_read(ids[:2])
    library.set_starred(ids[1:4])
    library.add_work(WorkRecord(title="A reference that cites nothing"))
    counts = library.sidebar_counts()
    for scope, value in (
        (Scope.CITING, counts.citing),
        (Scope.ALL, counts.all),
        (Scope.UNREAD, counts.unread),
        (Scope.STARRED, counts.starred),
        (Scope.NEEDS_METADATA, counts.needs_metadata),
        (Scope.NEW, counts.new),
    ):
        assert library.count_works(WorkQuery(scope=scope)) == value, scope


# -- tags in searches, without the full-text index -------------------------------------------
def test_tagging_leaves_the_full_text_index_alone(library: Library) -> None:
    before = library.fts_rows()
    ids = list(library.query_work_ids(WorkQuery()))
    tag = library.tag_works("Cardiology reading list", ids)
    library.rename_tag(tag.id, "Cardio")
    assert library.fts_rows() == before


def test_a_search_mixes_words_of_tags_and_of_the_text(library: Library) -> None:
    myeloma = library.find_work_id(pmid="39886670")
    other = library.find_work_id(pmid="39849585")
    assert myeloma is not None and other is not None
    library.tag_works("Haematology journal club", [myeloma, other])
    assert fts_hits(library, "haemat") == {myeloma, other}
    assert fts_hits(library, "haemat myeloma") == {myeloma}  # one word from each
    assert fts_hits(library, "club myel journ") == {myeloma}
    assert fts_hits(library, "Haematology nothingmatches") == set()
    assert fts_hits(library, "ématology") == set()  # a prefix of a word, not a substring


def test_tag_words_match_without_accents_or_case(library: Library) -> None:
    work_id = library.find_work_id(pmid="39886670")
    assert work_id is not None
    library.tag_works("Évaluation rapide", [work_id])
    assert fts_hits(library, "evalu") == {work_id}
    assert fts_hits(library, "RAPIDE") == {work_id}


def test_a_long_query_can_be_cancelled(empty_library: Library) -> None:
    for number in range(2000):
        empty_library.add_work(WorkRecord(title=f"Work {number}"))
    query = WorkQuery(scope=Scope.ALL, sort=SortKey.TAGS)
    assert len(empty_library.query_work_ids(query, cancelled=lambda: False)) == 2000
    with pytest.raises(QueryCancelled):
        empty_library.query_work_ids(query, cancelled=lambda: True)
    assert len(empty_library.query_work_ids(query)) == 2000  # the connection still works


def test_the_first_window_of_a_query(empty_library: Library) -> None:
    for number in range(30):
        empty_library.add_work(WorkRecord(title=f"Work {number:02d}"))
    query = WorkQuery(scope=Scope.ALL, sort=SortKey.TITLE, descending=False)
    every = list(empty_library.query_work_ids(query))
    window = empty_library.first_work_ids(query, 10)
    assert list(window.ids) == every[:10] and not window.complete
    whole = empty_library.first_work_ids(query, 30)
    assert list(whole.ids) == every and whole.complete


def test_the_tags_sort_follows_every_change_of_tags(library: Library) -> None:
    ids = sorted(library.query_work_ids(WorkQuery()))
    first, second, third = ids[:3]
    library.tag_works("Mango", [first, second])
    banana = library.tag_works("Banana", [second])
    library.tag_works("Zucchini", [third])

    def by_tags() -> list[int]:
        order = list(library.query_work_ids(WorkQuery(sort=SortKey.TAGS, descending=False)))
        return [work_id for work_id in order if work_id in (first, second, third)]

    assert by_tags() == [second, first, third]  # Banana, Mango, Zucchini
    library.rename_tag(banana.id, "Tomato")
    assert by_tags() == [first, second, third]  # Mango, Mango+Tomato, Zucchini
    mango = library.find_tag("Mango")
    assert mango is not None
    library.untag_works(mango.id, [second])
    assert by_tags() == [first, second, third]  # Mango, Tomato, Zucchini
    library.delete_tag(mango.id)
    assert by_tags() == [first, second, third]  # untagged first, then Tomato, Zucchini
    library.merge_tags([banana.id], library.find_tag("Zucchini").id)  # type: ignore[union-attr]
    assert by_tags() == [first, second, third]  # untagged, then Zucchini twice (by id)
    with library.engine.connect() as connection:
        stored = dict(connection.exec_driver_sql("SELECT id, first_tag FROM works").all())
    assert (stored[first], stored[second], stored[third]) == (None, "Zucchini", "Zucchini")


def test_a_library_opens_exactly_where_asked_whatever_its_folder_name(tmp_path: Path) -> None:
    # "?" would end a URL's file name, "#" a URI's, "%" starts an escape.
    folder = tmp_path / "lab ?1 #2 %41 é"
    path = folder / "library.sqlite"
    library = Library.open(path)
    try:
        work_id = library.add_work(WorkRecord(title="Exosomes in a folder with a ?"))
    finally:
        library.close()
    assert [entry.name for entry in tmp_path.iterdir()] == [folder.name]
    assert path.is_file()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT title FROM works WHERE id = ?", (work_id,)).fetchone()
    reopened = Library.open(path)
    try:
        assert reopened.backup_path is None
        work = reopened.get_work(work_id)
        assert work is not None and work.record.title == "Exosomes in a folder with a ?"
    finally:
        reopened.close()


def test_a_work_added_by_hand_is_keyed_when_it_has_a_title(empty_library: Library) -> None:
    nowak = (Author(family="Nowak"),)
    first = empty_library.add_work(WorkRecord(title="Exosomes in saliva", year=2023, authors=nowak))
    twin = empty_library.add_work(WorkRecord(title="Exosomes in saliva", year=2023, authors=nowak))
    chosen = empty_library.add_work(WorkRecord(title="Any"), make_key=lambda _record: "mine")
    untitled = empty_library.add_work(WorkRecord(pmid="40000001", year=2023))
    keys = {work_id: entry.key for work_id, entry in empty_library.entries_of(
        [first, twin, chosen, untitled]).items()}  # fmt: skip
    assert keys == {
        first: "nowak2023exosomes",
        twin: "nowak2023exosomesa",
        chosen: "mine",
        untitled: "",  # keyed once its metadata comes in, or on its first export
    }
