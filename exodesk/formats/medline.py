"""PubMed's MEDLINE format (``.nbib``, or ``.txt`` from PubMed "Save > PubMed format").

Why an own parser: PyPI has no small, maintained MEDLINE reader that reports line numbers
(``Bio.Medline`` is part of the large Biopython package), and the format is simple. A
record is a block of lines separated from the next by a blank line. Each line is
``TAG - value`` with the tag left-justified in four columns (``PMID- 36766698``,
``TI  - ...``), and a long value goes on in lines indented by six spaces, joined with a
single space.

Field mapping (read / write):

=====================  =============================================  ===================
WorkRecord / entry     read from                                      written as
=====================  =============================================  ===================
pmid                   PMID                                           PMID
title                  TI, else BTI (book title)                      TI
abstract               AB                                             AB
authors                FAU (else AU) per person, CN per organisation;  FAU, AU, AD, AUID;
                       AD -> affiliations, AUID "ORCID: ..." -> orcid  CN, AD
year, date             DP ("2023 Jan 18")                             DP
volume / issue         VI / IP                                        VI / IP
pages                  PG (dropped when it repeats the article no.)   PG
article_number         LID "... [pii]" when it reads like "356",       LID "356 [pii]"
                       "e1234" (PubMed puts e-locators there)
doi                    LID or AID "... [doi]"                          LID, AID "[doi]"
pmcid                  PMC                                            PMC
container_title        JT                                             JT
container_abbrev       TA                                             TA
publisher              PB                                             PB
language               LA (ISO 639-2 "eng" read as "en")              LA ("en" -> "eng")
type                   PT (see ``PUBLICATION_TYPES``)                 PT
subjects               MH (major-topic "*" dropped)                   MH
keywords               OT                                             OTO, OT
tags                   (none: OT lines come back as keywords)         OT, after keywords
notes                  GN (general note), one per note                GN
(source line)          SO is not read                                 SO, built
=====================  =============================================  ===================

The writer puts tags in PubMed's order and wraps values at 80 columns.

What MEDLINE cannot carry, so a round trip loses it: the citation key; line breaks and
runs of spaces (in abstracts and notes too: every value is one paragraph); tags (they come
back as keywords); types other than those in ``PUBLICATION_TYPES`` (they come back as
article-journal); an article number that is not digits after at most two letters; pages
equal to the article number; a comma in a personal name. A date that is only a year is
read as that year, as elsewhere in exodesk.

A file is truncated when it does not end with a line break and its last record has no
``SO`` line, which PubMed always writes last: that record is skipped as a Problem.
"""

from __future__ import annotations

import itertools
import re
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial

