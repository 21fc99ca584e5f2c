"""Crossref REST API: the metadata of one DOI, ``GET <crossref_url>works/<doi>``.

exodesk joins Crossref's polite pool both ways the documentation names: the ``mailto``
query parameter (when a contact address is configured) and a User-Agent such as
``exodesk/0.1.0 (https://github.com/exodesk/exodesk; mailto:me@example.org)`` (set by
:func:`exodesk.sync.config.make_http_client`). References like "(C: envelope)" point at
``docs/upstream-apis.md``.

An unknown DOI answers 404 ``Resource not found.``; very new DOIs do too for a while (C:
"Unknown DOI"), so :class:`~exodesk.sync.errors.NotFound` means "try again later", not a
failed run.

Field mapping
-------------
==================  ==========================================================================
WorkRecord          Crossref ``message``
==================  ==========================================================================
title               ``title[0]``, plus ": " ``subtitle[0]`` when there is one
type                ``type`` mapped to CSL (:data:`CROSSREF_TYPES`), else "document"
abstract            ``abstract`` (JATS) as plain text, one paragraph per line
container_title     ``container-title[0]``
container_abbrev    ``short-container-title[0]``
year, date          ``issued`` (else ``published``, ``published-online``, ``published-print``)
volume, issue       ``volume``, ``issue``
pages               ``page``, unless it is the article number
article_number      ``article-number``; else a lone ``page`` such as "e4375" (letters + digits)
publisher           ``publisher``
language            ``language``
doi                 ``DOI`` (else the DOI asked for)
authors             ``author[]``: given/family, or ``name`` for organisations; ORCID URL -> the
                    bare id; ``affiliation[].name``
subjects            ``subject[]``
==================  ==========================================================================

Markup is removed from titles and abstracts with regular expressions and
:func:`html.unescape` rather than an XML parser: JATS snippets use the ``jats:`` prefix
without declaring it and are often not well-formed, and we only want their text. The
result is plain text; whoever displays it as HTML must escape it (a ``&lt;`` in the
abstract becomes a literal ``<``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from exodesk.core.identifiers import InvalidIdentifier, normalize_doi
from exodesk.core.links import doi_url
from exodesk.core.records import Author, WorkRecord
from exodesk.sync.config import SyncConfig
from exodesk.sync.errors import BadResponse, NotFound
from exodesk.sync.http import HttpClient, HttpResponse

__all__ = ["CROSSREF_TYPES", "CrossrefClient", "crossref_path", "jats_to_text", "parse_work"]

#: Crossref type id -> CSL type. Ids not listed become "document".
CROSSREF_TYPES: dict[str, str] = {
    "journal-article": "article-journal",
    "book-chapter": "chapter",
    "book-section": "chapter",
    "book-part": "chapter",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-set": "book",
    "book-series": "book",
    "proceedings-article": "paper-conference",
    "proceedings": "book",
    "posted-content": "article",
    "dissertation": "thesis",
    "report": "report",
    "report-component": "report",
    "standard": "standard",
    "dataset": "dataset",
    "reference-entry": "entry",
    "peer-review": "review",
    "journal-issue": "periodical",
    "journal": "periodical",
    "other": "document",
}

_RESOLVER = "https://doi.org/"
_ORCID = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])", re.I)
# Block-level JATS/HTML elements end a paragraph; all other tags are dropped in place.
_BLOCK_END = re.compile(r"</(?:jats:)?(?:p|title|sec|list-item|li|div)\s*>|<br\s*/?>", re.I)
# A tag starts with a letter right after "<", so "p < 0.05 and q > 1" in a title survives.
_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
_SPACES = re.compile(r"[^\S\n]+")
_LONE_ARTICLE_NUMBER = re.compile(r"[A-Za-z]{1,2}\d{1,12}")


def crossref_path(doi: str) -> str:
    """The DOI percent-encoded for a URL path, as ``https://doi.org/`` uses it.

    The same rules as :func:`exodesk.core.links.doi_url` (C and E: the DOI Handbook's
    mandatory and recommended characters, "/" left alone as Crossref asks, dot segments
    escaped); ``requests`` would leave "#" and "?" in a path unencoded (E).

    Raises:
        InvalidIdentifier: ``doi`` is not a DOI.
    """
    return doi_url(doi).removeprefix(_RESOLVER)


def jats_to_text(snippet: str) -> str:
    """Plain text of a JATS (or HTML) snippet: one paragraph per line, entities decoded.

    A leading heading "Abstract" is dropped: Crossref abstracts often start with
    ``<jats:title>Abstract</jats:title>``, which says nothing.
    """
    lines = [_SPACES.sub(" ", line).strip() for line in _plain(snippet).splitlines()]
    lines = [line for line in lines if line]
    if lines and lines[0].rstrip(".:").casefold() == "abstract":
        lines = lines[1:]
    return "\n".join(lines)


def _plain(snippet: str) -> str:
    """``snippet`` without tags, entities decoded, a line break after each block element.

    Line breaks in the source are only layout, so they become spaces first.
    """
    text = " ".join(snippet.split())
    return html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", text)))


def _one_line(value: Any) -> str:
    """Plain one-line text of a string that may carry inline markup (titles: ``<i>``)."""
    return " ".join(_plain(value).split()) if isinstance(value, str) else ""


def _first(value: Any) -> str:
    """The first string of a Crossref array field (C: title, container-title are arrays);
    a plain string is accepted too."""
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str) and item.strip()), "")
    return _one_line(value)


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(text for item in value if (text := _one_line(item))))


def _scalar(value: Any) -> str:
    """A string field (C: volume, issue, page are strings); numbers are tolerated."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    return " ".join(str(value).split())


