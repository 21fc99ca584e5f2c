"""RIS files (``.ris``), including the Web of Science and Scopus flavours.

Why rispy, and why not rispy alone: rispy (a project dependency) owns the RIS tag table and
its rules (which tags repeat, which single tags keep their first value, ``UR`` split on
``;``), and exodesk reads every record by them. But rispy reports no line numbers, drops
a record that has no ``ER`` line without a word, and has one rule for lines without a tag.
So exodesk splits the text into records and logical fields itself, keeping each line
number, and applies rispy's tables and rules to each clean record (``_as_rispy``: what
rispy's parser gives for it, without its cost per line).

Lines without a tag continue the field above them. For the list tags (``AU``, ``A1``-``A4``,
``KW``, ``UR``) each such line is one more value, as EndNote writes keyword lists. For all
other tags (``AB``, ``N1``...) they are more lines of the same text, as in a multi-line note.

Field mapping (read / write):

=====================  ===========================================  ==================
WorkRecord / entry     read from                                    written as
=====================  ===========================================  ==================
type                   TY (see ``TYPES``; unknown -> article-journal) TY (unknown -> GEN)
key                    ID                                           ID
title                  TI, else T1                                  TI
authors                AU, else A1 (see below)                      AU
abstract               AB, else N2                                  AB
container_title        T2, else JF, JO                              T2
container_abbrev       J2, else JA, JI, J9                          J2
year                   PY, else Y1, else DA                         PY
date                   DA ("2023/01/18"; "Jan 18", "JAN" with PY),   DA (YYYY/MM/DD)
                       else PY/Y1 when they hold a month, else year
volume / issue         VL / IS                                      VL / IS
pages                  SP + "-" + EP                                SP, EP
article_number         C7                                           C7
publisher / language   PB / LA                                      PB / LA
doi                    DO, else a doi.org address in UR             DO
pmid                   AN "PMID: n", or AN "n" when DB/DP names     AN "PMID: n"
                       PubMed, MEDLINE or NLM
pmcid                  C2 when it reads "PMC..." (EndNote's use)    C2
keywords               KW                                           KW
tags                   (none: KW lines come back as keywords)       KW, after keywords
notes                  N1 and RN, one note per line group           N1, one per note
=====================  ===========================================  ==================

Authors: "Family, Given" and "Family, Given, Suffix" are persons; a name without a comma is
an organisation (as Zotero reads it), unless it reads "Family INITIALS"; a trailing comma
("World Health Organization,") marks an organisation, as EndNote writes it. The writer adds
that comma to an organisation name only when the name would otherwise read as a person.

What RIS cannot carry, so a round trip loses it: subjects, author ORCIDs and affiliations;
tags (they come back as keywords, which is how Zotero and EndNote read them); a person with
a family name only (comes back as an organisation); a comma in a given name; line
breaks in one-line fields and trailing spaces on note lines. A note line that would read as
a tag line (``XY  - ...``) is written with one leading space so that it stays in the note.
Scopus and Web of Science write export boilerplate into N1 ("Export Date: ...",
"Cited By: 3", "Times Cited in Web of Science ..."); those notes are not imported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import rispy

from exodesk.core.identifiers import (
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from exodesk.core.names import family_given, split_name
from exodesk.core.records import Author, WorkRecord
from exodesk.formats.base import (
    BibEntry,
    FormatError,
    Problem,
    ReadResult,
    Text,
    head_of,
    is_blank,
    is_text,
    paused_gc,
    pieces_of,
    release,
    split_lines,
)
from exodesk.formats.base import kept_identifier as _identifier

__all__ = ["MAX_FIELD_CHARS", "TYPES", "looks_like", "read_ris", "write_ris"]

#: A field larger than this (a pasted PDF, a corrupt file) makes its record a Problem.
MAX_FIELD_CHARS = 1_000_000

#: CSL type -> RIS type written; reading also accepts ``_EXTRA_TYPES``.
TYPES: dict[str, str] = {
    "article-journal": "JOUR",
    "article-magazine": "MGZN",
    "article-newspaper": "NEWS",
    "book": "BOOK",
    "chapter": "CHAP",
    "paper-conference": "CPAPER",
    "thesis": "THES",
    "report": "RPRT",
    "webpage": "ELEC",
    "dataset": "DATA",
    "patent": "PAT",
    "manuscript": "UNPB",
    "entry-encyclopedia": "ENCYC",
    "entry-dictionary": "DICT",
    "software": "COMP",
    "standard": "STAND",
    "map": "MAP",
    "document": "GEN",
}
_EXTRA_TYPES = {
    "JFULL": "article-journal",
    "EJOUR": "article-journal",
    "INPR": "article-journal",
    "ABST": "article-journal",
    "EBOOK": "book",
    "EDBOOK": "book",
    "ECHAP": "chapter",
    "CONF": "paper-conference",
    "WEB": "webpage",
}
_TYPE_FROM_RIS = {ris: csl for csl, ris in TYPES.items()} | _EXTRA_TYPES

#: Tags whose untagged continuation lines are further values, not further text lines.
_LIST_TAGS = frozenset({"AU", "A1", "A2", "A3", "A4", "KW", "UR"})
_TAG_LINE = re.compile(r"([A-Z][A-Z0-9])  -(?: (.*))?")
_TAG_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_TAG_SECOND = _TAG_FIRST | frozenset("0123456789")
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")
# Control characters (but tab and line feed) have no place in a reference; they are dropped.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)], None)
_ASCII_SPACES = re.compile(r"[ \t\n\r\x0b\x0c]+")
_YEAR = re.compile(r"\s*(\d{4})(?!\d)")
_ISO_DATE = re.compile(r"\s*(\d{4})(?:[/-](\d{1,2})(?:[/-](\d{1,2}))?)?(?!\d)")
_MONTH_DAY = re.compile(r"\s*([A-Za-z]{3})[a-z]*\.?(?:\s+(\d{1,2}))?\s*")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_PMID_ACCESSION = re.compile(r"pmid\s*:?\s*\d+", re.I)
_PUBMED_DATABASE = re.compile(r"pubmed|medline|nlm", re.I)
_DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/\S+", re.I)
# Export boilerplate that Scopus and Web of Science write as N1 notes.
_BOILERPLATE_NOTE = re.compile(
    r"(?:Export Date:|Cited By\b|Times Cited in Web of Science|"
    r"References:|Correspondence Address:)",
    re.I,
)


def looks_like(text: str) -> bool:
    """Whether ``text`` starts like an RIS file: its first line with text is ``TY  - ``."""
    return text.lstrip("\ufeff \t\r\n").startswith("TY  -")


# --- reading ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Field:
    """One tag and its values, each value a list of lines (joined once, at the end: adding
    to a growing string line by line would take quadratic time on a huge field)."""

    tag: str
    line: int
    lines: list[list[str]] = field(default_factory=list)
    size: int = 0

    def add(self, text: str, *, continuation: bool) -> None:
        self.size += len(text) + 1
        if self.size > MAX_FIELD_CHARS:
            self.lines = []  # the record will be skipped: keep no megabytes around
        elif not continuation:
            self.lines.append([text])
        elif self.tag in _LIST_TAGS:
            if text.strip():
                self.lines.append([text.strip()])
        elif self.lines:
            self.lines[-1].append(text)

    @property
    def values(self) -> list[str]:
        return ["\n".join(lines) for lines in self.lines]


#: A field of one value on one line (most fields): (tag, line, value). It becomes a
#: ``_Field`` when a continuation line follows it (``_split_records``).
_Line = tuple[str, int, str]


@dataclass(slots=True)
class _RawRecord:
    line: int
    type_value: str
    fields: list[_Field | _Line] = field(default_factory=list)

    def first_line(self, *tags: str) -> int:
        for item in self.fields:
            tag, line = (item[0], item[1]) if isinstance(item, tuple) else (item.tag, item.line)
            if tag in tags:
                return line
        return self.line


def _field(item: _Field | _Line) -> _Field:
    """The field as a ``_Field``."""
    if isinstance(item, tuple):
        tag, line, value = item
        return _Field(tag, line, [[value]], len(value) + 1)
    return item


def read_ris(text: Text, *, source_name: str = "<text>") -> ReadResult:
    """Read an RIS file (its text, or the pieces of it ``decode_pieces`` gives); records
    that cannot be read become ``Problem``s.

    Raises:
        FormatError: the text is empty, binary, or holds no ``TY  -`` line at all.
    """
    with paused_gc(_author):
        return _read_ris(text, source_name)


def _read_ris(text: Text, source_name: str) -> ReadResult:
    _check_text(text, source_name)
    raw_records, problems, starts_record = _split_records(split_lines(text))
    if not starts_record:
        raise FormatError(
            "not an RIS file: no record starts with a 'TY  - ' line", source_name=source_name
        )
    entries = []
    for raw in raw_records:
        entry = _entry_from_raw(raw, problems)
        if entry is not None:
            entries.append(entry)
    release(raw_records)  # type: ignore[arg-type]
    problems.sort(key=lambda problem: problem.line or 0)
    return ReadResult(entries=entries, problems=problems)


def _check_text(text: Text, source_name: str) -> None:
    if not is_text(text) or is_blank(text):
        raise FormatError("the file is empty", source_name=source_name)
    sample = head_of(text, 65536)
    if any("\x00" in piece for piece in pieces_of(text)) or (
        len(_BINARY.findall(sample)) > len(sample) // 20
    ):
        raise FormatError("this is a binary file, not RIS text", source_name=source_name)


def _split_records(lines: Iterable[str]) -> tuple[list[_RawRecord], list[Problem], bool]:
    """Group lines into records (``TY`` ... ``ER``) and fields; report what is outside.

    Also tells whether any line starts with ``TY  -`` (without one, this is no RIS)."""
    records: list[_RawRecord] = []
    problems: list[Problem] = []
    current: _RawRecord | None = None
    orphan_reported = False
    starts_record = False
    for number, line in enumerate(lines, start=1):
        line = line.rstrip()
        # _TAG_LINE, tested by hand first: a regex call per line is most of the reading.
        if not (
            line[2:5] == "  -"
            and (len(line) == 5 or line[5] == " ")
            and line[0] in _TAG_FIRST
            and line[1] in _TAG_SECOND
        ):
            starts_record = starts_record or line.startswith("TY  -")
            if current is not None and current.fields:
                last = current.fields[-1] = _field(current.fields[-1])
                last.add(line, continuation=True)
            continue  # text between records (e.g. "1." numbering) means nothing in RIS
        tag, value = line[:2], line[6:].strip()
        if tag == "TY":
            starts_record = True
            if current is not None:
                problems.append(_unended(current, f"before the next 'TY  -' on line {number}"))
            current, orphan_reported = _RawRecord(number, value), False
        elif current is None:
            if not orphan_reported:
                problems.append(
                    Problem(
                        number,
                        f"'{tag}  -' line outside a record (no "
                        "'TY  -' line before it); skipped up to the next "
                        "'TY  -' line",
                    )
                )
            orphan_reported = True
        elif tag == "ER":
            records.append(current)
            current = None
        elif len(value) < MAX_FIELD_CHARS:
            current.fields.append((tag, number, value))  # a tuple: made in C
        else:
            large = _Field(tag, number)
            large.add(value, continuation=False)
            current.fields.append(large)
    if current is not None:
        problems.append(_unended(current, "at the end of the file: the file looks truncated"))
    return records, problems, starts_record


def _unended(record: _RawRecord, where: str) -> Problem:
    return Problem(record.line, f"record has no 'ER  -' line {where}; record skipped")


def _too_large(raw: _RawRecord) -> _Field | None:
    # A (tag, line, value) tuple is never too large (see _split_records).
    return next(
        (
            item
            for item in raw.fields
            if not isinstance(item, tuple) and item.size > MAX_FIELD_CHARS
        ),
        None,
    )


def _entry_from_raw(raw: _RawRecord, problems: list[Problem]) -> BibEntry | None:
    item = _too_large(raw)
    if item is not None:
        problems.append(
            Problem(
                item.line,
                f"field {item.tag} is larger than {MAX_FIELD_CHARS:,} characters; record skipped",
            )
        )
        return None
    ris = _as_rispy(raw)
    record = _record_from_ris(ris, raw, problems)
    if not record.title and not (record.doi or record.pmid or record.pmcid):
        problems.append(
            Problem(raw.line, "record has neither a title nor a DOI, PMID or PMCID; record skipped")
        )
        return None
    return BibEntry(
        record=record,
        key=_one_line(_first(ris, "id")),
        tags=(),
        notes=_notes(ris),
        line=raw.line,
    )


_RISPY = rispy.RisParser(ignore=["UK"])  # a literal "UK" tag would clash with unknown tags
# rispy's tables and rules, read once (see ``_as_rispy``).
_RISPY_NAMES: dict[str, str] = _RISPY.mapping
_RISPY_LIST_TAGS = frozenset(_RISPY.list_tags)
_RISPY_DELIMITERS: dict[str, str] = _RISPY.delimiter_map
_RISPY_IGNORED = frozenset(_RISPY.ignore)
_RISPY_UNKNOWN = _RISPY_NAMES[_RISPY.UNKNOWN_TAG]
_RISPY_TYPE = _RISPY_NAMES[_RISPY.START_TAG]
#: Tags that keep their first value as it is (no list, no delimiter): the quick path.
_RISPY_SINGLE = {
    tag: name
    for tag, name in _RISPY_NAMES.items()
    if tag not in _RISPY_LIST_TAGS
    and tag not in _RISPY_DELIMITERS
    and tag not in _RISPY_IGNORED
    and tag not in (_RISPY.UNKNOWN_TAG, _RISPY.END_TAG)
}


def _as_rispy(raw: _RawRecord) -> dict[str, Any]:
    """What ``rispy.RisParser.parse_lines`` gives for the record written as one canonical
    line per value (``TY  - type``, ``XY  - value``..., ``ER  - ``), by rispy's own tables
    and rules: a tag it does not know goes to ``unknown_tag``, a list tag collects every
    value (split at its delimiter), any other tag keeps its first value. Every line is a
    tag line there, so rispy's handling of untagged lines never applies; calling it per
    line cost more than reading the lines (a test compares the two)."""
    record: dict[str, Any] = {_RISPY_TYPE: raw.type_value.strip()}
    for item in raw.fields:
        if isinstance(item, tuple):  # one value on one line: most fields
            tag, _line, value = item
            name = _RISPY_SINGLE.get(tag)
            if name is not None:
                if name not in record:
                    record[name] = value.strip()
                continue
            values = [value]
        elif len(item.lines) == 1 and len(item.lines[0]) == 1:
            tag = item.tag
            name = _RISPY_SINGLE.get(tag)
            if name is not None:
                if name not in record:
                    record[name] = item.lines[0][0].strip()
                continue
            values = [item.lines[0][0]]
        else:
            tag = item.tag
            values = item.values
        if tag in _RISPY_IGNORED:
            continue
        name = _RISPY_NAMES.get(tag)
        for value in values:
            _add_rispy_value(record, tag, name, value.strip())
    return record


def _add_rispy_value(record: dict[str, Any], tag: str, name: str | None, value: str) -> None:
    """rispy's ``_add_tag`` for one value of a tag line."""
    if name is None:
        unknown = record.get(_RISPY_UNKNOWN)
        if unknown is None:
            unknown = record[_RISPY_UNKNOWN] = defaultdict(list)
        unknown[tag].append(value)
        return
    delimiter = _RISPY_DELIMITERS.get(tag)
    content: str | list[str] = (
        [part.strip() for part in value.split(delimiter)] if delimiter else value
    )
    if tag not in _RISPY_LIST_TAGS:
        record.setdefault(name, content)
        return
    added = content if isinstance(content, list) else [content]
    present = record.get(name)
    if present is None:
        record[name] = added
    elif isinstance(present, list):
        present.extend(added)
    else:  # a single value of the same name came first (rispy's AttributeError case)
        record[name] = [present, *added]


