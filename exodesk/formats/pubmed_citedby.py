"""Reader for the PubMed "cited by" page text format (``resources/seed/citedby-*.txt``).

The text is what PubMed's page of a review shows, copied as plain text::

    <review title>
    Overview                      <- page section headings are skipped
    Biophysics                    <- subject lines
    Authors                       <- heading, optionally followed by "Family I, Family I" lines
    Affiliations                  <- heading, optionally followed by "1 Department ..." lines
    <abstract paragraph(s)>
    <title of citing work>.       <- optional
    <Authors> <Journal>. <Year>; <Volume>(<Issue>):<pages>.
    PMID: 39886670 PMC: 11779718. DOI: 10.3389/fonc.2024.1522491.

Citing entries are anchored on their identifier line (``PMID:``): the line before it is
the citation line, and one more line before that, if the entry has it, is the title. Between
two identifier lines there are therefore 1 or 2 lines. Before the *first* identifier line
the grouping cannot tell a title from the last abstract paragraph, so the content decides:
a title is a single sentence of at most 300 characters (see :func:`_looks_like_title`).

Header heuristics and their limits:

* Before the ``Authors``/``Affiliations``/``Abstract`` headings every non-heading line is a
  subject. Without those headings only short lines (at most 6 words, no final punctuation)
  count as subjects, and the first other line starts the abstract.
* After ``Authors``, lines that read as author lists are authors; the first that does not
  starts the abstract. An author-list line has comma-separated chunks of at most 6 words,
  at least one of them "Family INITIALS"; a line ending with "." qualifies only if every
  chunk is "Family INITIALS" (abstract sentences end with ".").
* After ``Affiliations``, only numbered lines (``1 Department ...``) are affiliations:
  unnumbered affiliation text cannot be told from an abstract paragraph.

Blank lines are ignored everywhere; CRLF/CR line ends and a UTF-8 BOM are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import pairwise

from exodesk.core.identifiers import (
    InvalidIdentifier,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from exodesk.core.records import Author, WorkRecord

__all__ = [
    "CitedByFormatError",
    "CitedByPage",
    "looks_like_citedby_page",
    "parse_citedby_page",
]


class CitedByFormatError(ValueError):
    """The text is not a readable "cited by" page; ``line`` is 1-based."""

    def __init__(self, source_name: str, line: int, reason: str) -> None:
        super().__init__(f"{source_name}, line {line}: {reason}")
        self.source_name = source_name
        self.line = line
        self.reason = reason

    def __reduce__(self) -> tuple[type[CitedByFormatError], tuple[str, int, str]]:
        # The default pickling would call __init__ with the message alone.
        return (type(self), (self.source_name, self.line, self.reason))


@dataclass(frozen=True, slots=True)
class CitedByPage:
    """A parsed page: the review and the works PubMed lists as citing it, in page order."""

    review: WorkRecord
    citing: tuple[WorkRecord, ...] = ()
    #: Numbered affiliation lines of the review, label removed. They cannot be assigned to
    #: authors (the text form has no author-to-affiliation markers), so they stay here.
    affiliations: tuple[str, ...] = ()


# --- line level -------------------------------------------------------------------------

#: Headings that open a part of the header; the value is the parser state they start.
_SECTION_HEADINGS = {"authors": "authors", "affiliations": "affiliations", "abstract": "abstract"}
#: Other PubMed page headings: never subjects, titles or abstract text.
_PAGE_HEADINGS = frozenset(
    {
        "overview",
        "cited by",
        "similar articles",
        "references",
        "publication types",
        "mesh terms",
        "substances",
        "grants and funding",
        "linkout - more resources",
        "full text links",
        "figures",
        "comment in",
        "comment on",
        "related information",
    }
)
_SNIFF_CHARS = 20_000
_SNIFF_LINES = 40
_MAX_TITLE_CHARS = 300

# [0-9] rather than \d: \d would accept e.g. Arabic-Indic digits as a year.
# The head is greedy so that the *last* ". <year>;" ends the journal; "when" is bounded so
# that a long line without ";" cannot make the regex backtrack quadratically.
_CITATION_RE = re.compile(
    r"(?P<head>.+)\.\s+(?P<year>[0-9]{4})"
    r"(?:\s+(?P<when>[A-Za-z][A-Za-z0-9 \-]{0,20}?))?\s*;\s*(?P<locator>.*)"
)
# Lazy values followed by an optional "." so that the period ending each field (and the
# line) is not taken as part of the value: "PMC: 11779718." and "DOI: 10.1/x." both occur.
_IDENTIFIER_RE = re.compile(
    r"PMID:\s*(?P<pmid>\S+?)\.?"
    r"(?:\s+(?i:PMC(?:ID)?):\s*(?P<pmc>\S+?)\.?)?"
    r"(?:\s+(?i:DOI):\s*(?P<doi>\S+?)\.?)?\s*"
)
_AFFILIATION_RE = re.compile(r"(?P<label>[0-9]{1,3})[.)]?\s+(?P<text>\S.*)")
_KEYWORDS_RE = re.compile(r"(?i:keywords):\s*(?P<words>.*)")
_SENTENCE_BREAK_RE = re.compile(r"[.!?]\s+[A-Z]")
_STRUCTURED_LABEL_RE = re.compile(
    r"(?i:background|objectives?|aims?|purpose|introduction|methods?|results?"
    r"|discussion|conclusions?)\s*:"
)
_MONTHS = {
    name: index
    for index, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


@dataclass(frozen=True, slots=True)
class _Line:
    number: int  # 1-based, counting every line of the input, blank ones included
    text: str  # stripped, never empty


def _split_lines(text: str) -> list[_Line]:
    """Non-blank lines, stripped; numbered as an editor numbers them (CR, LF or CRLF)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    # Not str.splitlines(): it also splits at form feeds, U+2028 etc., which editors do
    # not count as line ends, so the line numbers in errors would be off.
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [_Line(number, line.strip()) for number, line in enumerate(raw, 1) if line.strip()]


