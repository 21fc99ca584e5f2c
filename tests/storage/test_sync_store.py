"""What sync writes into the library: per-work merges, suggestions, new works, the run log."""

from __future__ import annotations

from typing import Any

import pytest

from exodesk.core.query import Scope, WorkQuery
from exodesk.core.records import Author, Source, Work, WorkRecord
from exodesk.storage.errors import NotFoundError
from exodesk.storage.library import Library


def planner(updates: dict[str, Any], suggestions: dict[str, Any] | None = None):
    def plan(_work: Work) -> tuple[dict[str, Any], dict[str, Any]]:
        return updates, suggestions or {}

    return plan


def test_merge_upstream_writes_sync_provenance_and_state(library: Library) -> None:
    work_id = library.find_work_id(pmid="39857679")
    assert work_id is not None
    changed = library.merge_upstream(work_id, planner({"title": "Filled title"}), "pubmed")
    work = library.get_work(work_id)
    assert changed == ["title"] and work.title == "Filled title" and not work.needs_metadata
    assert work.provenance["title"] is Source.SYNC
    assert library.sync_state(work_id) == {"pubmed": "ok"}
    assert library.query_work_ids(WorkQuery(scope=Scope.ALL, text="filled"))


def test_an_identifier_taken_by_another_work_is_skipped(library: Library) -> None:
    first = library.find_work_id(pmid="39857679")
    assert first is not None
    taken = library.get_work(library.find_work_id(pmid="39886670")).pmcid  # type: ignore[arg-type]
    changed = library.merge_upstream(first, planner({"pmcid": taken, "volume": "13"}), "pubmed")
    assert changed == ["volume"]


def test_suggestions_are_kept_accepted_or_dismissed(library: Library) -> None:
    work_id = library.find_work_id(pmid="39849585")
    assert work_id is not None
    library.update_fields(work_id, {"title": "My title"})
    people = (Author(family="Rayat Pisheh", given="Hossein", affiliations=("Tehran",)),)
    library.merge_upstream(
        work_id, planner({}, {"title": "Their title", "authors": people}), "crossref"
    )
    assert library.get_work(work_id).title == "My title"
    suggestions = library.suggestions(work_id)
    assert suggestions["title"] == ("Their title", "crossref")
    assert suggestions["authors"] == (people, "crossref")
    library.accept_suggestion(work_id, "title")
    work = library.get_work(work_id)
    assert work.title == "Their title" and work.provenance["title"] is Source.SYNC
    library.dismiss_suggestion(work_id, "authors")
    assert library.suggestions(work_id) == {}
    with pytest.raises(NotFoundError):
        library.accept_suggestion(work_id, "title")


def test_citing_works_from_sync_are_new_and_edges_record_sources(library: Library) -> None:
    review_id = library.tracked_review_id()
    assert review_id is not None
    work_id, created = library.add_citing_work(review_id, WorkRecord(pmid="40000001"), "pubmed")
    again, created_again = library.add_citing_work(
        review_id, WorkRecord(pmid="40000001"), "europepmc"
    )
    assert created and not created_again and again == work_id
    assert library.citation_sources(work_id, review_id) == ["pubmed", "europepmc"]
    assert library.sidebar_counts().new == 1
    assert list(library.query_work_ids(WorkQuery(scope=Scope.NEW))) == [work_id]
    assert library.get_work(work_id).needs_metadata
    known = library.find_work_id(pmid="39886670")
    assert library.add_citing_work(review_id, WorkRecord(pmid="39886670"), "pubmed") == (
        known,
        False,
    )
    assert library.citation_sources(known, review_id) == ["seed", "pubmed"]  # type: ignore[arg-type]
    library.clear_new_flags()
    assert library.sidebar_counts().new == 0


def key_of(library: Library, work_id: int) -> str:
    return library.entries_of([work_id])[work_id].key


def by_title(record: WorkRecord) -> str:
    return record.title.split()[0].lower()


def test_a_citing_work_added_with_a_title_is_keyed_in_the_same_write(library: Library) -> None:
    review_id = library.tracked_review_id()
    assert review_id is not None
    titled, _ = library.add_citing_work(
        review_id, WorkRecord(pmid="40000002", title="Vesicles again"), "europepmc", by_title
    )
    bare, _ = library.add_citing_work(review_id, WorkRecord(pmid="40000003"), "pubmed", by_title)
    assert key_of(library, titled) == "vesicles" and key_of(library, bare) == ""


def test_a_merge_that_gives_a_title_gives_the_key_and_later_ones_keep_it(
    library: Library,
) -> None:
    work_id = library.find_work_id(pmid="39857679")
    assert work_id is not None
    library.merge_upstream(work_id, planner({"volume": "13"}), "pubmed", by_title)
    assert key_of(library, work_id) == ""  # still untitled
    library.merge_upstream(work_id, planner({"title": "Exosomes filled"}), "pubmed", by_title)
    assert key_of(library, work_id) == "exosomes"
    library.merge_upstream(work_id, planner({"title": "Other words"}), "pubmed", by_title)
    assert library.get_work(work_id).title == "Other words"
    assert key_of(library, work_id) == "exosomes"


def test_sync_runs_are_logged(library: Library) -> None:
    run_id = library.start_sync_run()
    assert library.sync_runs()[0]["status"] == "running"
    library.finish_sync_run(
        run_id, "completed", {"added": [{"id": 7}], "errors": ["x"], "requests": {"h": 3}}
    )
    run = library.sync_runs()[0]
    assert run["status"] == "completed" and run["requests"] == {"h": 3}
    assert run["finished"].endswith("Z")