def _first(ris: dict[str, Any], *names: str) -> str:
    """The first non-empty value among rispy fields ``names``."""
    for name in names:
        value = ris.get(name)
        if value is None:
            continue
        if isinstance(value, list):
            value = next((item for item in value if item.strip()), "")
        if isinstance(value, str) and value.strip():
            return value
    return ""


def _unknown(ris: dict[str, Any], *tags: str) -> str:
    """The first value of tags rispy does not know (they land in ``unknown_tag``)."""
    unknown = ris.get("unknown_tag") or {}
    for tag in tags:
        values = [value for value in unknown.get(tag, []) if value.strip()]
        if values:
            return str(values[0])
    return ""


def _record_from_ris(ris: dict[str, Any], raw: _RawRecord, problems: list[Problem]) -> WorkRecord:
    year, date = _year_and_date(ris, raw, problems)
    return WorkRecord(
        title=_one_line(_first(ris, "title", "primary_title")),
        type=_TYPE_FROM_RIS.get(raw.type_value.upper(), "article-journal"),
        abstract=_block(_first(ris, "abstract", "notes_abstract")),
        container_title=_one_line(
            _first(ris, "secondary_title", "alternate_title3", "journal_name")
        ),
        container_abbrev=_one_line(
            _first(ris, "alternate_title1", "alternate_title2") or _unknown(ris, "JI", "J9")
        ),
        year=year,
        date=date,
        volume=_one_line(_first(ris, "volume")),
        issue=_one_line(_first(ris, "number")),
        pages=_pages(ris),
        article_number=_one_line(_first(ris, "custom7")),
        publisher=_one_line(_first(ris, "publisher")),
        language=_one_line(_first(ris, "language")),
        doi=_doi(ris, raw, problems),
        pmid=_pmid(ris, raw, problems),
        pmcid=_pmcid(ris, raw, problems),
        authors=_authors(ris),
        keywords=_unique(_one_line(value) for value in ris.get("keywords", [])),
        source_line=raw.line,
    )


