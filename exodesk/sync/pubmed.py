"""PubMed through NCBI E-utilities: summaries, full records, citing articles, DOI lookup.

Four endpoints under the configured base URL (see :mod:`exodesk.sync.config`):

==============  ====================================================================
``esummary``    JSON document summaries, up to :data:`BATCH_SIZE` ids per request
``efetch``      PubMed XML: abstracts, affiliations, keywords, ORCIDs
``elink``       ``linkname=pubmed_pubmed_citedin``: the PMIDs of citing articles
``esearch``     ``"<doi>"[doi]``: the PMID of a DOI
==============  ====================================================================

Every request carries ``tool`` and ``email`` (when an address is configured) and the user's
``api_key`` (when set), as NCBI asks. The parsers are pure functions of the decoded reply,
so they are tested on captured payloads without a server; :class:`PubMedClient` adds the
requests. References like "(B: esummary)" point at the matching part of
``docs/upstream-apis.md``, which records what is known and what is only assumed about the
replies.

Field mapping
-------------
=================  ==================================  ======================================
WorkRecord         esummary (JSON)                     efetch (XML)
=================  ==================================  ======================================
title              ``title``                           ``ArticleTitle`` (all inner text)
abstract           (none)                              ``AbstractText`` s, "LABEL: text" lines
container_title    ``fulljournalname``                 ``Journal/Title``
container_abbrev   ``source``                          ``ISOAbbreviation``, else ``MedlineTA``
year, date         ``pubdate``, ``epubdate``           ``PubDate``, ``ArticleDate``
volume, issue      ``volume``, ``issue``               ``JournalIssue/Volume``, ``/Issue``
pages              ``pages``                           ``MedlinePgn``, else Start-EndPage
article_number     see "Article numbers" below         the same rule, plus a ``pii`` locator
language           ``lang[0]`` ("eng" -> "en")         ``Language``
doi                ``articleids`` doi, else            ``PubmedData/ArticleIdList`` doi, else
                   ``elocationid`` "doi: ..."          ``ELocationID[@EIdType="doi"]``
pmid, pmcid        ``uid``; ``articleids`` pmc/pmcid   ``PMID``; ``ArticleIdList`` pmc
authors            ``authors[]`` "Yang Y" (initials)   ``Author`` with ORCID and affiliations
keywords           (none)                              ``KeywordList/Keyword``
type               ``pubtype[]``                       ``PublicationType``
=================  ==================================  ======================================

Titles lose PubMed's closing period, as the seed page parser does
(:mod:`exodesk.formats.pubmed_citedby`), so a title compares equal whatever the source.
``fulljournalname`` comes in lower-case words ("Frontiers in cardiovascular medicine"); only
its first letter is capitalised, since proper title case needs a word list NCBI does not
give us. MeSH headings are not read (they are not keywords; a later change may add them
as subjects).

Article numbers
---------------
E-locator journals (Cells, Frontiers, Nature Communications) have no page range: PubMed
puts the article number into ``pages`` (B: esummary, ``"pages":"1611449"``) and
``MedlinePgn``. A locator without a dash is read as an article number when the record
carries an electronic locator (``elocationid`` / ``ELocationID``), which those journals
always have. A one-page article of a print journal that also has a DOI locator is then
stored as article number rather than page; citation styles print both as the locator, so
the mistake is harmless, and a page range is never misread.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

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

__all__ = [
    "BATCH_SIZE",
    "CITEDIN_LINKNAME",
    "EutilsError",
    "PubMedClient",
    "SummaryResult",
    "parse_efetch",
    "parse_elink",
    "parse_esearch",
    "parse_esummary",
    "summary_record",
]

#: Ids per esummary/efetch request. NCBI suggests POST beyond about 200 ids; 200 keeps
#: every request a short GET.
BATCH_SIZE = 200
CITEDIN_LINKNAME = "pubmed_pubmed_citedin"

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# "2023 Jan 18", "2023 Jan", "2025", and MedlineDate free text such as "2024 Jun-Apr",
# "1998 Dec-1999 Jan" or "2023 Winter" (B: efetch), read as far as they make sense.
_PUBMED_DATE = re.compile(r"(\d{4})(?:[ /-]+([A-Za-z]{3,}|\d{1,2})(?:[ /-]+(\d{1,2})(?!\d))?)?")
_ELOCATION = re.compile(r"\b(doi|pii):\s*(\S+)", re.I)
_ORCID = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])", re.I)
_ARTICLE_NUMBER = re.compile(r"[A-Za-z]{0,2}\d{1,12}")
_INLINE_TAG = re.compile(r"</?(?:i|b|u|em|strong|sup|sub|sc)\s*/?>", re.I)
_WHITESPACE = re.compile(r"\s+")
#: Name suffixes PubMed writes after the initials ("Smith J Jr"); WorkRecord has no field.
_SUFFIXES = frozenset({"Jr", "Sr", "2nd", "3rd", "4th", "II", "III", "IV"})
# The same tables as exodesk.formats.medline (LANGUAGES, PUBLICATION_TYPES), repeated here
# because sync uses only core (docs/style.md: "sync and formats use core").
#: ISO 639-2/B codes PubMed writes -> the ISO 639-1 codes exodesk stores.
_LANGUAGE_FROM_MEDLINE = {
    "eng": "en", "ger": "de", "fre": "fr", "spa": "es", "ita": "it", "por": "pt",
    "pol": "pl", "rus": "ru", "jpn": "ja", "chi": "zh", "dut": "nl", "swe": "sv",
    "dan": "da", "nor": "no", "fin": "fi", "cze": "cs", "hun": "hu", "tur": "tr",
    "kor": "ko", "gre": "el", "heb": "he", "ara": "ar", "ukr": "uk", "rum": "ro",
}  # fmt: skip
#: PubMed publication types that name a CSL type other than article-journal. Others
#: ("Review", "Research Support, ...") say nothing about the CSL type.
_TYPE_FROM_PUBTYPE = {
    "preprint": "article",
    "dataset": "dataset",
    "newspaper article": "article-newspaper",
    "technical report": "report",
    "congress": "paper-conference",
}


class EutilsError(BadResponse):
    """E-utilities reported an ``ERROR`` inside a 200 reply (B: "HTTP 200 can still carry
    an error"). These are often transient backend exceptions, so the client retries once."""


@dataclass(frozen=True)
class SummaryResult:
    """What esummary said about a list of PMIDs.

    ``records`` maps each PMID found to its record; ``missing`` lists the requested PMIDs
    PubMed has no summary for (per-id ``error`` entries such as "cannot get document
    summary", or ids absent from the reply), in request order.
    """

    records: dict[str, WorkRecord] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


# --- small helpers ----------------------------------------------------------------------


def _clean(text: Any) -> str:
    """One line of plain text: inline HTML tags and entities removed, whitespace collapsed.

    esummary titles can carry markup such as ``<i>`` and entities (B: efetch notes inline
    markup in ``ArticleTitle``; the JSON form is assumed to be alike).
    """
    if not isinstance(text, str):
        return ""
    text = html.unescape(_INLINE_TAG.sub("", text))
    return _WHITESPACE.sub(" ", text).strip()


def _list(value: Any) -> list[Any]:
    """``value`` when it is a list, else an empty list: a field of an unexpected type is
    treated as absent rather than crashing the whole batch."""
    return value if isinstance(value, list) else []


def _scalar(value: Any) -> str:
    """A string field that may also arrive as a number (B: ``pmcrefcount`` varies in type)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _clean(value)


def _title(text: Any) -> str:
    """A title without PubMed's closing period (B: esummary, "title (ends with ".")")."""
    title = _clean(text)
    return title[:-1].rstrip() if title.endswith(".") else title


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _doi(text: Any) -> str:
    """The normalised DOI, or "" for anything that is not one (never raises)."""
    if not isinstance(text, str) or not text.strip():
        return ""
    try:
        return normalize_doi(text.strip())
    except InvalidIdentifier:
        return ""


def _pmid(value: Any) -> str:
    if not isinstance(value, (str, int)):
        return ""
    try:
        return normalize_pmid(value)
    except InvalidIdentifier:
        return ""


def _pmcid(value: Any) -> str:
    if not isinstance(value, (str, int)):
        return ""
    try:
        return normalize_pmcid(value)
    except InvalidIdentifier:
        return ""


def _orcid(text: str) -> str:
    """The bare ``0000-0001-6804-6564`` form of an ORCID, from a bare id or an orcid.org URL."""
    match = _ORCID.search(text)
    return "-".join(match.groups()).upper() if match else ""


def _language(code: Any) -> str:
    if not isinstance(code, str):
        return ""
    code = code.strip().lower()
    return _LANGUAGE_FROM_MEDLINE.get(code, code)


def _type(publication_types: Iterable[Any]) -> str:
    """The CSL type, as :mod:`exodesk.formats.medline` reads the same PT values."""
    for value in publication_types:
        if csl := _TYPE_FROM_PUBTYPE.get(str(value).lower()):
            return csl
    return "article-journal"


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def _iso(year: str, month: str = "", day: str = "") -> tuple[int | None, str]:
    """``(2023, "2023-01-18")`` from PubMed date parts; month as "Jan", "January" or "01".

    An unreadable month (a season such as "Winter") leaves the year alone; an impossible
    day leaves year and month.
    """
    if not year.isdigit() or len(year) != 4:
        return None, ""
    number = int(year)
    month_number = 0
    if month.isdigit():
        month_number = int(month) if 1 <= int(month) <= 12 else 0
    elif month[:3].lower() in _MONTHS:
        month_number = _MONTHS.index(month[:3].lower()) + 1
    if not month_number:
        return number, year
    iso = f"{year}-{month_number:02d}"
    if day.isdigit():
        try:
            return number, _dt.date(number, month_number, int(day)).isoformat()
        except ValueError:
            pass
    return number, iso


def _date_from_text(text: Any) -> tuple[int | None, str]:
    if not isinstance(text, str):
        return None, ""
    match = _PUBMED_DATE.match(text.strip())
    if not match:
        return None, ""
    year, month, day = match.groups()
    return _iso(year, month or "", day or "")


def _best_date(
    issue_date: tuple[int | None, str], electronic: tuple[int | None, str]
) -> tuple[int | None, str]:
    """Year of the issue (PubMed's citation year), day from the e-publication when it
    refines the issue date ("2025" + "2025 Jun 26" -> 2025, "2025-06-26")."""
    year, date = issue_date
    e_year, e_date = electronic
    if year is None:
        return e_year, e_date
    if len(date) < 10 and e_date.startswith(date):
        return year, e_date
    return year, date


def _pages_and_number(pages: str, pii: Sequence[str], has_locator: bool) -> tuple[str, str]:
    """``(pages, article_number)``; see "Article numbers" in the module docstring."""
    pages = pages.strip()
    numbers = [value for value in pii if _ARTICLE_NUMBER.fullmatch(value)]
    if numbers and (not pages or pages in numbers):
        return "", pages or numbers[0]
    if pages and "-" not in pages and has_locator and _ARTICLE_NUMBER.fullmatch(pages):
        return "", pages
    return pages, ""


def _initials_author(text: str) -> Author:
    """``Author`` from PubMed's "Family Initials" form ("Rayat Pisheh H", "Smith J Jr")."""
    words = _clean(text).split(" ")
    if len(words) > 1 and words[-1] in _SUFFIXES:
        words = words[:-1]
    last = words[-1]
    if len(words) > 1 and 1 <= len(last) <= 4 and last.isalpha() and last.isupper():
        return Author(family=" ".join(words[:-1]), given=last)
    return Author(family=" ".join(words))


def _batches(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _requested_pmids(pmids: Iterable[str | int]) -> list[str]:
    """Normalised, de-duplicated PMIDs in the given order.

    Raises:
        InvalidIdentifier: one of them is not a PMID (a caller bug: stored PMIDs are
            normalised already).
    """
    return list(dict.fromkeys(normalize_pmid(pmid) for pmid in pmids))


# --- JSON replies -------------------------------------------------------------------------


def _decode_json(response: HttpResponse, service: str) -> dict[str, Any]:
    """The JSON object in ``response``.

    ``HttpResponse.json()`` accepts the raw control characters a real elink ``ERROR`` reply
    holds inside a string (B: errors), so that ``ERROR`` is seen rather than a decoding
    failure, and it refuses HTML error pages.

    Raises:
        BadResponse: not JSON (an HTML error page, a truncated body) or not an object.
    """
    payload = response.json()
    if not isinstance(payload, dict):
        raise BadResponse(
            f"{service} answered with unexpected JSON", host=response.host, url=response.url
        )
    return payload


def _check_error(payload: Mapping[str, Any], service: str, *inner: str) -> None:
    """Raise :class:`EutilsError` for an ``ERROR`` at the top or in the named inner object.

    Raises:
        EutilsError: the reply reports an error (B: "HTTP 200 can still carry an error").
    """
    places: list[Any] = [payload, *(payload.get(name) for name in inner)]
    for place in places:
        if isinstance(place, Mapping):
            message = place.get("ERROR")
            if message:
                text = _WHITESPACE.sub(" ", str(message)).strip()
                raise EutilsError(f"{service} reported an error: {text[:200]}")


def summary_record(doc: Mapping[str, Any]) -> WorkRecord:
    """The record of one esummary document summary (``result["<uid>"]``)."""
    ids: dict[str, str] = {}
    for entry in _list(doc.get("articleids")):
        if isinstance(entry, Mapping) and isinstance(entry.get("idtype"), str):
            ids.setdefault(entry["idtype"].lower(), _scalar(entry.get("value")))
    locators: dict[str, list[str]] = {"doi": [], "pii": []}
    elocation = doc.get("elocationid")
    if isinstance(elocation, str):
        for kind, value in _ELOCATION.findall(elocation):
            # PubMed separates parts with ". " ("pii: 2663. doi: 10...."): drop that period.
            locators[kind.lower()].append(value[:-1] if value.endswith(".") else value)
    pages, article_number = _pages_and_number(
        _scalar(doc.get("pages")), locators["pii"], bool(locators["doi"] or locators["pii"])
    )
    year, date = _best_date(
        _date_from_text(doc.get("pubdate")), _date_from_text(doc.get("epubdate"))
    )
    authors = []
    for person in _list(doc.get("authors")):
        if not isinstance(person, Mapping) or not isinstance(person.get("name"), str):
            continue
        kind = str(person.get("authtype") or "Author")
        if kind == "Author":
            authors.append(_initials_author(person["name"]))
        elif kind == "CollectiveName":
            authors.append(Author(name=_clean(person["name"])))
    languages = _list(doc.get("lang"))
    return WorkRecord(
        title=_title(doc.get("title")),
        type=_type(_list(doc.get("pubtype"))),
        container_title=_capitalise(_clean(doc.get("fulljournalname"))),
        container_abbrev=_clean(doc.get("source")),
        year=year,
        date=date,
        volume=_scalar(doc.get("volume")),
        issue=_scalar(doc.get("issue")),
        pages=pages,
        article_number=article_number,
        language=_language(languages[0]) if languages else "",
        # articleids first; elocationid is the fallback (B: esummary, "To get the DOI").
        doi=_doi(ids.get("doi")) or next(filter(None, map(_doi, locators["doi"])), ""),
        pmid=_pmid(doc.get("uid")) or _pmid(ids.get("pubmed")),
        pmcid=_pmcid(ids.get("pmc")) or _pmcid(ids.get("pmcid")),
        authors=tuple(person for person in authors if person.family or person.name),
    )


def parse_esummary(payload: Mapping[str, Any]) -> SummaryResult:
    """Records and missing PMIDs of a decoded esummary reply.

    Raises:
        EutilsError: an ``ERROR`` inside the reply.
        BadResponse: a reply-level error (``esummaryresult``, ``error``) or no ``result``.
    """
    _check_error(payload, "PubMed esummary", "result")
    result = payload.get("result")
    if not isinstance(result, Mapping):
        # An invalid request answers {"esummaryresult": ["Invalid uid ..."]} or
        # {"error": "..."} instead of a result [UNV shape]: report its text.
        reason = payload.get("esummaryresult") or payload.get("error") or "no result"
        if isinstance(reason, list):
            reason = "; ".join(map(str, reason))
        raise BadResponse(f"PubMed esummary reported an error: {str(reason)[:200]}")
    uids = result.get("uids")
    if not isinstance(uids, list):
        uids = [key for key in result if key != "uids"]
    records: dict[str, WorkRecord] = {}
    missing: list[str] = []
    for uid in uids:
        doc = result.get(str(uid))
        # Unknown ids come back as {"uid": "...", "error": "cannot get document summary"}
        # (B: esummary) -- always check for "error".
        if not isinstance(doc, Mapping) or doc.get("error"):
            if pmid := _pmid(uid):
                missing.append(pmid)
            continue
        record = summary_record(doc)
        if record.pmid:
            records[record.pmid] = record
    return SummaryResult(records, missing)


def parse_elink(payload: Mapping[str, Any], pmid: str = "") -> list[str]:
    """The citing PMIDs in a decoded ``pubmed_pubmed_citedin`` elink reply, in reply order.

    ``links`` may hold plain id strings (``cmd=neighbor``) or objects ``{"id": ...}``
    (``cmd=neighbor_score``); both are accepted (B: elink). No ``linksets``, no
    ``linksetdbs`` or an empty list all mean "no citing articles" ([UNV] which one NCBI
    sends). With ``pmid`` given, only the linkset for that id is read.

    Raises:
        EutilsError: an ``ERROR`` inside the reply.
        BadResponse: ``linksets`` is not a list.
    """
    _check_error(payload, "PubMed elink")
    linksets = payload.get("linksets") or []
    if not isinstance(linksets, list):
        raise BadResponse("PubMed elink answered without a list of linksets")
    found: list[str] = []
    for linkset in linksets:
        if not isinstance(linkset, Mapping):
            continue
        ids = linkset.get("ids")
        if pmid and isinstance(ids, list) and ids and pmid not in map(_pmid, ids):
            continue
        for linksetdb in _list(linkset.get("linksetdbs")):
            if not isinstance(linksetdb, Mapping):
                continue
            if linksetdb.get("linkname", CITEDIN_LINKNAME) != CITEDIN_LINKNAME:
                continue
            for link in _list(linksetdb.get("links")):
                value = link.get("id") if isinstance(link, Mapping) else link
                if citing := _pmid(value):
                    found.append(citing)
    return list(dict.fromkeys(found))


def parse_esearch(payload: Mapping[str, Any]) -> tuple[int, list[str]]:
    """``(count, PMIDs)`` of a decoded esearch reply; numbers arrive as strings (B: esearch).

    A phrase esearch did not find (``errorlist.phrasesnotfound``) counts as no hit: PubMed
    may otherwise search the words elsewhere and return unrelated records.

    Raises:
        EutilsError: an ``ERROR`` inside the reply.
        BadResponse: no ``esearchresult`` or an unreadable count.
    """
    _check_error(payload, "PubMed esearch", "esearchresult")
    result = payload.get("esearchresult")
    if not isinstance(result, Mapping):
        raise BadResponse("PubMed esearch answered without an esearchresult")
    errors = result.get("errorlist")
    if isinstance(errors, Mapping) and errors.get("phrasesnotfound"):
        return 0, []
    try:
        count = int(str(result.get("count", "")).strip())
    except ValueError:
        raise BadResponse("PubMed esearch answered with an unreadable count") from None
    idlist = result.get("idlist")
    ids = [pmid for pmid in map(_pmid, idlist if isinstance(idlist, list) else ()) if pmid]
    return count, ids


# --- efetch XML ---------------------------------------------------------------------------


def _text(element: ET.Element | None) -> str:
    """All text inside ``element`` (inline markup such as ``<i>`` included), one line."""
    if element is None:
        return ""
    return _WHITESPACE.sub(" ", "".join(element.itertext())).strip()


def _xml_date(element: ET.Element | None) -> tuple[int | None, str]:
    if element is None:
        return None, ""
    year = _text(element.find("Year"))
    if year:
        return _iso(year, _text(element.find("Month")), _text(element.find("Day")))
    return _date_from_text(_text(element.find("MedlineDate")))


def _xml_authors(author_list: ET.Element | None) -> tuple[Author, ...]:
    if author_list is None:
        return ()
    authors = []
    for person in author_list.findall("Author"):
        # ValidYN="N" marks a wrongly spelled name that PubMed keeps next to the corrected
        # one; taking both would duplicate the author.
        if person.get("ValidYN", "Y") == "N":
            continue
        orcid = ""
        for identifier in person.findall("Identifier"):
            if identifier.get("Source", "").upper() == "ORCID":
                orcid = _orcid(_text(identifier))
                break
        # PubMed ends affiliations with "."; the seed facts and Crossref do not, and the
        # same affiliation should compare equal whatever the source.
        affiliations = _unique(
            _text(item).removesuffix(".").rstrip()
            for item in person.findall("AffiliationInfo/Affiliation")
        )
        family = _text(person.find("LastName"))
        if family:
            given = _text(person.find("ForeName")) or _text(person.find("Initials"))
            authors.append(Author(family, given, "", orcid, affiliations))
        elif collective := _text(person.find("CollectiveName")):
            authors.append(Author(name=collective, orcid=orcid, affiliations=affiliations))
    return tuple(authors)


def _xml_abstract(abstract: ET.Element | None) -> str:
    """The abstract's sections, "LABEL: text" when labelled, one per line (B: efetch)."""
    if abstract is None:
        return ""
    parts = []
    for section in abstract.findall("AbstractText"):
        text = _text(section)
        label = (section.get("Label") or "").strip()
        if text:
            parts.append(f"{label}: {text}" if label else text)
    return "\n".join(parts)


def _article_ids(id_list: ET.Element | None) -> dict[str, str]:
    ids: dict[str, str] = {}
    if id_list is not None:
        for item in id_list.findall("ArticleId"):
            ids.setdefault(item.get("IdType", "").lower(), _text(item))
    return ids


def _keywords(parent: ET.Element) -> tuple[str, ...]:
    # KeywordList appears 0..n times (B: efetch).
    return _unique(_text(keyword) for keyword in parent.findall("KeywordList/Keyword"))


def _journal_article(node: ET.Element) -> WorkRecord | None:
    citation = node.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    if citation is None or article is None:
        return None
    # Anchored at PubmedData/ArticleIdList: PubmedData/ReferenceList repeats ArticleIdList
    # for every cited reference, so ".//ArticleId" would pick up other works' DOIs and
    # PMIDs (B: efetch, "Pitfall").
    ids = _article_ids(node.find("PubmedData/ArticleIdList"))
    journal = article.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    locators: dict[str, list[str]] = {"doi": [], "pii": []}
    for locator in article.findall("ELocationID"):
        kind = locator.get("EIdType", "").lower()
        if kind in locators and locator.get("ValidYN", "Y") != "N":
            locators[kind].append(_text(locator))
    pages = _text(article.find("Pagination/MedlinePgn"))
    if not pages:
        start = _text(article.find("Pagination/StartPage"))
        end = _text(article.find("Pagination/EndPage"))
        pages = f"{start}-{end}" if start and end and end != start else start
    pages, article_number = _pages_and_number(
        pages, locators["pii"], bool(locators["doi"] or locators["pii"])
    )
    year, date = _best_date(
        _xml_date(issue.find("PubDate") if issue is not None else None),
        _xml_date(article.find("ArticleDate")),
    )
    abbrev = _text(journal.find("ISOAbbreviation")) if journal is not None else ""
    return WorkRecord(
        title=_title(_text(article.find("ArticleTitle"))),
        type=_type(_text(item) for item in article.findall("PublicationTypeList/PublicationType")),
        abstract=_xml_abstract(article.find("Abstract")),
        container_title=_capitalise(_text(journal.find("Title"))) if journal is not None else "",
        container_abbrev=abbrev or _text(citation.find("MedlineJournalInfo/MedlineTA")),
        year=year,
        date=date,
        volume=_text(issue.find("Volume")) if issue is not None else "",
        issue=_text(issue.find("Issue")) if issue is not None else "",
        pages=pages,
        article_number=article_number,
        language=_language(_text(article.find("Language"))),
        doi=_doi(ids.get("doi")) or next(filter(None, map(_doi, locators["doi"])), ""),
        pmid=_pmid(_text(citation.find("PMID"))) or _pmid(ids.get("pubmed")),
        pmcid=_pmcid(ids.get("pmc")),
        authors=_xml_authors(article.find("AuthorList")),
        keywords=_keywords(citation),
    )


def _book_article(node: ET.Element) -> WorkRecord | None:
    """A minimal record of a ``PubmedBookArticle`` (B: efetch, book records [V3])."""
    document = node.find("BookDocument")
    if document is None:
        return None
    ids = _article_ids(node.find("PubmedBookData/ArticleIdList"))
    book = document.find("Book")
    book_title = _title(_text(book.find("BookTitle"))) if book is not None else ""
    chapter_title = _title(_text(document.find("ArticleTitle")))
    year, date = _xml_date(book.find("PubDate") if book is not None else None)
    return WorkRecord(
        title=chapter_title or book_title,
        type="chapter" if chapter_title else "book",
        abstract=_xml_abstract(document.find("Abstract")),
        container_title=book_title if chapter_title else "",
        year=year,
        date=date,
        publisher=_text(book.find("Publisher/PublisherName")) if book is not None else "",
        language=_language(_text(document.find("Language"))),
        doi=_doi(ids.get("doi")),
        pmid=_pmid(_text(document.find("PMID"))) or _pmid(ids.get("pubmed")),
        pmcid=_pmcid(ids.get("pmc")),
        authors=_xml_authors(document.find("AuthorList")),
        keywords=_keywords(document),
    )


def parse_efetch(text: str | bytes) -> dict[str, WorkRecord]:
    """PMID -> record for each article in PubMed efetch XML, in document order.

    Parsed with defusedxml only: the real reply starts with a ``<!DOCTYPE ... PUBLIC ...>``
    declaration, which is accepted (the external DTD is never fetched), while entity
    declarations and external references are refused. A reply with no text at all is read
    as "no articles" (which efetch sends for unknown PMIDs is [UNV]). Pass the raw bytes
    when you have them: the XML declaration names its own encoding.

    Raises:
        BadResponse: malformed or truncated XML, an ``eFetchResult``/``ERROR`` reply, an
            HTML page, or any other root element.
    """
    if not text.strip():
        return {}
    try:
        root = SafeET.fromstring(text)
    except (ET.ParseError, DefusedXmlException) as error:
        raise BadResponse(f"PubMed efetch sent unreadable XML ({error})") from None
    if root.tag != "PubmedArticleSet":
        message = _text(root.find(".//ERROR")) or f"unexpected <{root.tag[:40]}> document"
        raise BadResponse(f"PubMed efetch reported an error: {message[:200]}")
    records: dict[str, WorkRecord] = {}
    for node in root:
        if node.tag == "PubmedArticle":
            record = _journal_article(node)
        elif node.tag == "PubmedBookArticle":
            record = _book_article(node)
        else:  # DeleteCitation and the like carry no article
            continue
        if record is not None and record.pmid:
            records[record.pmid] = record
    return records


# --- the client ---------------------------------------------------------------------------


@contextmanager
def _located(response: HttpResponse) -> Iterator[None]:
    """Give a :class:`BadResponse` raised by a parser the host and URL of ``response``."""
    try:
        yield
    except BadResponse as error:
        if error.url:
            raise
        raise type(error)(str(error), host=response.host, url=response.url) from None


class PubMedClient:
    """Requests to E-utilities through ``http`` (which paces, retries and cancels).

    Raises (every method): :class:`~exodesk.sync.errors.Offline`,
    :class:`~exodesk.sync.errors.ServiceFailed`, :class:`~exodesk.sync.errors.BadResponse`
    and :class:`~exodesk.sync.errors.Cancelled` from the HTTP layer or the parsers.
    """

    def __init__(self, http: HttpClient, config: SyncConfig) -> None:
        self._http = http
        self._config = config

    def _get(self, endpoint: str, params: Mapping[str, str], accept: str) -> HttpResponse:
        query = {**params, **self._config.eutils_params()}
        return self._http.get(f"{self._config.eutils_url}{endpoint}", query, accept=accept)

    def _get_json(
        self, endpoint: str, params: Mapping[str, str]
    ) -> tuple[dict[str, Any], HttpResponse]:
        """The decoded reply, asked for once more when it holds an ``ERROR``.

        Only the ``ERROR`` key is retried: it comes from backend exceptions such as
        "NCBI C++ Exception" that usually pass (B: errors, "retry once").
        """
        service = f"PubMed {endpoint.removesuffix('.fcgi')}"
        for attempt in (1, 2):
            response = self._get(endpoint, {**params, "retmode": "json"}, "application/json")
            payload = _decode_json(response, service)
            try:
                with _located(response):
                    _check_error(payload, service, "result", "esearchresult")
            except EutilsError:
                if attempt == 2:
                    raise
                continue
            return payload, response
        raise AssertionError("unreachable")  # pragma: no cover

    def summaries(self, pmids: Iterable[str | int]) -> SummaryResult:
        """esummary records of ``pmids``, :data:`BATCH_SIZE` ids per request.

        Raises:
            InvalidIdentifier: one of ``pmids`` is not a PMID.
        """
        wanted = _requested_pmids(pmids)
        records: dict[str, WorkRecord] = {}
        for batch in _batches(wanted, BATCH_SIZE):
            params = {"db": "pubmed", "id": ",".join(batch)}
            payload, response = self._get_json("esummary.fcgi", params)
            with _located(response):
                records.update(parse_esummary(payload).records)
        # Everything not returned is missing: per-id "error" entries and ids left out.
        found = {pmid: records[pmid] for pmid in wanted if pmid in records}
        return SummaryResult(found, [pmid for pmid in wanted if pmid not in records])

    def fetch(self, pmids: Iterable[str | int]) -> dict[str, WorkRecord]:
        """Full records (abstract, affiliations, keywords, ORCIDs) from efetch XML.

        PMIDs PubMed does not know are simply absent from the result.

        Raises:
            InvalidIdentifier: one of ``pmids`` is not a PMID.
        """
        wanted = _requested_pmids(pmids)
        records: dict[str, WorkRecord] = {}
        for batch in _batches(wanted, BATCH_SIZE):
            params = {"db": "pubmed", "id": ",".join(batch), "retmode": "xml"}
            response = self._get("efetch.fcgi", params, "application/xml, text/xml")
            with _located(response):
                records.update(parse_efetch(response.content or response.text))
        return {pmid: records[pmid] for pmid in wanted if pmid in records}

    def cited_by(self, pmid: str | int) -> list[str]:
        """PMIDs of the articles PubMed knows to cite ``pmid`` (an undercount: only
        citations known to PubMed/PMC, B: elink). One request per PMID, because how elink
        groups several ids is [UNV].

        Raises:
            InvalidIdentifier: ``pmid`` is not a PMID.
        """
        wanted = normalize_pmid(pmid)
        params = {
            "dbfrom": "pubmed",
            "db": "pubmed",
            "id": wanted,
            "linkname": CITEDIN_LINKNAME,
        }
        payload, response = self._get_json("elink.fcgi", params)
        with _located(response):
            return parse_elink(payload, wanted)

    def pmid_for_doi(self, doi: str) -> str | None:
        """The PMID of ``doi`` from esearch ``"<doi>"[doi]``, or None.

        None when there is no hit, and also when there are several: a DOI names one work,
        so several hits mean the search did not do what we meant, and guessing would attach
        the wrong record. The ``[doi]`` idiom itself is [UNV] (B: esearch); callers that
        need certainty can compare the DOI of :meth:`summaries` for the PMID.

        Raises:
            InvalidIdentifier: ``doi`` is not a DOI.
        """
        bare = normalize_doi(doi)
        if '"' in bare:
            # The phrase is quoted; a quote inside it cannot be escaped in PubMed syntax.
            return None
        params = {"db": "pubmed", "term": f'"{bare}"[doi]', "retmax": "2"}
        payload, response = self._get_json("esearch.fcgi", params)
        with _located(response):
            count, ids = parse_esearch(payload)
        return ids[0] if count == 1 and len(ids) == 1 else None