def _heading_key(text: str) -> str:
    return text.rstrip(":").strip().casefold()


def _is_heading(text: str) -> bool:
    key = _heading_key(text)
    return key in _SECTION_HEADINGS or key in _PAGE_HEADINGS


def _is_identifier_line(text: str) -> bool:
    return text.startswith("PMID:")


def _is_citation_like(text: str) -> bool:
    return _CITATION_RE.fullmatch(text) is not None


def _looks_like_title(text: str) -> bool:
    """A citing work's title: one sentence ending in ".?!", not an abstract section."""
    return (
        len(text) <= _MAX_TITLE_CHARS
        and text.endswith((".", "?", "!"))
        and not _SENTENCE_BREAK_RE.search(text[:-1])
        and not _STRUCTURED_LABEL_RE.match(text)
    )


def _looks_like_subject(text: str) -> bool:
    return len(text.split()) <= 6 and not text.endswith((".", "?", "!", ":", ","))


def _clean_title(text: str) -> str:
    # PubMed ends every title with "." (unless it ends with "?" or "!"); the review title
    # on line 1 and Crossref titles have no such period, so it is dropped for consistency.
    return text[:-1].rstrip() if text.endswith(".") else text


# --- authors ----------------------------------------------------------------------------

#: Name suffixes PubMed writes after the initials ("Smith J Jr"). WorkRecord has no suffix
#: field, so they are recognised only to keep them out of the initials and the journal.
_SUFFIXES = frozenset({"Jr", "Sr", "2nd", "3rd", "4th", "II", "III", "IV"})


def _is_initials(token: str) -> bool:
    return 1 <= len(token) <= 3 and token.isalpha() and token.isupper()


def _person(family_words: list[str], initials: str) -> Author:
    # "PE" -> "P E": Author.display_name() takes the first letter of each part of `given`.
    return Author(family=" ".join(family_words), given=" ".join(initials))


def _parse_author_chunk(chunk: str) -> Author:
    """``Family INITIALS [suffix]`` gives a person; anything else is a collective name."""
    tokens = chunk.split()
    if len(tokens) >= 3 and tokens[-1] in _SUFFIXES and _is_initials(tokens[-2]):
        tokens = tokens[:-1]
    if len(tokens) >= 2 and _is_initials(tokens[-1]):
        return _person(tokens[:-1], tokens[-1])
    return Author(name=" ".join(tokens))