def _date(message: Mapping[str, Any]) -> tuple[int | None, str]:
    """Year and ISO date from ``issued`` (the earliest of print and online), else from the
    other dates. ``date-parts`` may be ``[[2021]]``, ``[[2021, 5, 19]]`` or ``[[null]]``."""
    for name in ("issued", "published", "published-online", "published-print"):
        date = message.get(name)
        parts = date.get("date-parts") if isinstance(date, Mapping) else None
        if not (isinstance(parts, list) and parts and isinstance(parts[0], list)):
            continue
        numbers: list[int] = []
        for part in parts[0][:3]:
            if isinstance(part, bool) or not isinstance(part, (int, str)):
                break
            try:
                numbers.append(int(part))
            except ValueError:
                break
        if not numbers or not 1000 <= numbers[0] <= 9999:
            continue
        year = numbers[0]
        iso = f"{year:04d}"
        if len(numbers) > 1 and 1 <= numbers[1] <= 12:
            iso += f"-{numbers[1]:02d}"
            if len(numbers) > 2 and 1 <= numbers[2] <= 31:
                iso += f"-{numbers[2]:02d}"
        return year, iso
    return None, ""


def _orcid(value: Any) -> str:
    """The bare ORCID of ``https://orcid.org/0000-...`` (C: ORCID is in URL form)."""
    match = _ORCID.search(value) if isinstance(value, str) else None
    return "-".join(match.groups()).upper() if match else ""


def _authors(people: Any) -> tuple[Author, ...]:
    if not isinstance(people, list):
        return ()
    authors = []
    for person in people:
        if not isinstance(person, Mapping):
            continue
        affiliations = tuple(
            dict.fromkeys(
                name
                for item in person.get("affiliation") or ()
                if isinstance(item, Mapping) and (name := _one_line(item.get("name")))
            )
        )
        orcid = _orcid(person.get("ORCID"))
        family = _one_line(person.get("family"))
        given = _one_line(person.get("given"))
        name = _one_line(person.get("name"))
        if family:
            authors.append(Author(family, given, "", orcid, affiliations))
        elif name:
            # Organisations come with "name" and no family/given (C: seen in real payloads).
            authors.append(Author(name=name, orcid=orcid, affiliations=affiliations))
        elif given:  # a mononym deposited as given name only
            authors.append(Author(family=given, orcid=orcid, affiliations=affiliations))
    return tuple(authors)