def _year_and_date(
    ris: dict[str, Any], raw: _RawRecord, problems: list[Problem]
) -> tuple[int | None, str]:
    year_text = _first(ris, "year", "publication_year")
    match = _YEAR.match(year_text)
    if year_text.strip() and not match:
        message = f"ignored unreadable year {_preview(year_text)}; record kept"
        problems.append(Problem(raw.first_line("PY", "Y1"), message))
    year = match.group(1) if match else ""
    date = _iso_date(_first(ris, "date"), year)
    if not date and "-" in _iso_date(year_text, ""):
        date = _iso_date(year_text, "")  # "PY  - 2023/01/18/" carries the whole date
    year = year or date[:4]
    # A year alone is still a date: exodesk's dates are at least the year when it is known.
    return (int(year) if year else None), date or year


def _iso_date(text: str, year: str) -> str:
    """``2023/01/18/other``, ``2023-01``, or (given the year) EndNote's ``Jan 18`` and Web
    of Science's ``JAN``, as an ISO date; "" when it is none of them."""
    if match := _ISO_DATE.match(text):
        year, month, day = match.groups()
    elif year and (match := _MONTH_DAY.fullmatch(text)) and match.group(1).lower() in _MONTHS:
        month, day = str(_MONTHS.index(match.group(1).lower()) + 1), match.group(2)
    else:
        return ""
    if month is None or not 1 <= int(month) <= 12:
        return year
    if day is None or not 1 <= int(day) <= 31:
        return f"{year}-{int(month):02d}"
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _pages(ris: dict[str, Any]) -> str:
    start = _one_line(_first(ris, "start_page"))
    end = _one_line(_first(ris, "end_page"))
    return f"{start}-{end}" if start and end else start or end