def _split_last_author(chunk: str) -> tuple[Author, str] | None:
    """Split ``"Liu Y World J Gastrointest Oncol"`` into the author and the journal.

    The author ends at the first all-capital token of 1-3 letters that follows at least one
    family word (plus a suffix such as "Jr"). Limits: a last author that is a collective
    ("Study Group") cannot be separated, and a family word that is itself 1-3 capitals
    ("Smith AB CD Nature") ends the author too early.
    """
    tokens = chunk.split()
    for index in range(1, len(tokens) - 1):  # >= 1 family word before, >= 1 journal word after
        if _is_initials(tokens[index]):
            end = index + 1
            if tokens[end] in _SUFFIXES and end < len(tokens) - 1:
                end += 1
            return _person(tokens[:index], tokens[index]), " ".join(tokens[end:])
    return None


def _split_authors_and_journal(head: str) -> tuple[tuple[Author, ...], str] | None:
    """Authors and journal abbreviation of a citation line's head, or None if not possible."""
    if head.startswith("[No authors listed]"):
        journal = head.removeprefix("[No authors listed]").strip()
        return ((), journal) if journal else None
    *leading, last = [chunk.strip() for chunk in head.split(",")]
    if not last or any(not chunk for chunk in leading):
        return None
    authors = [_parse_author_chunk(chunk) for chunk in leading if chunk != "et al"]
    if re.match(r"et al[.\s]", last):  # a truncated list: "Smith J, et al. Nature"
        journal = last.removeprefix("et al").lstrip(". ")
        return (tuple(authors), journal) if journal else None
    split = _split_last_author(last)
    if split is None:
        # One chunk and no initials: a journal without authors ("Nature"). With several
        # chunks the last author cannot be told from the journal.
        return ((), last) if not leading else None
    return (*authors, split[0]), split[1]


def _parse_author_line(text: str) -> tuple[Author, ...] | None:
    """The authors on an ``Authors`` block line, or None if the line is not an author list."""
    chunks = [chunk.strip() for chunk in text.rstrip(".,;").split(",")]
    if any(not chunk or len(chunk.split()) > 6 for chunk in chunks):
        return None
    authors = tuple(_parse_author_chunk(chunk) for chunk in chunks)
    people = sum(1 for author in authors if not author.is_collective)
    enough = people == len(authors) if text.endswith(".") else people > 0
    return authors if enough else None


# --- header (title, subjects, authors, affiliations, abstract) ----------------------------


@dataclass(slots=True)
class _Header:
    subjects: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    abstract: list[_Line] = field(default_factory=list)
    #: Whether the last header line was an abstract line: only then can it be a title.
    ends_in_abstract: bool = False


def _read_header(lines: list[_Line]) -> _Header:
    header = _Header()
    explicit = any(_heading_key(line.text) in _SECTION_HEADINGS for line in lines)
    state = "subjects"
    for line in lines:
        header.ends_in_abstract = False
        key = _heading_key(line.text)
        if key in _SECTION_HEADINGS:
            state = _SECTION_HEADINGS[key]
        elif key not in _PAGE_HEADINGS:
            state = _read_header_line(header, state, line, explicit)
    return header


def _read_header_line(header: _Header, state: str, line: _Line, explicit: bool) -> str:
    """File one non-heading header line; return the parser state for the next line."""
    text = line.text
    if keywords := _KEYWORDS_RE.fullmatch(text):
        header.keywords.extend(w.strip() for w in keywords["words"].split(";") if w.strip())
        return state
    if state == "subjects" and (explicit or _looks_like_subject(text)):
        if text not in header.subjects:
            header.subjects.append(text)
        return state
    if state == "authors" and (authors := _parse_author_line(text)) is not None:
        header.authors.extend(authors)
        return state
    if state == "affiliations" and (affiliation := _AFFILIATION_RE.fullmatch(text)):
        header.affiliations.append(affiliation["text"])
        return state
    header.abstract.append(line)
    header.ends_in_abstract = True
    return "abstract"


# --- citing entries ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    source_name: str

    def error(self, line: _Line | int, reason: str) -> CitedByFormatError:
        number = line if isinstance(line, int) else line.number
        return CitedByFormatError(self.source_name, number, reason)


