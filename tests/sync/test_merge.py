"""The merge rule: fill, refresh what sync wrote, suggest where the user disagrees."""

from __future__ import annotations

from exodesk.core.records import Author, Source, Work, WorkRecord
from exodesk.sync.merge import enrich_authors, plan_merge


def work(record: WorkRecord, **provenance: Source) -> Work:
    return Work(id=1, record=record, provenance=dict(provenance))


def test_empty_fields_are_filled() -> None:
    stored = work(WorkRecord(pmid="39857679", year=2025), pmid=Source.SEED, year=Source.SEED)
    plan = plan_merge(stored, WorkRecord(title="Found", abstract="Text", pmid="39857679"))
    assert plan.updates == {"title": "Found", "abstract": "Text"}
    assert plan.suggestions == {}


def test_fields_from_an_earlier_sync_are_refreshed() -> None:
    stored = work(WorkRecord(title="Old", volume="1"), title=Source.SYNC, volume=Source.SYNC)
    assert plan_merge(stored, WorkRecord(title="New", volume="1")).updates == {"title": "New"}


def test_user_fields_are_never_overwritten_but_suggested() -> None:
    stored = work(WorkRecord(title="Mine"), title=Source.USER)
    plan = plan_merge(stored, WorkRecord(title="Theirs"))
    assert plan.updates == {} and plan.suggestions == {"title": "Theirs"}


def test_seed_and_import_values_are_kept() -> None:
    stored = work(WorkRecord(title="From file", volume="3"), title=Source.IMPORT,
                  volume=Source.SEED)  # fmt: skip
    assert not plan_merge(stored, WorkRecord(title="Other", volume="4")).changes_anything


def test_doi_case_alone_is_no_change() -> None:
    stored = work(WorkRecord(doi="10.3390/CELLS12030356"), doi=Source.SYNC)
    assert not plan_merge(stored, WorkRecord(doi="10.3390/cells12030356")).changes_anything


def test_authors_are_enriched_person_by_person() -> None:
    seed = (Author(family="Stefańska", given="K"), Author(family="Józkowiak", given="M"))
    upstream = (
        Author(family="Stefanska", given="Katarzyna", orcid="0000-0001-2345-6789",
               affiliations=("Poznan University of Medical Sciences",)),
        Author(family="Józkowiak", given="Małgorzata"),
    )  # fmt: skip
    enriched = enrich_authors(seed, upstream)
    assert enriched is not None
    assert [a.given for a in enriched] == ["Katarzyna", "Małgorzata"]
    assert enriched[0].family == "Stefańska"  # the stored spelling is kept
    assert enriched[0].orcid == "0000-0001-2345-6789"
    stored = work(WorkRecord(authors=seed), authors=Source.SEED)
    assert plan_merge(stored, WorkRecord(authors=upstream)).updates["authors"] == enriched


def test_different_people_are_not_merged() -> None:
    mine = (Author(family="Smith", given="J"),)
    assert enrich_authors(mine, (Author(family="Jones", given="John"),)) is None
    assert enrich_authors(mine, (Author(family="Smith"), Author(family="Lee"))) is None
