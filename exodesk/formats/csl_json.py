"""CSL-JSON, the item format of citeproc processors (pandoc, Zotero, citeproc-js).

Why the standard ``json`` module: CSL-JSON is plain JSON, and ``json.JSONDecoder.raw_decode``
gives the offset where each item ends, from which the reader tells the line where each
item starts; a JSONDecodeError carries line and column for the FormatError.

=========================  =================================================================
record                     CSL-JSON variable (read also: in parentheses)
=========================  =================================================================
key (BibEntry)             ``id`` (a number is read as text)
type                       ``type`` (CSL type names, as ``WorkRecord.type``; unknown ->
                           ``document``)
title                      ``title``
authors                    ``author``: ``{"family", "given"}`` (``non-dropping-particle``
                           and ``dropping-particle`` go before the family, ``suffix`` after
                           it as "Family, Jr"), or ``{"literal"}`` for organisations
container_title            ``container-title``
container_abbrev           ``container-title-short`` (``journalAbbreviation``)
year, date                 ``issued``: ``date-parts`` (else ``raw``/``literal`` text)
volume, issue              ``volume``, ``issue``
pages                      ``page``, dashes made one hyphen ("1–10" -> "1-10")
article_number             ``number``; a ``page`` equal to it is the writer's copy (below)
publisher, language        ``publisher``, ``language``
doi, pmid, pmcid           ``DOI``, ``PMID``, ``PMCID``
abstract                   ``abstract``
keywords                   ``keyword``, split on "," and ";"
tags (BibEntry)            ``custom.tags`` (a list of strings)
notes (BibEntry)           ``note`` (one note)
=========================  =================================================================

Conventions: CSL 1.0.2 has no article-number variable; ``number`` ("number identifying the
item") is the closest, and styles print ``page`` for articles, so an article number is also
written as ``page`` when there are no pages (as Zotero does) and read back as the article
number. Tags are written after the keywords in ``keyword`` (other tools see them) and in
``custom.tags`` (CSL 1.0.2's place for data without a variable); a ``keyword`` list ending
with exactly those tags gives them back. Notes are joined with a blank line into ``note``
(the variable annotated-bibliography styles print; CSL's schema reserves it for user
annotations) and read back as one note.

An item that is not an object, or whose fields have the wrong JSON types, is skipped with
a Problem naming its line; a bad identifier is dropped (Problem) and the item kept; a text
longer than :data:`MAX_FIELD_CHARS` skips the item.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from json.encoder import encode_basestring  # the C function when _json is there
from typing import Any

from exodesk.core.citekeys import CitationKeyGenerator
from exodesk.core.identifiers import (
    InvalidIdentifier,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from exodesk.core.records import Author, WorkRecord
from exodesk.formats.base import BibEntry, FormatError, Problem, ReadResult

__all__ = ["CSL_TYPES", "MAX_FIELD_CHARS", "looks_like", "read_csl_json", "write_csl_json"]

#: A longer text skips its item: nothing bibliographic is that long.
MAX_FIELD_CHARS = 1_000_000

#: The item types of CSL 1.0.2.
CSL_TYPES = frozenset(
    {
        "article",
        "article-journal",
        "article-magazine",
        "article-newspaper",
        "bill",
        "book",
        "broadcast",
        "chapter",
        "classic",
        "collection",
        "dataset",
        "document",
        "entry",
        "entry-dictionary",
        "entry-encyclopedia",
        "event",
        "figure",
        "graphic",
        "hearing",
        "interview",
        "legal_case",
        "legislation",
        "manuscript",
        "map",
        "motion_picture",
        "musical_score",
        "pamphlet",
        "paper-conference",
        "patent",
        "performance",
        "periodical",
        "personal_communication",
        "post",
        "post-weblog",
        "regulation",
        "report",
        "review",
        "review-book",
        "software",
        "song",
        "speech",
        "standard",
        "thesis",
        "treaty",
        "webpage",
    }
)

_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")
_ISO_DATE = re.compile(r"\s*([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_YEAR = re.compile(r"[0-9]{4}")
_DATE_NUMBER = re.compile(r"\s*[0-9]{1,4}\s*")
_ITEM_KEYS = re.compile(r'"(?:id|type|title|author|issued|DOI)"\s*:')


class _BadItem(Exception):
    """The item cannot be read; the message says why."""


# ---------------------------------------------------------------------------------------
# Splitting the JSON text into items, with their lines


class _Lines:
    """Line numbers of increasing offsets, counting each newline once."""

    def __init__(self, text: str) -> None:
        self.text, self.offset, self.line = text, 0, 1

    def at(self, offset: int) -> int:
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def _json_error(error: ValueError, source_name: str) -> FormatError:
    if isinstance(error, json.JSONDecodeError):
        message = f"not valid JSON: {error.msg} (column {error.colno})"
        return FormatError(message, source_name=source_name, line=error.lineno)
    return FormatError(f"not valid JSON: {error}", source_name=source_name)


def _items(text: str, source_name: str) -> list[tuple[int, Any]]:
    """``(line, value)`` of each element of the top-level array (or of the single object)."""
    decoder = json.JSONDecoder()
    start = _skip_space(text, 0)
    try:
        if not text.startswith("[", start):
            value, end = decoder.raw_decode(text, start)
            _expect_end(text, end)
            return [(_Lines(text).at(start), value)]
        return _array_items(text, start + 1, decoder)
    except ValueError as error:  # JSONDecodeError, or an integer of too many digits
        raise _json_error(error, source_name) from None
    except RecursionError:
        raise FormatError("JSON nested too deeply", source_name=source_name) from None


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\n\r":
        index += 1
    return index


def _expect_end(text: str, index: int) -> None:
    index = _skip_space(text, index)
    if index < len(text):
        raise json.JSONDecodeError("extra data after the JSON value", text, index)


def _array_items(text: str, index: int, decoder: json.JSONDecoder) -> list[tuple[int, Any]]:
    items: list[tuple[int, Any]] = []
    lines = _Lines(text)
    index = _skip_space(text, index)
    if text.startswith("]", index):
        _expect_end(text, index + 1)
        return items
    while True:
        value, end = decoder.raw_decode(text, index)
        items.append((lines.at(index), value))
        index = _skip_space(text, end)
        if text.startswith("]", index):
            _expect_end(text, index + 1)
            return items
        if not text.startswith(",", index):
            raise json.JSONDecodeError("expected ',' or ']' after an item", text, index)
        index = _skip_space(text, index + 1)


# ---------------------------------------------------------------------------------------
# Reading one item


def _string(item: dict[str, Any], name: str) -> str:
    """The text of a string (or number) variable; "" if absent or null."""
    value = item.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _BadItem(f"{name!r} is not text")
    text = str(value)
    if len(text) > MAX_FIELD_CHARS:
        raise _BadItem(f"{name!r} is longer than {MAX_FIELD_CHARS:,} characters")
    return text


def _text(item: dict[str, Any], name: str) -> str:
    return _WHITESPACE.sub(" ", _string(item, name)).strip()


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _BadItem(f"{name!r} is not a list of strings")
    return [text for text in (_WHITESPACE.sub(" ", item).strip() for item in value) if text]


def _author(value: Any) -> Author | None:
    if not isinstance(value, dict):
        raise _BadItem("an author is not an object")
    literal = _text(value, "literal")
    family = " ".join(
        part
        for part in (
            _text(value, "dropping-particle"),
            _text(value, "non-dropping-particle"),
            _text(value, "family"),
        )
        if part
    )
    suffix = _text(value, "suffix")
    given = _text(value, "given")
    if family and suffix:
        family = f"{family}, {suffix}"  # split_name keeps a suffix this way
    if not family and (literal or given):
        return Author(name=literal) if literal else Author(family=given)
    return Author(family=family, given=given) if family else None


def _authors(item: dict[str, Any]) -> tuple[Author, ...]:
    value = item.get("author")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _BadItem("'author' is not a list")
    return tuple(author for author in map(_author, value) if author is not None)


def _date_part(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _DATE_NUMBER.fullmatch(value):
        return int(value)  # some tools write "2023"; str.isdigit() would accept "²"
    return value if isinstance(value, int) and -9999 <= value <= 9999 else None


def _issued(item: dict[str, Any]) -> tuple[int | None, str]:
    """``(year, ISO date)`` from ``issued``; unreadable dates are left out."""
    issued = item.get("issued")
    if not isinstance(issued, dict):
        return None, ""
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        numbers = [_date_part(part) for part in parts[0][:3]]
        return _iso(numbers)
    for name in ("raw", "literal"):
        text = issued.get(name)
        if isinstance(text, str):
            if match := _ISO_DATE.match(text):
                return _iso([int(part) for part in match.groups() if part is not None])
            if match := _YEAR.search(text):
                return int(match.group()), match.group()
    return None, ""


def _iso(numbers: Sequence[int | None]) -> tuple[int | None, str]:
    year = numbers[0] if numbers else None
    if year is None or not 0 < year <= 9999:
        return None, ""
    date = f"{year:04d}"
    month = numbers[1] if len(numbers) > 1 else None
    if month is not None and 1 <= month <= 12:
        date += f"-{month:02d}"
        day = numbers[2] if len(numbers) > 2 else None
        if day is not None and 1 <= day <= 31:
            date += f"-{day:02d}"
    return year, date


def _split_list(text: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,;]", text) if item.strip()]


def _keywords_and_tags(item: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    keywords = _split_list(_text(item, "keyword"))
    custom = item.get("custom")
    if custom is not None and not isinstance(custom, dict):
        raise _BadItem("'custom' is not an object")
    tags = _strings(custom.get("tags") if custom else None, "custom.tags")
    # The writer appends the tags to the keywords; give them back to the tags.
    if tags and keywords[len(keywords) - len(tags) :] == tags:
        keywords = keywords[: len(keywords) - len(tags)]
    return tuple(dict.fromkeys(keywords)), tuple(dict.fromkeys(tags))


def _identifier(
    item: dict[str, Any], name: str, normalize: Callable[[str], str], problems: list[Problem]
) -> str:
    """A normalised identifier; a bad one is dropped and reported, the item kept."""
    text = _text(item, name)
    if not text:
        return ""
    try:
        return normalize(text)
    except InvalidIdentifier as error:
        problems.append(Problem(None, f"{_label(item)}: {error}; identifier dropped"))
        return ""


def _record(item: dict[str, Any], keywords: tuple[str, ...], problems: list[Problem]) -> WorkRecord:
    year, date = _issued(item)
    pages = _DASHES.sub("-", _text(item, "page"))
    article_number = _text(item, "number")
    item_type = _text(item, "type")
    return WorkRecord(
        title=_text(item, "title"),
        type=item_type if item_type in CSL_TYPES else "document",
        abstract=_string(item, "abstract").strip(),
        container_title=_text(item, "container-title"),
        container_abbrev=(
            _text(item, "container-title-short") or _text(item, "journalAbbreviation")
        ),
        year=year,
        date=date,
        volume=_text(item, "volume"),
        issue=_text(item, "issue"),
        pages="" if pages == article_number else pages,
        article_number=article_number,
        publisher=_text(item, "publisher"),
        language=_text(item, "language"),
        doi=_identifier(item, "DOI", normalize_doi, problems),
        pmid=_identifier(item, "PMID", normalize_pmid, problems),
        pmcid=_identifier(item, "PMCID", normalize_pmcid, problems),
        authors=_authors(item),
        keywords=keywords,
    )


def _label(item: dict[str, Any]) -> str:
    key = item.get("id")
    return f"item {str(key)[:80]!r}" if isinstance(key, (str, int)) else "item"


def _read_item(value: Any, line: int) -> tuple[BibEntry, list[Problem]]:
    if not isinstance(value, dict):
        raise _BadItem(f"not a CSL item (a JSON {type(value).__name__}, not an object)")
    problems: list[Problem] = []
    keywords, tags = _keywords_and_tags(value)
    record = replace(_record(value, keywords, problems), source_line=line)
    note = _string(value, "note").strip()
    key = value.get("id")
    key_text = str(key) if isinstance(key, (str, int)) and not isinstance(key, bool) else ""
    entry = BibEntry(record, key=key_text, tags=tags, notes=(note,) if note else (), line=line)
    return entry, [replace(problem, line=line) for problem in problems]


def read_csl_json(text: str, *, source_name: str = "<text>") -> ReadResult:
    """Read CSL-JSON: an array of items, or a single item object.

    Raises:
        FormatError: empty text, binary data, or not JSON (with the line and column).
    """
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise FormatError("binary data, not a CSL-JSON file", source_name=source_name)
    if not text.strip():
        raise FormatError("the file is empty", source_name=source_name)
    result = ReadResult()
    for line, value in _items(text, source_name):
        try:
            entry, problems = _read_item(value, line)
        except _BadItem as bad:
            label = _label(value) if isinstance(value, dict) else "item"
            result.problems.append(Problem(line, f"{label} skipped: {bad}"))
            continue
        result.entries.append(entry)
        result.problems.extend(problems)
    return result


def looks_like(text: str) -> bool:
    """Whether ``text`` looks like CSL-JSON: a JSON array or object with CSL variables."""
    head = text.lstrip("\ufeff \t\r\n")[:65536]
    if re.match(r"\[\s*\]\s*$", head):
        return True
    return head[:1] in ("[", "{") and bool(_ITEM_KEYS.search(head))


# ---------------------------------------------------------------------------------------
# Writing


# The text is what ``json.dumps(items, ensure_ascii=False, indent=2)`` writes for the items
# (a test holds it to that), written member by member at the depth each one always has:
# the standard encoder writes indented JSON in pure Python, several generator steps per
# value, seconds for a large export. Strings go through the C function it uses for them.

_MEMBER = ",\n    "  # between the members of an item
_AUTHOR_MEMBER = ",\n        "  # between the members of an author


def _write_author(author: Author) -> dict[str, str]:
    if author.is_collective:
        return {"literal": author.name}
    family, given = (author.family, author.given) if author.family else (author.given, "")
    name = {"family": family}
    last, _, suffix = family.partition(", ")
    # split_name's "Family, Jr" form, if it reads back as it is.
    if (
        last
        and suffix
        and "," not in last + suffix
        and f"{last.strip()}, {suffix.strip()}" == family
    ):
        name = {"family": last, "suffix": suffix}
    return {**name, "given": given} if given else name


# Authors repeat across the works of a library; cached by the strings the text depends on.
@lru_cache(maxsize=16384)
def _author_json(family: str, given: str, name: str) -> str:
    members = _write_author(Author(family, given, name)).items()
    text = _AUTHOR_MEMBER.join(
        [f'"{variable}": {encode_basestring(value)}' for variable, value in members]
    )
    return f"{{\n        {text}\n      }}"


def _authors_json(authors: Sequence[Author]) -> str:
    texts = [
        _author_json(author.family, author.given, author.name)
        for author in authors
        if author.name or author.family or author.given
    ]
    return "[\n      " + ",\n      ".join(texts) + "\n    ]" if texts else ""


def _date_parts(record: WorkRecord) -> list[int]:
    match = _ISO_DATE.match(record.date)
    if match:
        return [int(part) for part in match.groups() if part is not None]
    return [record.year] if record.year is not None else []


def _issued_json(record: WorkRecord) -> str:
    """``{"date-parts": [[year, month, day]]}``, "" without a date."""
    parts = _date_parts(record)
    if not parts:
        return ""
    numbers = ",\n          ".join(map(str, parts))
    return f'{{\n      "date-parts": [\n        [\n          {numbers}\n        ]\n      ]\n    }}'


def _custom_json(tags: Sequence[str]) -> str:
    """``{"tags": [...]}``, "" without tags."""
    if not tags:
        return ""
    names = ",\n        ".join([encode_basestring(tag) for tag in tags])
    return f'{{\n      "tags": [\n        {names}\n      ]\n    }}'


def _item_json(entry: BibEntry, key: str) -> str:
    record = entry.record
    # (member, value, is the value JSON already): texts are encoded when not empty.
    members = (
        ('"id": ', key, False),
        ('"type": ', record.type or "document", False),
        ('"title": ', record.title, False),
        ('"author": ', _authors_json(record.authors) if record.authors else "", True),
        ('"container-title": ', record.container_title, False),
        ('"container-title-short": ', record.container_abbrev, False),
        ('"issued": ', _issued_json(record), True),
        ('"volume": ', record.volume, False),
        ('"issue": ', record.issue, False),
        ('"page": ', record.pages or record.article_number, False),
        ('"number": ', record.article_number, False),
        ('"publisher": ', record.publisher, False),
        ('"language": ', record.language, False),
        ('"DOI": ', record.doi, False),
        ('"PMID": ', record.pmid, False),
        ('"PMCID": ', record.pmcid, False),
        ('"abstract": ', record.abstract, False),
        ('"keyword": ', ", ".join([*record.keywords, *entry.tags]), False),
        ('"note": ', "\n\n".join(entry.notes), False),
        ('"custom": ', _custom_json(entry.tags), True),
    )
    texts = [
        name + (value if is_json else encode_basestring(value))
        for name, value, is_json in members
        if value
    ]
    return "{\n    " + _MEMBER.join(texts) + "\n  }"


def write_csl_json(entries: Sequence[BibEntry]) -> str:
    """CSL-JSON (an array, UTF-8 text, indented) for ``entries``.

    Entries without a usable key get one from the default
    :class:`~exodesk.core.citekeys.CitationKeyGenerator`, unique within the file, so the
    ``id`` s match those of a BibTeX export.
    """
    if not entries:
        return "[]\n"
    keys = CitationKeyGenerator().fill_keys(
        [entry.key for entry in entries], [entry.record for entry in entries]
    )
    items = [_item_json(entry, key) for entry, key in zip(entries, keys, strict=True)]
    # Brackets added to the first and last items: the file is copied once, by the join.
    items[0] = "[\n  " + items[0]
    items[-1] += "\n]\n"
    return ",\n  ".join(items)