def _shown(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _iso_date(year: str, when: str | None) -> str:
    """``"2023", "Jan 18"`` -> ``"2023-01-18"``; unknown forms ("Spring") give the year."""
    parts = (when or "").split()
    month = _MONTHS.get(parts[0][:3].casefold()) if parts else None
    if month is None:
        return year
    if len(parts) > 1 and re.fullmatch("[0-9]{1,2}", parts[1]) and 1 <= int(parts[1]) <= 31:
        return f"{year}-{month:02d}-{int(parts[1]):02d}"
    return f"{year}-{month:02d}"


def _split_locator(locator: str) -> tuple[str, str, str] | None:
    """``"16(1):16"`` -> ``("16", "1", "16")``; None if the parentheses do not fit.

    String operations, not a regex: the obvious pattern has adjacent optional whitespace
    runs and backtracks cubically on a long run of spaces.
    """
    head, _, where = locator.partition(":")
    volume, paren, issue = head.partition("(")
    if paren:
        issue, close, after = issue.partition(")")
        if not close or after.strip() or "(" in issue:
            return None
    elif ")" in volume:
        return None
    return volume.strip(), issue.strip(), where.strip()


def _read_locator(locator: str, line: _Line, ctx: _Context) -> tuple[str, str, str, str]:
    """``"16(1):16."`` -> volume, issue, pages, article number."""
    # Cut "... :1522491. Epub 2024 Dec 5." and the final period; pages never hold ". ".
    locator = locator.split(". ", 1)[0].rstrip(". ")
    split = _split_locator(locator)
    if split is None:
        raise ctx.error(line, f"cannot read volume(issue):pages {_shown(locator)}")
    volume, issue, where = split
    # A range is a page range; a single value is an e-locator/article number ("1522491").
    if "-" in where:
        return volume, issue, where, ""
    return volume, issue, "", where


def _read_citation(line: _Line, ctx: _Context) -> WorkRecord:
    """The bibliographic part of an entry (no title, no identifiers)."""
    match = _CITATION_RE.fullmatch(line.text)
    if match is None:
        raise ctx.error(
            line,
            f"not a citation line ('<authors> <journal>. <year>; <volume>(<issue>):<pages>.'):"
            f" {_shown(line.text)}",
        )
    split = _split_authors_and_journal(match["head"])
    if split is None:
        raise ctx.error(line, f"cannot tell the authors from the journal in {_shown(line.text)}")
    volume, issue, pages, article_number = _read_locator(match["locator"], line, ctx)
    return WorkRecord(
        authors=split[0],
        container_abbrev=split[1],
        year=int(match["year"]),
        date=_iso_date(match["year"], match["when"]),
        volume=volume,
        issue=issue,
        pages=pages,
        article_number=article_number,
    )


def _read_identifiers(line: _Line, ctx: _Context) -> tuple[str, str, str]:
    """``PMID: 1 PMC: 2. DOI: 10.1/x.`` -> normalised (pmid, pmcid, doi)."""
    match = _IDENTIFIER_RE.fullmatch(line.text)
    if match is None:
        raise ctx.error(line, f"cannot read identifier line {_shown(line.text)}")
    try:
        return (
            normalize_pmid(match["pmid"]),
            normalize_pmcid(match["pmc"]) if match["pmc"] else "",
            normalize_doi(match["doi"]) if match["doi"] else "",
        )
    except InvalidIdentifier as exc:  # its message names the kind and the bad value
        raise ctx.error(line, str(exc)) from None


def _read_entry(group: list[_Line], ctx: _Context) -> WorkRecord:
    """``[title?, citation, identifiers]`` -> a record starting at the group's first line."""
    *title, citation, identifiers = group
    record = _read_citation(citation, ctx)
    pmid, pmcid, doi = _read_identifiers(identifiers, ctx)
    return replace(
        record,
        title=_clean_title(title[0].text) if title else "",
        pmid=pmid,
        pmcid=pmcid,
        doi=doi,
        source_line=group[0].number,
    )


def _check_no_lost_entry(lines: list[_Line], ctx: _Context) -> None:
    """A citation line outside an entry means an identifier line went missing."""
    for line in lines:
        if _is_citation_like(line.text):
            raise ctx.error(line, "citation line without an identifier line (PMID: ...)")


def _citation_for(body: list[_Line], index: int, start: int, ctx: _Context) -> _Line:
    """The citation line before the identifier line ``body[index]`` (searching from start)."""
    if index <= start or _is_heading(body[index - 1].text):
        raise ctx.error(body[index], "identifier line without a citation line")
    return body[index - 1]


def _first_group(body: list[_Line], index: int, ctx: _Context) -> tuple[_Header, list[_Line]]:
    """Header and first entry: the line before the first citation may be a title."""
    citation = _citation_for(body, index, 0, ctx)
    header_lines = body[: index - 1]
    # Only the lines next to the group: an abstract may quote "(Smith et al. 2019; ...)".
    _check_no_lost_entry(header_lines[-2:], ctx)
    header = _read_header(header_lines)
    group = [citation, body[index]]
    if header.ends_in_abstract and _looks_like_title(header.abstract[-1].text):
        group.insert(0, header.abstract.pop())
    return header, group


def _later_group(body: list[_Line], previous: int, index: int, ctx: _Context) -> list[_Line]:
    """The 1-2 lines after identifier line ``previous`` plus identifier line ``index``."""
    citation = _citation_for(body, index, previous + 1, ctx)
    between = body[previous + 1 : index - 1]
    _check_no_lost_entry(between, ctx)
    if len(between) > 1:
        raise ctx.error(
            between[0],
            "unexpected line: an entry is an optional title line, a citation line and a PMID line",
        )
    return [*between, citation, body[index]]


def _read_body(body: list[_Line], ctx: _Context) -> tuple[_Header, list[WorkRecord]]:
    anchors = [index for index, line in enumerate(body) if _is_identifier_line(line.text)]
    if not anchors:
        _check_no_lost_entry(body[-2:], ctx)
        return _read_header(body), []
    header, group = _first_group(body, anchors[0], ctx)
    entries = [_read_entry(group, ctx)]
    for previous, index in pairwise(anchors):
        entries.append(_read_entry(_later_group(body, previous, index, ctx), ctx))
    trailing = body[anchors[-1] + 1 :]
    _check_no_lost_entry(trailing, ctx)
    if trailing:
        raise ctx.error(trailing[0], "unexpected text after the last entry")
    return header, entries


# --- public API -------------------------------------------------------------------------


def _check_title(line: _Line, ctx: _Context) -> None:
    if _is_identifier_line(line.text):
        raise ctx.error(line, "no title: the page starts with an identifier line")
    if _is_heading(line.text):
        raise ctx.error(line, f"no title: the page starts with the heading {_shown(line.text)}")
    if _is_citation_like(line.text):
        raise ctx.error(line, "no title: the page starts with a citation line")


def parse_citedby_page(text: str, *, source_name: str = "<text>") -> CitedByPage:
    """Read a PubMed "cited by" page.

    Citing works without a title line get ``title=""`` (so ``needs_metadata``); authors
    carry initials only (``family="Rayat Pisheh", given="H"``; ``"PE"`` becomes ``"P E"``).

    Raises:
        CitedByFormatError: the text is empty, has no title, or an entry cannot be read;
            never any other exception.
    """
    ctx = _Context(source_name)
    lines = _split_lines(text)
    if not lines:
        raise ctx.error(1, "empty text")
    _check_title(lines[0], ctx)
    header, citing = _read_body(lines[1:], ctx)
    review = WorkRecord(
        title=lines[0].text,
        abstract="\n".join(line.text for line in header.abstract),
        authors=tuple(header.authors),
        subjects=tuple(header.subjects),
        keywords=tuple(header.keywords),
        source_line=lines[0].number,
    )
    return CitedByPage(review, tuple(citing), tuple(header.affiliations))


def looks_like_citedby_page(text: str) -> bool:
    """Cheap content sniffing: a title, then ``Authors``/``Affiliations`` headings or a
    citation line directly followed by a ``PMID:`` line near the top."""
    lines = _split_lines(text[:_SNIFF_CHARS])[:_SNIFF_LINES]
    if not lines or _is_identifier_line(lines[0].text) or _is_heading(lines[0].text):
        return False
    keys = {_heading_key(line.text) for line in lines}
    if {"authors", "affiliations"} <= keys:
        return True
    return any(
        _IDENTIFIER_RE.fullmatch(line.text) and _is_citation_like(previous.text)
        for previous, line in pairwise(lines[1:])
    )