def _pages(message: Mapping[str, Any]) -> tuple[str, str]:
    """``(pages, article_number)`` by the "page or article-number" rule (C): e-locator
    journals send ``article-number`` alongside or instead of ``page``."""
    page = _scalar(message.get("page"))
    number = _scalar(message.get("article-number"))
    if number:
        return ("" if page == number else page), number
    if page and _LONE_ARTICLE_NUMBER.fullmatch(page):
        return "", page  # "e4375": letters before digits never start a page range
    return page, ""


def _doi(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return normalize_doi(value)
    except InvalidIdentifier:
        return ""


def parse_work(payload: Any, doi: str = "") -> WorkRecord:
    """The record in a decoded ``works/{doi}`` reply; ``doi`` fills in a missing ``DOI``.

    Raises:
        BadResponse: not the ``{"status": "ok", "message-type": "work", "message": {...}}``
            envelope (C: envelope).
    """
    if not isinstance(payload, Mapping):
        raise BadResponse("Crossref answered with unexpected JSON")
    if payload.get("status") != "ok":
        raise BadResponse(f"Crossref reported status {str(payload.get('status'))[:60]!r}")
    kind = payload.get("message-type")
    message = payload.get("message")
    if kind not in (None, "work") or not isinstance(message, Mapping):
        raise BadResponse(f"Crossref answered with a {str(kind)[:40]!r} message, not a work")
    title = _first(message.get("title"))
    subtitle = _first(message.get("subtitle"))
    if subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title}: {subtitle}" if title else subtitle
    year, date = _date(message)
    pages, article_number = _pages(message)
    crossref_type = message.get("type")
    abstract = message.get("abstract")
    return WorkRecord(
        title=title,
        type=CROSSREF_TYPES.get(crossref_type, "document")
        if isinstance(crossref_type, str)
        else "document",
        abstract=jats_to_text(abstract) if isinstance(abstract, str) else "",
        container_title=_first(message.get("container-title")),
        container_abbrev=_first(message.get("short-container-title")),
        year=year,
        date=date,
        volume=_scalar(message.get("volume")),
        issue=_scalar(message.get("issue")),
        pages=pages,
        article_number=article_number,
        publisher=_one_line(message.get("publisher")),
        language=_scalar(message.get("language")),
        doi=_doi(message.get("DOI")) or _doi(doi),
        authors=_authors(message.get("author")),
        subjects=_strings(message.get("subject")),
    )


class CrossrefClient:
    """Requests to the Crossref REST API through ``http`` (which paces and retries)."""

    def __init__(self, http: HttpClient, config: SyncConfig) -> None:
        self._http = http
        self._config = config

    def work(self, doi: str) -> WorkRecord:
        """The Crossref record of ``doi``.

        Raises:
            InvalidIdentifier: ``doi`` is not a DOI.
            NotFound: Crossref does not know the DOI (yet): try again later.
            BadResponse: the reply is not JSON, is an HTML page or not a work envelope.
            Offline, ServiceFailed, Cancelled: from the HTTP layer.
        """
        bare = normalize_doi(doi)
        url = f"{self._config.crossref_url}works/{crossref_path(bare)}"
        params = {"mailto": self._config.email} if self._config.email else {}
        try:
            response = self._http.get(url, params, not_found_ok=True)
        except NotFound as error:
            raise NotFound(
                f"Crossref does not know DOI {bare} (yet); try again later",
                host=error.host,
                url=error.url,
            ) from None
        return _located_work(response, bare)


def _located_work(response: HttpResponse, doi: str) -> WorkRecord:
    """:func:`parse_work` of the reply; errors name the host and URL."""
    try:
        return parse_work(response.json(), doi)
    except BadResponse as error:
        if error.url:
            raise
        raise BadResponse(str(error), host=response.host, url=response.url) from None
