"""The embedded default library: the review and its citing articles, shipped with exodesk.

On first start with an empty library, exodesk builds it from two package files under
``resources/seed/``: the PubMed "cited by" page of the review and the verified facts of the
review (authors, journal, identifiers). No network is needed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources
from typing import Any

from exodesk.core.citekeys import CitationKeyGenerator
from exodesk.core.records import Author, Source, WorkRecord
from exodesk.formats.pubmed_citedby import parse_citedby_page
from exodesk.storage.library import CitingImport, Library

SEED_PAGE = "citedby-36766698.txt"
REVIEW_FACTS = "review-36766698.json"
#: The source named on citation edges that came from the shipped seed page.
SEED_EDGE_SOURCE = "seed"


def _seed_text(name: str) -> str:
    return resources.files("exodesk.resources").joinpath("seed", name).read_text("utf-8")


def review_from_facts(facts: dict[str, Any]) -> WorkRecord:
    """The review as a record, from the verified-facts JSON (see resources/seed)."""
    authors = tuple(
        Author(
            family=person.get("family", ""),
            given=person.get("given", ""),
            name=person.get("name", ""),
            orcid=person.get("orcid", ""),
            affiliations=tuple(person.get("affiliations", ())),
        )
        for person in facts.get("authors", ())
    )
    year = facts.get("year")
    return WorkRecord(
        title=facts.get("title", ""),
        type="article-journal",
        container_title=facts.get("journal", ""),
        container_abbrev=facts.get("journal_abbrev", facts.get("journal", "")),
        publisher=facts.get("publisher", ""),
        year=int(year) if year else None,
        date=facts.get("published", "") or (str(year) if year else ""),
        volume=str(facts.get("volume") or ""),
        issue=str(facts.get("issue") or ""),
        article_number=str(facts.get("article_number") or ""),
        pages=str(facts.get("pages") or ""),
        doi=facts.get("doi") or "",
        pmid=facts.get("pmid") or "",
        pmcid=facts.get("pmcid") or "",
        language=facts.get("language", "en"),
        authors=authors,
        subjects=tuple(facts.get("subjects", ())),
        keywords=tuple(facts.get("keywords", ())),
    )


def load_seed(library: Library) -> CitingImport:
    """Read the shipped seed into ``library`` (idempotent: matching is on PMID, then DOI)."""
    facts = review_from_facts(json.loads(_seed_text(REVIEW_FACTS)))
    page = parse_citedby_page(_seed_text(SEED_PAGE), source_name=SEED_PAGE)
    # The facts file is checked against PubMed and the publisher; the page adds what the
    # facts lack (the abstract). Upserting the facts first lets them win every field.
    library.upsert_work(facts, Source.SEED)
    review = _with_identifiers(page.review, facts)
    return library.add_review_with_citing(
        review, page.citing, Source.SEED, SEED_EDGE_SOURCE, make_key=CitationKeyGenerator().make_key
    )


def _with_identifiers(page_review: WorkRecord, facts: WorkRecord) -> WorkRecord:
    """The page itself does not print the review's identifiers; take them from the facts."""
    return replace(page_review, doi=facts.doi, pmid=facts.pmid)


def ensure_default_library(library: Library) -> CitingImport | None:
    """Build the default library when ``library`` is empty; otherwise leave it alone."""
    if not library.is_empty():
        return None
    return load_seed(library)