def _doi(ris: dict[str, Any], raw: _RawRecord, problems: list[Problem]) -> str:
    text = _first(ris, "doi").strip()
    if not text:
        urls = " ".join(ris.get("urls", []))
        match = _DOI_URL.search(urls)
        text = match.group(0) if match else ""
    return _identifier(normalize_doi, text, partial(raw.first_line, "DO", "UR"), problems)


def _pmid(ris: dict[str, Any], raw: _RawRecord, problems: list[Problem]) -> str:
    text = _first(ris, "accession_number").strip()
    database = _first(ris, "name_of_database") + " " + _first(ris, "database_provider")
    from_pubmed = text.isdigit() and _PUBMED_DATABASE.search(database)
    if not (_PMID_ACCESSION.fullmatch(text) or from_pubmed):
        return ""  # WOS:..., Scopus EIDs and other accession numbers are not PMIDs
    return _identifier(normalize_pmid, text, partial(raw.first_line, "AN"), problems)


def _pmcid(ris: dict[str, Any], raw: _RawRecord, problems: list[Problem]) -> str:
    text = _first(ris, "custom2").strip()
    if not text.upper().startswith("PMC"):
        return ""  # C2 is a free custom field; only EndNote's PMCID use is read
    return _identifier(normalize_pmcid, text, partial(raw.first_line, "C2"), problems)