from exodesk.core.identifiers import (
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from exodesk.core.names import split_name
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

__all__ = [
    "LANGUAGES",
    "MAX_FIELD_CHARS",
    "PUBLICATION_TYPES",
    "looks_like",
    "read_medline",
    "write_medline",
]

#: A field larger than this (a pasted PDF, a corrupt file) makes its record a Problem.
MAX_FIELD_CHARS = 1_000_000

#: CSL type <-> MEDLINE publication type (PT); other PT values ("Review", "Research
#: Support, ...") say nothing about the CSL type and are not read.
PUBLICATION_TYPES: dict[str, str] = {
    "article-journal": "Journal Article",
    "article": "Preprint",
    "dataset": "Dataset",
    "article-newspaper": "Newspaper Article",
    "report": "Technical Report",
    "paper-conference": "Congress",
}
_TYPE_FROM_PT = {pt.lower(): csl for csl, pt in PUBLICATION_TYPES.items()}

#: ISO 639-1 (what exodesk stores) <-> the ISO 639-2/B codes MEDLINE writes.
LANGUAGES: dict[str, str] = {
    "en": "eng", "de": "ger", "fr": "fre", "es": "spa", "it": "ita", "pt": "por",
    "pl": "pol", "ru": "rus", "ja": "jpn", "zh": "chi", "nl": "dut", "sv": "swe",
    "da": "dan", "no": "nor", "fi": "fin", "cs": "cze", "hu": "hun", "tr": "tur",
    "ko": "kor", "el": "gre", "he": "heb", "ar": "ara", "uk": "ukr", "ro": "rum",
}  # fmt: skip
_LANGUAGE_FROM_MEDLINE = {medline: iso for iso, medline in LANGUAGES.items()}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TAG = re.compile(r"[A-Z][A-Z0-9]{1,3} *")
_DP = re.compile(r"(\d{4})(?!\d)(?: ([A-Z][a-z]{2})(?: (\d{1,2})(?!\d))?)?")
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_ARTICLE_NUMBER = re.compile(r"[A-Za-z]{0,2}\d{1,12}")
_ORCID = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
_ID_SUFFIX = re.compile(r"(.*?)\s*\[(\w+)\]")
_MAJOR_TOPIC = re.compile(r"(^|/)\*")
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")
# Control characters (but tab and line feed) have no place in a reference; they are dropped.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)], None)
_ASCII_SPACES = re.compile(r"[ \t\n\r\x0b\x0c]+")
#: Tags that only MEDLINE has; one of them near the top tells MEDLINE from other tag files.
_MEDLINE_TAGS = re.compile(r"^(?:PMID|FAU |DP  |JT  |TA  |SO  |LID |AID |OWN |STAT)-", re.M)


def looks_like(text: str) -> bool:
    """Whether ``text`` starts like a MEDLINE file (and not like RIS, which looks alike)."""
    head = text.lstrip("\ufeff \t\r\n")[:20_000]
    first = head.split("\n", 1)[0]
    if _tag_value(first) is None or first.startswith("TY  -"):
        return False
    return bool(_MEDLINE_TAGS.search(head))


def _tag_value(line: str) -> tuple[str, str] | None:
    """``("TI", "Title")`` for a tag line, None for any other line."""
    if len(line) < 5 or line[4] != "-" or not _is_tag(line[:4]):
        return None
    value = line[5:]
    return line[:4].rstrip(), (value[1:] if value.startswith(" ") else value).strip(" \t")


#: Four-character line heads already tested against _TAG, with their tag ("" for a head
#: that is none): a file has a few dozen tags, and a regex call per line is much of the
#: reading. Bounded, whatever the file holds.
_TAG_HEADS: dict[str, str] = {}
_MAX_TAG_HEADS = 4096


def _tag_of(head: str) -> str:
    known = _TAG_HEADS.get(head)
    if known is None:
        known = head.rstrip() if _TAG.fullmatch(head) else ""
        if len(_TAG_HEADS) < _MAX_TAG_HEADS:
            _TAG_HEADS[head] = known
    return known


def _is_tag(head: str) -> bool:
    return bool(_tag_of(head))


# --- reading ------------------------------------------------------------------------------


#: One field as read: ``[tag, line, text, continuation texts...]`` (a list, not an object:
#: files have a field per line, and their values are made once, in ``_RawRecord.items``).
_Field = list


@dataclass(slots=True)
class _RawRecord:
    line: int
    fields: list[_Field] = field(default_factory=list)
    bad_line: int | None = None
    #: (tag, line) of the first field larger than MAX_FIELD_CHARS (its text is dropped).
    too_large: tuple[str, int] | None = None
    _by_tag: dict[str, list[str]] | None = None
    _people_and_ids: list[tuple[str, int, str]] | None = None

    def by_tag(self) -> dict[str, list[str]]:
        """The values of each tag, in file order, empty ones left out."""
        if self._by_tag is None:
            self._read()
        return self._by_tag  # type: ignore[return-value]

    def people_and_ids(self) -> list[tuple[str, int, str]]:
        """``(tag, line, value)`` of the fields of the author tags and LID/AID, in file
        order."""
        if self._people_and_ids is None:
            self._read()
        return self._people_and_ids  # type: ignore[return-value]

    def _read(self) -> None:
        """``by_tag`` and ``people_and_ids`` in one pass, once the record is complete;
        each value on one line (continuation lines joined with a space)."""
        found: dict[str, list[str]] = defaultdict(list)
        people_and_ids = []
        for item in self.fields:
            tag = item[0]
            if len(item) > 3:  # continuation lines: joined with a space each
                value = _one_line(" ".join(item[2:]))
            else:
                # A value on its tag line was stripped of spaces and tabs when read: when it
                # is printable (no other white space, no control character) and holds no
                # run of spaces, it is its own ``_one_line``.
                value = item[2]
                if not value.isprintable() or "  " in value:
                    value = _one_line(value)
            if value:
                found[tag].append(value)
            if tag in _PEOPLE_AND_IDS:
                people_and_ids.append((tag, item[1], value))
        self._by_tag, self._people_and_ids = found, people_and_ids

    def values(self, tag: str) -> list[str]:
        return self.by_tag().get(tag, [])

    def first(self, tag: str) -> str:
        values = self.by_tag().get(tag)
        return values[0] if values else ""

    def line_of(self, tag: str) -> int:
        return next((item[1] for item in self.fields if item[0] == tag), self.line)


def read_medline(text: Text, *, source_name: str = "<text>") -> ReadResult:
    """Read a PubMed MEDLINE (.nbib) file (its text, or the pieces of it ``decode_pieces``
    gives); records that cannot be read become Problems.

    Raises:
        FormatError: the text is empty, binary, or does not start with a MEDLINE tag line.
    """
    with paused_gc(_new_author):
        return _read_medline(text, source_name)


def _read_medline(text: Text, source_name: str) -> ReadResult:
    raw_records = list(_split_records(_lines(text, source_name)))
    problems: list[Problem] = []
    last_piece = next((piece for piece in reversed(pieces_of(text)) if piece), "")
    if raw_records and not last_piece.endswith(("\n", "\r")) and not raw_records[-1].values("SO"):
        last = raw_records.pop()
        problems.append(
            Problem(
                last.line,
                "record ends in the middle of a line, without "
                "the 'SO' line PubMed writes last: the file looks truncated; "
                "record skipped",
            )
        )
    entries = []
    for raw in raw_records:
        entry = _entry_from_raw(raw, problems)
        if entry is not None:
            entries.append(entry)
    release(raw_records)  # type: ignore[arg-type]
    problems.sort(key=lambda problem: problem.line or 0)
    return ReadResult(entries=entries, problems=problems)


def _lines(text: Text, source_name: str) -> Iterator[str]:
    """The lines of the text, once its first line with text is known to be MEDLINE's."""
    if not is_text(text) or is_blank(text):
        raise FormatError("the file is empty", source_name=source_name)
    sample = head_of(text, 65536)
    if any("\x00" in piece for piece in pieces_of(text)) or (
        len(_BINARY.findall(sample)) > len(sample) // 20
    ):
        raise FormatError("this is a binary file, not MEDLINE text", source_name=source_name)
    lines = split_lines(text)
    before: list[str] = []
    for line in lines:
        before.append(line)
        if line.strip():
            break
    number, first = len(before), before[-1] if before else ""
    if not first.strip():
        raise FormatError("the file is empty", source_name=source_name)
    if first.startswith("TY  -"):
        raise FormatError("this is an RIS file, not MEDLINE", source_name=source_name, line=number)
    if _tag_value(first) is None:
        raise FormatError(
            "not a PubMed/MEDLINE file: expected a line like 'PMID- 12345678'",
            source_name=source_name,
            line=number,
        )
    return itertools.chain(before, lines)


def _split_records(lines: Iterable[str]) -> Iterator[_RawRecord]:
    """Blocks of lines between blank lines, as records of tagged fields."""
    record: _RawRecord | None = None
    fields: list[_Field] = []
    heads = _TAG_HEADS
    size = 0  # of the record's last field, as its lines come: continuation lines add to it
    for number, line in enumerate(lines, start=1):
        text = line.strip(" \t")
        if not text:  # only ASCII spaces: U+3000 may start a wrapped line
            if record is not None:
                yield record
            record = None
            continue
        if record is None:
            record = _RawRecord(number)
            fields = record.fields
        if line[0] in " \t":  # no tag starts so: a continuation line, if any
            if not fields:
                record.bad_line = record.bad_line or number
                continue
            size += len(text) + 1
            last = fields[-1]
            if size <= MAX_FIELD_CHARS:
                last.append(text)
            else:
                record.too_large = record.too_large or (last[0], last[1])
                last[2:] = [""]
            continue
        # _tag_value, inline: this runs for every line of the file.
        head = line[:4]
        tag = heads.get(head) if len(line) >= 5 and line[4] == "-" else ""
        if tag is None:
            tag = _tag_of(head)
        if tag:
            value = (line[6:] if line[5:6] == " " else line[5:]).strip(" \t")
            size = len(value) + 1
            if size > MAX_FIELD_CHARS:
                record.too_large = record.too_large or (tag, number)
                value = ""  # the record will be skipped: keep no megabytes around
            fields.append([tag, number, value])
        elif record.bad_line is None:
            record.bad_line = number
    if record is not None:
        yield record


def _entry_from_raw(raw: _RawRecord, problems: list[Problem]) -> BibEntry | None:
    if raw.bad_line is not None:
        problems.append(
            Problem(
                raw.bad_line,
                "not a 'TAG - value' line nor an indented continuation line; record skipped",
            )
        )
        return None
    if raw.too_large is not None:
        tag, line = raw.too_large
        problems.append(
            Problem(
                line,
                f"field {tag} is larger than {MAX_FIELD_CHARS:,} characters; record skipped",
            )
        )
        return None
    record = _record_from_raw(raw, problems)
    if not record.title and not (record.doi or record.pmid or record.pmcid):
        problems.append(
            Problem(raw.line, "record has neither a title nor a DOI, PMID or PMCID; record skipped")
        )
        return None
    return BibEntry(record=record, notes=tuple(raw.values("GN")), line=raw.line)


def _record_from_raw(raw: _RawRecord, problems: list[Problem]) -> WorkRecord:
    year, date = _year_and_date(raw, problems)
    article_number = _article_number(raw)
    by_tag = raw.by_tag()
    empty: list[str] = []

    def first(tag: str) -> str:
        return by_tag.get(tag, empty)[0] if tag in by_tag else ""

    pages = first("PG")
    language = first("LA")
    return WorkRecord(
        title=first("TI") or first("BTI"),
        type=_type(by_tag.get("PT", empty)),
        abstract=first("AB"),
        container_title=first("JT"),
        container_abbrev=first("TA"),
        year=year,
        date=date,
        volume=first("VI"),
        issue=first("IP"),
        pages="" if pages == article_number else pages,
        article_number=article_number,
        publisher=first("PB"),
        language=_LANGUAGE_FROM_MEDLINE.get(language, language),
        doi=_doi(raw, problems),
        pmid=_identifier(normalize_pmid, first("PMID"), partial(raw.line_of, "PMID"), problems),
        pmcid=_identifier(normalize_pmcid, first("PMC"), partial(raw.line_of, "PMC"), problems),
        authors=tuple(_authors(raw)),
        subjects=_unique(_MAJOR_TOPIC.sub(r"\1", term) for term in by_tag.get("MH", empty)),
        keywords=_unique(iter(by_tag.get("OT", empty))),
        source_line=raw.line,
    )


def _type(publication_types: list[str]) -> str:
    for value in publication_types:
        csl = _TYPE_FROM_PT.get(value.lower())
        if csl and csl != "article-journal":
            return csl
    return "article-journal"


def _year_and_date(raw: _RawRecord, problems: list[Problem]) -> tuple[int | None, str]:
    text = raw.first("DP")
    match = _DP.match(text)
    if not match:
        if text:
            problems.append(
                Problem(raw.line_of("DP"), f"ignored unreadable date {text[:60]!r}; record kept")
            )
        return None, ""
    year, month, day = match.groups()
    if month not in _MONTHS:
        return int(year), year
    date = f"{year}-{_MONTHS.index(month) + 1:02d}"
    return int(year), f"{date}-{int(day):02d}" if day and 1 <= int(day) <= 31 else date


def _ids(raw: _RawRecord, kind: str) -> Iterator[tuple[str, int]]:
    """Values of LID/AID lines of one kind ("doi", "pii"), with their line numbers."""
    for tag, line, value in raw.people_and_ids():
        match = _ID_SUFFIX.fullmatch(value) if tag in ("LID", "AID") else None
        if match and match.group(2).lower() == kind:
            yield match.group(1), line


def _article_number(raw: _RawRecord) -> str:
    for value, _ in _ids(raw, "pii"):
        if _ARTICLE_NUMBER.fullmatch(value):
            return value
    return ""


def _doi(raw: _RawRecord, problems: list[Problem]) -> str:
    value, line = next(_ids(raw, "doi"), ("", raw.line))
    return _identifier(normalize_doi, value, line, problems)


def _authors(raw: _RawRecord) -> Iterator[Author]:
    """Authors in file order: FAU (or a lone AU) and CN start one; AD and AUID add to it."""
    current: Author | None = None
    after_fau = False  # an AU right after an FAU is the same person, in initials form
    for tag, _line, value in raw.people_and_ids():
        if tag not in _AUTHOR_TAGS:
            continue
        if tag == "AU" and after_fau:
            after_fau = False
        elif tag in ("FAU", "AU", "CN", "FIR", "IR"):
            if current is not None:
                yield current
            # Investigators (FIR/IR) are not authors; their IRAD lines are not AD lines.
            current = _new_author(tag, value) if tag in ("FAU", "AU", "CN") else None
            after_fau = tag == "FAU"
        elif tag == "AD" and current is not None:
            current = replace(current, affiliations=(*current.affiliations, value))
        elif tag == "AUID" and current is not None and (orcid := _ORCID.search(value)):
            current = replace(current, orcid=orcid.group(0))
    if current is not None:
        yield current


_AUTHOR_TAGS = frozenset({"FAU", "AU", "CN", "FIR", "IR", "AD", "AUID"})
#: The fields ``_authors`` and ``_ids`` read (``_RawRecord.people_and_ids``).
_PEOPLE_AND_IDS = _AUTHOR_TAGS | {"LID", "AID"}


# Authors repeat across the records of a file; an Author is immutable, so one read of a
# name serves them all.
@lru_cache(maxsize=8192)
def _new_author(tag: str, value: str) -> Author | None:
    if not value:
        return None
    if tag == "CN":
        return Author(name=value)
    if tag == "FAU" and "," not in value:
        return Author(family=value)  # PubMed writes a family name alone without a comma
    return split_name(value)


def _unique(values: Iterator[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


# --- writing ------------------------------------------------------------------------------


def write_medline(entries: Sequence[BibEntry]) -> str:
    """MEDLINE text for ``entries``, records separated by a blank line, as PubMed writes."""
    return "".join("\n" + _format_entry(entry) for entry in entries)


def _format_entry(entry: BibEntry) -> str:
    lines = []
    for tag, value in _tagged_values(entry):
        text = _one_line(value)
        if text:
            lines.append(_wrap(tag, text))
    return "".join(line + "\n" for line in lines)


def _wrap(tag: str, text: str) -> str:
    # No breaks at hyphens: the reader joins lines with a space, "Golkar- Narenji".
    chunks = textwrap.wrap(text, width=74, break_long_words=False, break_on_hyphens=False)
    return f"{tag:<4}- " + "\n      ".join(chunks)


def _tagged_values(entry: BibEntry) -> Iterator[tuple[str, str]]:
    record = entry.record
    yield "PMID", record.pmid
    yield "VI", record.volume
    yield "IP", record.issue
    yield "DP", _dp(record)
    yield "TI", record.title
    yield "PG", record.pages
    yield "LID", f"{record.article_number} [pii]" if record.article_number else ""
    yield "LID", f"{record.doi} [doi]" if record.doi else ""
    yield "AB", record.abstract
    for author in record.authors:
        yield from _author_values(author)
    yield "LA", LANGUAGES.get(record.language, record.language)
    yield "PT", PUBLICATION_TYPES.get(record.type, "")
    yield "TA", record.container_abbrev
    yield "JT", record.container_title
    yield "PB", record.publisher
    for subject in record.subjects:
        yield "MH", subject
    yield "PMC", record.pmcid
    terms = _unique(_one_line(term) for term in (*record.keywords, *entry.tags))
    if terms:
        yield "OTO", "NOTNLM"  # "not NLM": keywords from the authors or the user
    for term in terms:
        yield "OT", term
    for note in entry.notes:
        yield "GN", note
    yield "AID", f"{record.doi} [doi]" if record.doi else ""
    yield "SO", _source(record)


def _author_values(author: Author) -> Iterator[tuple[str, str]]:
    if author.is_collective:
        yield "CN", author.name
    else:
        family, given = _one_line(author.family), _one_line(author.given)
        yield "FAU", f"{family}, {given}" if given else family
        yield "AU", Author(family=family, given=given).display_name()
    for affiliation in author.affiliations:
        yield "AD", affiliation
    if author.orcid:
        yield "AUID", f"ORCID: {author.orcid}"


def _dp(record: WorkRecord) -> str:
    """PubMed's publication date, "2023 Jan 18", from the ISO date or the year."""
    match = _ISO_DATE.fullmatch(record.date)
    if not match:
        return str(record.year) if record.year is not None else ""
    year, month, day = match.groups()
    if month is None or not 1 <= int(month) <= 12:
        return year
    words = [year, _MONTHS[int(month) - 1]]
    return " ".join([*words, str(int(day))] if day and 1 <= int(day) <= 31 else words)


def _source(record: WorkRecord) -> str:
    """The SO line, "Cells. 2023 Jan 18;12(3):356. doi: 10.3390/cells12030356."."""
    where = record.volume + (f"({record.issue})" if record.issue else "")
    if record.pages or record.article_number:
        where += f":{record.pages or record.article_number}"
    parts = [
        record.container_abbrev or record.container_title,
        ";".join(part for part in (_dp(record), where) if part),
        f"doi: {record.doi}" if record.doi else "",
    ]
    return " ".join(f"{part}." for part in parts if part)


def _one_line(text: str) -> str:
    """Runs of ASCII white space as one space; other spaces (no-break...) are text."""
    if text.isprintable() and "  " not in text:
        return text.strip()  # no control character, no run of spaces: nothing to replace
    return _ASCII_SPACES.sub(" ", text).translate(_CONTROL).strip()
