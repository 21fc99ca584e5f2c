"""Europe PMC: a second source of citing articles, ``GET <europepmc_url>MED/<pmid>/citations``.

PubMed's ``citedin`` links count only citations PubMed/PMC know of (B: elink), so Europe
PMC's list can find more. The reply (D: Europe PMC, [V3] shape) is::

    {"hitCount": 9, "citationList": {"citation": [
        {"id": "39857679", "source": "MED", "title": "...", "authorString": "Kharrat F, ...",
         "journalAbbreviation": "Biomedicines", "pubYear": 2025, ...}]}}

Each citation becomes a :class:`~exodesk.core.records.WorkRecord`: items from PubMed
(``source`` "MED") carry ``pmid``, items from PubMed Central (``source`` "PMC") carry
``pmcid``. Other sources (preprints "PPR", patents, Agricola...) have no identifier exodesk
can store and are skipped. Titles lose a closing period, as PubMed titles do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from exodesk.core.identifiers import (
    InvalidIdentifier,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from exodesk.core.records import Author, WorkRecord
from exodesk.sync.config import SyncConfig
from exodesk.sync.errors import BadResponse
from exodesk.sync.http import HttpClient, HttpResponse

__all__ = ["MAX_PAGES", "PAGE_SIZE", "CitationPage", "EuropePmcClient", "parse_citations"]

#: Citations per request; 1000 is the largest page size clients use (D: Europe PMC).
PAGE_SIZE = 1000
#: A bound on pages per article, so a reply whose ``hitCount`` never stops growing cannot
#: keep a sync run busy forever (50 000 citations is far beyond any real article).
MAX_PAGES = 50

_SUFFIXES = frozenset({"Jr", "Sr", "2nd", "3rd", "4th", "II", "III", "IV"})
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class CitationPage:
    """One page of citations: the records it holds and the ``hitCount`` it announced."""

    hit_count: int  #: total citations of the article, all pages together
    items: int  #: citations on this page, including skipped sources
    records: list[WorkRecord]  #: the citations exodesk can store (MED and PMC)


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    return _WHITESPACE.sub(" ", str(value)).strip()


def _authors(author_string: str) -> tuple[Author, ...]:
    """Authors from "Kharrat F, Capaci V, Conti A." (PubMed's "Family Initials" form).

    Collective names ("COVID-19 Study Group") have no initials and become collectives.
    """
    authors = []
    for chunk in author_string.rstrip(".").split(","):
        words = chunk.split()
        if words and words[-1] in _SUFFIXES:
            words = words[:-1]
        if not words:
            continue
        last = words[-1]
        if len(words) > 1 and 1 <= len(last) <= 4 and last.isalpha() and last.isupper():
            authors.append(Author(family=" ".join(words[:-1]), given=last))
        elif len(words) == 1:
            authors.append(Author(family=last))
        else:
            authors.append(Author(name=" ".join(words)))
    return tuple(authors)


def _year(value: Any) -> int | None:
    """``pubYear`` arrives as an int or a string (D: Europe PMC)."""
    text = _text(value)
    return int(text) if len(text) == 4 and text.isdigit() else None


def _record(item: Mapping[str, Any]) -> WorkRecord | None:
    source = _text(item.get("source")).upper()
    identifier = _text(item.get("id"))
    pmid = pmcid = ""
    try:
        if source == "MED":
            pmid = normalize_pmid(identifier)
        elif source == "PMC":
            pmcid = normalize_pmcid(identifier)
        else:
            return None
    except InvalidIdentifier:
        return None
    try:
        doi = normalize_doi(_text(item.get("doi"))) if item.get("doi") else ""
    except InvalidIdentifier:
        doi = ""
    title = _text(item.get("title"))
    year = _year(item.get("pubYear"))
    return WorkRecord(
        title=title[:-1].rstrip() if title.endswith(".") else title,
        container_abbrev=_text(item.get("journalAbbreviation")),
        year=year,
        date=str(year) if year else "",
        volume=_text(item.get("volume")),
        issue=_text(item.get("issue")),
        pages=_text(item.get("pageInfo")),
        doi=doi,
        pmid=pmid,
        pmcid=pmcid,
        authors=_authors(_text(item.get("authorString"))),
    )


def parse_citations(payload: Any) -> CitationPage:
    """One decoded page of ``MED/{pmid}/citations``.

    Raises:
        BadResponse: no readable ``hitCount``, or ``hitCount`` promises citations but
            ``citationList`` is missing.
    """
    if not isinstance(payload, Mapping):
        raise BadResponse("Europe PMC answered with unexpected JSON")
    listing = payload.get("citationList")
    citations = listing.get("citation") if isinstance(listing, Mapping) else None
    raw_count = payload.get("hitCount")
    if raw_count is None:
        # Without a hitCount this page is taken to be the whole list.
        hit_count = len(citations) if isinstance(citations, list) else 0
    else:
        try:
            # A number in the captured shape; a string is tolerated (D: [V3]).
            hit_count = int(_text(raw_count) or "x")
        except ValueError:
            raise BadResponse("Europe PMC answered with an unreadable hitCount") from None
    if citations is None:
        if hit_count > 0:
            raise BadResponse("Europe PMC announced citations but sent no citationList")
        return CitationPage(0, 0, [])
    if not isinstance(citations, list):
        raise BadResponse("Europe PMC sent a citationList that is not a list")
    records = [
        record
        for item in citations
        if isinstance(item, Mapping) and (record := _record(item)) is not None
    ]
    return CitationPage(hit_count, len(citations), records)


class EuropePmcClient:
    """Requests to the Europe PMC REST API through ``http`` (which paces and retries)."""

    def __init__(self, http: HttpClient, config: SyncConfig) -> None:
        self._http = http
        self._config = config

    def citations(self, pmid: str | int) -> list[WorkRecord]:
        """The articles Europe PMC knows to cite the PubMed article ``pmid``, de-duplicated,
        following pages while fewer than ``hitCount`` citations have been seen (at most
        :data:`MAX_PAGES` requests).

        Raises:
            InvalidIdentifier: ``pmid`` is not a PMID.
            BadResponse, Offline, ServiceFailed, Cancelled: see :mod:`exodesk.sync.errors`.
        """
        wanted = normalize_pmid(pmid)
        url = f"{self._config.europepmc_url}MED/{wanted}/citations"
        records: dict[tuple[str, str], WorkRecord] = {}
        seen = 0
        for page_number in range(1, MAX_PAGES + 1):
            params = {"format": "json", "page": str(page_number), "pageSize": str(PAGE_SIZE)}
            response = self._http.get(url, params)
            page = _parse(response)
            for record in page.records:
                records.setdefault((record.pmid, record.pmcid), record)
            seen += page.items
            # An empty page ends the list even if hitCount promised more (it may have
            # changed between requests).
            if page.items == 0 or seen >= page.hit_count:
                break
        return list(records.values())


def _parse(response: HttpResponse) -> CitationPage:
    try:
        return parse_citations(response.json())
    except BadResponse as error:
        if error.url:
            raise
        raise BadResponse(str(error), host=response.host, url=response.url) from None