def _authors(ris: dict[str, Any]) -> tuple[Author, ...]:
    names = ris.get("authors") or ris.get("first_authors") or []
    authors = (_author(name) for name in names)
    return tuple(author for author in authors if author.family or author.name)


# Authors repeat across the records of a file (a lab's papers, a review's sources); an
# Author is immutable, so one read serves them all.
@lru_cache(maxsize=8192)
def _author(text: str) -> Author:
    text = _one_line(text)
    if text.endswith(","):  # EndNote marks an organisation with a trailing comma
        return Author(name=text.rstrip(", "))
    parts = [part.strip() for part in text.split(",")]
    if len(parts) == 3:  # RIS orders a suffix last: "Family, Given, Suffix"
        return Author(family=f"{parts[0]}, {parts[2]}", given=parts[1])
    if "," in text or _ends_with_initials(text):
        return split_name(text)
    return Author(name=text)


def _ends_with_initials(text: str) -> bool:
    """ "Stefańska K": PubMed's form of a person, even without a comma."""
    rest, _, last = text.rpartition(" ")
    return bool(rest) and last.isalpha() and last.isupper() and len(last) <= 4


def _notes(ris: dict[str, Any]) -> tuple[str, ...]:
    notes = [_block(note) for note in [*ris.get("notes", []), _first(ris, "research_notes")]]
    return tuple(note for note in notes if note and not _BOILERPLATE_NOTE.match(note))


