"""EndNote XML files (EndNote's "File > Export > XML").

Why defusedxml: an imported file is untrusted, and the standard library's XML parsers
expand entity declarations, which a "billion laughs" file abuses to fill the memory.
``defusedxml`` refuses every entity declaration and external reference before anything is
expanded or fetched; exodesk then says the file is refused for safety. The writer builds
the tree with ``xml.etree.ElementTree``, which escapes text properly.

Layout: ``<xml><records><record>...</record></records></xml>``. Texts may sit inside
``<style face="normal" font="default" size="100%">`` elements; all the text of an element
is read. ElementTree keeps no line numbers, so the line of the n-th record is found by
looking for the n-th ``<record`` in the text.

Field mapping (read / write):

=====================  ==========================================  =====================
WorkRecord / entry     read from                                   written as
=====================  ==========================================  =====================
type                   ref-type (name, else number; ``REF_TYPES``)  ref-type name + number
authors                contributors/authors/author (see below)     the same
title                  titles/title                                titles/title
container_title        titles/secondary-title, else                titles/secondary-title,
                       periodical/full-title                       periodical/full-title
container_abbrev       periodical/abbr-1, else titles/alt-title    titles/alt-title,
                                                                   periodical/abbr-1
pages / volume         pages / volume                              pages / volume
issue                  number, else issue                          number
article_number         custom7 (EndNote's "Article Number")        custom7
year                   dates/year                                  dates/year
date                   dates/pub-dates/date ("2023-01-18",          dates/pub-dates/date
                       "Jan 18" with the year), else the year      (ISO 8601)
publisher / language   publisher / language                        publisher / language
doi                    electronic-resource-num                     electronic-resource-num
pmid                   accession-num "PMID: n", or "n" when         accession-num "PMID: n"
                       remote-database-* names PubMed/MEDLINE/NLM
pmcid                  custom2 when it reads "PMC..." (EndNote's)  custom2
abstract               abstract                                    abstract
keywords               keywords/keyword                            keywords/keyword
tags                   label, split at ";"                         label, "; "-joined
notes                  notes, split at lines of "⁂"; research-notes notes, "⁂" between notes
=====================  ==========================================  =====================

Authors: "Family, Given" is a person; a trailing comma marks an organisation
("World Health Organization,"), as EndNote writes it; other names without a comma are read
as "Given Family".

What EndNote XML cannot carry, so a round trip loses it: the citation key, subjects,
author ORCIDs and affiliations, a person with a multi-word family name and no given name
(read as "Given Family"), a comma in a personal name, ";" inside a tag, a line holding
only "⁂" inside a note, characters XML 1.0 forbids (control characters; dropped), carriage
returns (XML reads them as line feeds) and white space at the ends of texts.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence

import defusedxml
import defusedxml.ElementTree

from exodesk.core.identifiers import (
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from exodesk.core.names import family_given, split_name
from exodesk.core.records import Author, WorkRecord
from exodesk.formats.base import BibEntry, FormatError, Problem, ReadResult
from exodesk.formats.base import kept_identifier as _identifier

__all__ = ["MAX_FIELD_CHARS", "REF_TYPES", "looks_like", "read_endnote_xml", "write_endnote_xml"]

#: A field larger than this (a pasted PDF, a corrupt file) makes its record a Problem.
MAX_FIELD_CHARS = 1_000_000

#: CSL type <-> EndNote reference type (name, number).
REF_TYPES: dict[str, tuple[str, int]] = {
    "article-journal": ("Journal Article", 17),
    "book": ("Book", 6),
    "chapter": ("Book Section", 5),
    "paper-conference": ("Conference Paper", 47),
    "thesis": ("Thesis", 32),
    "report": ("Report", 27),
    "webpage": ("Web Page", 12),
    "article-magazine": ("Magazine Article", 19),
    "article-newspaper": ("Newspaper Article", 23),
    "patent": ("Patent", 25),
    "dataset": ("Dataset", 59),
    "manuscript": ("Manuscript", 36),
    "document": ("Generic", 13),
}
_EXTRA_TYPES = {
    "electronic article": "article-journal",
    "edited book": "book",
    "electronic book": "book",
    "conference proceedings": "paper-conference",
}
_TYPE_BY_NAME = {name.lower(): csl for csl, (name, _) in REF_TYPES.items()} | _EXTRA_TYPES
_TYPE_BY_NUMBER = {str(number): csl for csl, (_, number) in REF_TYPES.items()}

#: The line between two exodesk notes in EndNote's single Notes field.
NOTE_SEPARATOR = "\n\n\u2042\n\n"
_NOTE_SPLIT = re.compile(r"\n[ \t]*\u2042[ \t]*(?:\n|$)")
_RECORD_TAG = re.compile(r"<record[\s>/]")
_HEAD = re.compile(r"<xml>\s*<records\s*/?>")
_YEAR = re.compile(r"\s*(\d{4})(?!\d)")
_ISO_DATE = re.compile(r"\s*(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?(?!\d)")
_MONTH_DAY = re.compile(r"\s*([A-Za-z]{3})[a-z]*\.?(?:\s+(\d{1,2})(?!\d))?")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_PMID_ACCESSION = re.compile(r"pmid\s*:?\s*\d+", re.I)
_PUBMED_DATABASE = re.compile(r"pubmed|medline|nlm", re.I)
# Characters XML 1.0 does not allow, and the C1 controls it discourages.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_ASCII_SPACES = re.compile(r"[ \t\n\r]+")


def looks_like(text: str) -> bool:
    """Whether ``text`` starts like EndNote XML: ``<xml><records>`` near the top."""
    return bool(_HEAD.search(text[:4096]))


# --- reading ------------------------------------------------------------------------------


class _RecordTooLarge(Exception):
    def __init__(self, element: str) -> None:
        super().__init__(element)
        self.element = element


def read_endnote_xml(text: str, *, source_name: str = "<text>") -> ReadResult:
    """Read an EndNote XML file; records that cannot be read become ``Problem``s.

    Raises:
        FormatError: the text is empty, not well-formed XML (truncated...), not EndNote XML,
            or declares XML entities or external references (refused for safety).
    """
    root = _parse(text, source_name)
    records = root.findall("record") if root.tag == "records" else root.findall("records/record")
    lines = _record_lines(text, len(records))
    entries: list[BibEntry] = []
    problems: list[Problem] = []
    for element, line in zip(records, lines, strict=True):
        entry = _entry_or_problem(element, line, problems)
        if entry is not None:
            entries.append(entry)
    return ReadResult(entries=entries, problems=problems)


def _parse(text: str, source_name: str) -> ET.Element:
    if not isinstance(text, str) or not text.strip():
        raise FormatError("the file is empty", source_name=source_name)
    if "\x00" in text:
        raise FormatError("this is a binary file, not EndNote XML", source_name=source_name)
    try:
        root = defusedxml.ElementTree.fromstring(text)  # a str: any declared encoding is moot
    except defusedxml.EntitiesForbidden:
        raise FormatError(
            "the XML file declares entities (<!ENTITY ...>), which exodesk "
            "does not read for safety",
            source_name=source_name,
        ) from None
    except (defusedxml.ExternalReferenceForbidden, defusedxml.DTDForbidden):
        raise FormatError(
            "the XML file refers to an external resource, which exodesk does not read for safety",
            source_name=source_name,
        ) from None
    except ET.ParseError as error:
        line = error.position[0] if error.position else None
        raise FormatError(_xml_error(error), source_name=source_name, line=line) from None
    except (ValueError, RecursionError) as error:  # e.g. defusedxml's NotSupportedError
        raise FormatError(f"unreadable XML ({error})", source_name=source_name) from None
    if root.tag != "records" and (root.tag != "xml" or root.find("records") is None):
        raise FormatError(
            f"not an EndNote XML file: expected <xml><records>, found <{root.tag}>",
            source_name=source_name,
        )
    return root


def _xml_error(error: ET.ParseError) -> str:
    message = str(error).split(":", 1)[0]
    if message in ("no element found", "unclosed token"):
        return f"the XML ends too early ({message}): the file looks truncated"
    if message == "syntax error" and error.position == (1, 0):
        return "not an XML file"
    return f"not well-formed XML ({error})"


def _record_lines(text: str, count: int) -> list[int | None]:
    """The line of each ``<record``, when the text holds exactly ``count`` of them."""
    lines: list[int | None] = []
    line, last = 1, 0
    for match in _RECORD_TAG.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        lines.append(line)
    # A "<record" inside a comment or CDATA section would shift every number after it.
    return lines if len(lines) == count else [None] * count


def _entry_or_problem(
    element: ET.Element, line: int | None, problems: list[Problem]
) -> BibEntry | None:
    try:
        entry = _entry(element, line, problems)
    except _RecordTooLarge as error:
        problems.append(
            Problem(
                line,
                f"field <{error.element}> is larger than "
                f"{MAX_FIELD_CHARS:,} characters; record skipped",
            )
        )
        return None
    record = entry.record
    if not record.title and not (record.doi or record.pmid or record.pmcid):
        problems.append(
            Problem(line, "record has neither a title nor a DOI, PMID or PMCID; record skipped")
        )
        return None
    return entry


def _text(element: ET.Element | None) -> str:
    """All text inside ``element`` (EndNote wraps it in ``<style>``), ends stripped."""
    if element is None:
        return ""
    text = "".join(element.itertext())
    if len(text) > MAX_FIELD_CHARS:
        raise _RecordTooLarge(element.tag)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _one_line(text: str) -> str:
    return _ASCII_SPACES.sub(" ", _NOT_XML.sub("", text)).strip()


def _field(element: ET.Element, path: str) -> str:
    return _one_line(_text(element.find(path)))


def _entry(element: ET.Element, line: int | None, problems: list[Problem]) -> BibEntry:
    def first(*paths: str) -> str:
        return next((value for path in paths if (value := _field(element, path))), "")

    year, date = _year_and_date(element, line, problems)
    record = WorkRecord(
        title=first("titles/title"),
        type=_type(element.find("ref-type")),
        abstract=_text(element.find("abstract")),
        container_title=first("titles/secondary-title", "periodical/full-title"),
        container_abbrev=first("periodical/abbr-1", "titles/alt-title"),
        year=year,
        date=date,
        volume=first("volume"),
        issue=first("number", "issue"),
        pages=first("pages"),
        article_number=first("custom7"),
        publisher=first("publisher"),
        language=first("language"),
        doi=_identifier(normalize_doi, first("electronic-resource-num"), line, problems),
        pmid=_pmid(element, line, problems),
        pmcid=_pmcid(first("custom2"), line, problems),
        authors=tuple(_authors(element)),
        keywords=_unique(_field(keyword, ".") for keyword in element.iterfind("keywords/keyword")),
        source_line=line,
    )
    tags = _unique(_one_line(tag) for tag in first("label").split(";"))
    return BibEntry(record=record, tags=tags, notes=_notes(element), line=line)


def _type(ref_type: ET.Element | None) -> str:
    if ref_type is None:
        return "article-journal"
    by_name = _TYPE_BY_NAME.get(ref_type.get("name", "").strip().lower())
    return by_name or _TYPE_BY_NUMBER.get(_text(ref_type), "article-journal")


def _year_and_date(
    element: ET.Element, line: int | None, problems: list[Problem]
) -> tuple[int | None, str]:
    year_text = _field(element, "dates/year")
    date_text = _field(element, "dates/pub-dates/date")
    match = _YEAR.match(year_text)
    if year_text and not match:
        problems.append(Problem(line, f"ignored unreadable year {year_text[:60]!r}; record kept"))
    year = match.group(1) if match else ""
    date = _iso_date(date_text, year) or year
    if not year and date:
        year = date[:4]
    return (int(year) if year else None), date


def _iso_date(text: str, year: str) -> str:
    """ "2023-01-18", "2023/01" or "Jan 18" (with ``year``) as an ISO date; "" otherwise."""
    if match := _ISO_DATE.match(text):
        year_part, month, day = match.groups()
    elif (match := _MONTH_DAY.fullmatch(text)) and year and match.group(1).lower() in _MONTHS:
        year_part, month, day = year, str(_MONTHS.index(match.group(1).lower()) + 1), match.group(2)
    else:
        match = _YEAR.match(text)
        return match.group(1) if match else ""
    if not 1 <= int(month) <= 12:
        return year_part
    date = f"{year_part}-{int(month):02d}"
    return f"{date}-{int(day):02d}" if day and 1 <= int(day) <= 31 else date


def _pmid(element: ET.Element, line: int | None, problems: list[Problem]) -> str:
    text = _field(element, "accession-num")
    database = (
        _field(element, "remote-database-name") + " " + _field(element, "remote-database-provider")
    )
    from_pubmed = text.isdigit() and _PUBMED_DATABASE.search(database)
    if not (_PMID_ACCESSION.fullmatch(text) or from_pubmed):
        return ""  # WOS:... and other databases' accession numbers are not PMIDs
    return _identifier(normalize_pmid, text, line, problems)


def _pmcid(text: str, line: int | None, problems: list[Problem]) -> str:
    if not text.upper().startswith("PMC"):
        return ""  # custom2 is a free field; only EndNote's PMCID use is read
    return _identifier(normalize_pmcid, text, line, problems)


def _authors(element: ET.Element) -> Iterator[Author]:
    for author in element.iterfind("contributors/authors/author"):
        text = _field(author, ".")
        if text.endswith(","):  # EndNote's mark of an organisation
            yield Author(name=text.rstrip(", "))
        elif text:
            yield split_name(text)


def _notes(element: ET.Element) -> tuple[str, ...]:
    notes = _NOTE_SPLIT.split(_clean_block(_text(element.find("notes"))))
    notes.append(_clean_block(_text(element.find("research-notes"))))
    return tuple(note.strip() for note in notes if note.strip())


def _clean_block(text: str) -> str:
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _unique(values: Iterator[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


# --- writing ------------------------------------------------------------------------------


def write_endnote_xml(entries: Sequence[BibEntry]) -> str:
    """EndNote XML for ``entries``, indented, with an XML declaration (UTF-8)."""
    root = ET.Element("xml")
    records = ET.SubElement(root, "records")
    for number, entry in enumerate(entries, start=1):
        records.append(_record_element(entry, number))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _record_element(entry: BibEntry, number: int) -> ET.Element:
    """One ``<record>``, children in the order of EndNote's DTD."""
    record = entry.record
    element = ET.Element("record")
    _add(element, "rec-number", str(number))
    name, type_number = REF_TYPES.get(record.type, REF_TYPES["document"])
    _add(element, "ref-type", str(type_number)).set("name", name)
    _add_authors(element, record.authors)
    _add_group(
        element,
        "titles",
        [
            ("title", record.title),
            ("secondary-title", record.container_title),
            ("alt-title", record.container_abbrev),
        ],
    )
    _add_group(
        element,
        "periodical",
        [("full-title", record.container_title), ("abbr-1", record.container_abbrev)],
    )
    for tag, value in (
        ("pages", record.pages),
        ("volume", record.volume),
        ("number", record.issue),
    ):
        _add(element, tag, _one_line(value))
    keywords = [("keyword", _one_line(keyword)) for keyword in record.keywords]
    _add_group(element, "keywords", keywords)
    _add_dates(element, record)
    _add(element, "publisher", _one_line(record.publisher))
    _add(element, "accession-num", f"PMID: {record.pmid}" if record.pmid else "")
    _add(element, "electronic-resource-num", _one_line(record.doi))
    _add(element, "abstract", _clean_block(record.abstract))
    _add(element, "label", "; ".join(_one_line(tag) for tag in entry.tags if _one_line(tag)))
    notes = (_clean_block(note) for note in entry.notes)
    _add(element, "notes", NOTE_SEPARATOR.join(note for note in notes if note))
    _add(element, "language", _one_line(record.language))
    _add(element, "custom2", _one_line(record.pmcid))
    _add(element, "custom7", _one_line(record.article_number))
    return element


def _add(parent: ET.Element, tag: str, text: str) -> ET.Element:
    """A child element holding ``text``; nothing is added for an empty text."""
    child = ET.Element(tag)
    child.text = text
    if text:
        parent.append(child)
    return child


def _add_group(parent: ET.Element, tag: str, children: list[tuple[str, str]]) -> None:
    group = ET.Element(tag)
    for child_tag, text in children:
        _add(group, child_tag, _one_line(text))
    if len(group):
        parent.append(group)


def _add_authors(parent: ET.Element, authors: Sequence[Author]) -> None:
    names = [_endnote_name(author) for author in authors]
    if any(names):
        contributors = ET.SubElement(parent, "contributors")
        _add_group(contributors, "authors", [("author", name) for name in names])


def _endnote_name(author: Author) -> str:
    if author.is_collective:
        return _one_line(author.name) + ","
    return _one_line(family_given(author))


def _add_dates(parent: ET.Element, record: WorkRecord) -> None:
    if record.year is None and not record.date:
        return
    dates = ET.SubElement(parent, "dates")
    _add(dates, "year", str(record.year) if record.year is not None else "")
    if record.date:
        _add_group(dates, "pub-dates", [("date", record.date)])