def _one_line(text: str) -> str:
    """Runs of ASCII white space as one space; other spaces (no-break...) are text."""
    if text.isprintable() and "  " not in text:
        return text.strip()  # no control character, no run of spaces: nothing to replace
    return _ASCII_SPACES.sub(" ", text).translate(_CONTROL).strip()


def _block(text: str) -> str:
    """Multi-line text: line breaks kept, trailing spaces and blank ends dropped."""
    if text.isprintable():
        return text.strip()  # one line without control characters
    lines = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _unique(values: Iterator[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def _preview(text: str) -> str:
    return repr(text[:60] + "..." if len(text) > 60 else text)


# --- writing ------------------------------------------------------------------------------


def write_ris(entries: Sequence[BibEntry]) -> str:
    """RIS text for ``entries``: one ``TY`` ... ``ER`` block each, a blank line between."""
    return "\n".join(_format_entry(entry) for entry in entries)


#: Joins an entry's texts to ask once whether any needs cleaning (``_is_clean``): printable,
#: and not a space, so that a space at either end of a text shows next to it.
_TEXT_JOINER = "|"


def _format_entry(entry: BibEntry, clean: bool | None = None) -> str:
    """The entry's block. Most entries' texts are clean (``_is_clean``): each is written as
    it is, which is what ``_one_line`` and ``_block`` would give back."""
    if clean is None:
        clean = _is_clean(entry)
    record = entry.record
    lines = ["TY  - " + TYPES.get(record.type, "GEN")]
    for tag, value in _short_values(entry):
        if value and (text := value if clean else _one_line(value)):
            lines.append(f"{tag}  - {text}")
    if record.abstract:
        lines += _multiline("AB", _block(record.abstract))
    terms = (*record.keywords, *entry.tags)
    if clean:
        lines += ["KW  - " + term for term in _unique(iter(terms))]
    else:
        # One-lined twice, as written before: removing a control character can leave two
        # spaces side by side, which only the second pass makes one.
        lines += [
            f"KW  - {text}" for term in _unique(map(_one_line, terms)) if (text := _one_line(term))
        ]
    for note in entry.notes:
        lines += _multiline("N1", note if clean else _block(note))
    lines.append("ER  - \n")
    return "\n".join(lines)


def _is_clean(entry: BibEntry) -> bool:
    """Whether every short text of the entry is one printable line without a run of spaces
    or a space at either end (authors are one-lined by ``_ris_author``; the abstract, long
    and seldom clean in all three ways, goes through ``_block`` in any case)."""
    record = entry.record
    joined = _TEXT_JOINER.join(
        (
            entry.key,
            record.title,
            record.container_title,
            record.container_abbrev,
            record.date,
            record.volume,
            record.issue,
            record.pages,
            record.article_number,
            record.publisher,
            record.language,
            record.doi,
            record.pmid,
            record.pmcid,
            *record.keywords,
            *entry.tags,
            *entry.notes,
        )
    )
    return (
        joined.isprintable()
        and "  " not in joined
        and " |" not in joined
        and "| " not in joined
        and not joined.startswith(" ")
        and not joined.endswith(" ")
    )


def _short_values(entry: BibEntry) -> list[tuple[str, str]]:
    """(tag, value) of the one-line fields, in the order they are written; a list made at
    once (a generator step per field cost more than the rest of the line's work)."""
    record = entry.record
    year = record.year
    return [
        ("ID", entry.key),
        *[("AU", _ris_author(a.family, a.given, a.name)) for a in record.authors],
        ("TI", record.title),
        ("T2", record.container_title),
        ("J2", record.container_abbrev),
        ("PY", str(year) if year is not None else ""),
        ("DA", record.date.replace("-", "/")),
        ("VL", record.volume),
        ("IS", record.issue),
        *_page_values(record.pages),
        ("C7", record.article_number),
        ("PB", record.publisher),
        ("LA", record.language),
        ("DO", record.doi),
        ("AN", "PMID: " + record.pmid if record.pmid else ""),
        ("C2", record.pmcid),
    ]


def _page_values(pages: str) -> Iterator[tuple[str, str]]:
    start, dash, end = _one_line(pages).partition("-")
    if dash and start and end:
        # Parts of a one-lined text: at most a space at an end ("12 -15").
        yield "SP", start.strip()
        yield "EP", end.strip()
    else:
        yield "SP", _one_line(pages)


# Authors repeat across the works of a library (a lab's papers). Cached by the name's
# strings: a tuple of strings hashes and compares in C, an Author (a dataclass) in Python.
@lru_cache(maxsize=8192)
def _ris_author(family: str, given: str, name: str) -> str:
    """The author as an AU value, one-lined (``_format_entry`` writes it as it is)."""
    return _one_line(_author_text(Author(family, given, name)))


def _author_text(author: Author) -> str:
    if author.is_collective:
        name = _one_line(author.name)
        # A trailing comma keeps an organisation that would read as a person an organisation.
        return f"{name}," if "," in name or _author(name).family else name
    family, comma, suffix = _one_line(author.family).partition(",")
    if comma:  # exodesk keeps a suffix as "Family, Jr"; RIS writes it last
        return f"{family}, {_one_line(author.given)}, {suffix.strip()}"
    return family_given(Author(family=family, given=_one_line(author.given)))


def _multiline(tag: str, text: str) -> Iterator[str]:
    if not text:
        return
    first, *rest = text.split("\n")
    yield f"{tag}  - {first}"
    for line in rest:
        # One leading space keeps a line that looks like "XY  - ..." inside this field.
        yield f" {line}" if _TAG_LINE.fullmatch(line) else line
