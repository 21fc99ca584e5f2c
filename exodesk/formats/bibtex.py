"""BibTeX and BibLaTeX: one reader for both dialects, one writer for each.

Why these libraries:

* **bibtexparser 2.x** splits the file into blocks and records the line where each starts,
  and it keeps going after a malformed entry (``library.failed_blocks``), which is what
  "skip the bad record, report its line" needs. Only its splitter's rules are used (no
  parse stack), and well-formed files are split by the same rules faster in
  ``exodesk.formats.bibtex_blocks``: ``@string`` macros, ``#`` concatenation, names and LaTeX
  are handled here, because its middlewares do not concatenate, and its LaTeX decoding
  makes reading 30 times slower.
* **pylatexenc** turns LaTeX into Unicode (``{\\"o}`` -> ö, ``\\'{e}`` -> é, ``{\\l}`` -> ł).
  It takes about a millisecond per title, so values whose only LaTeX is braces, ligatures
  (``--`` -> –) and the escapes the writer uses (``\\&``) are decoded by a regex that gives
  the same text (a test compares the two); the rest goes through pylatexenc, each distinct
  value once (cached). A bare ``%`` or ``&`` is read as the character, not as LaTeX.

Reading, both dialects (a field in parentheses is read when the first is missing):

==========================  =================================================================
record                      BibTeX / BibLaTeX fields
==========================  =================================================================
type                        entry type, see ``_READ_TYPES`` (``@article`` -> article-journal)
title                       ``title`` (BibLaTeX ``subtitle`` appended after ": ")
authors                     ``author``: "Family, Given", "Family, Jr, Given", "Given Family";
                            a name that is one brace group (``{World Health Organization}``)
                            is an organisation; ``others`` is dropped
container_title             ``journal`` (``journaltitle``, ``booktitle``)
container_abbrev            ``shortjournal`` (``journal-abbrev``, ``journalabbrev``)
year, date                  ``date`` (ISO, BibLaTeX) else ``year`` + ``month`` + ``day``
volume                      ``volume``
issue                       ``number`` (``issue``)
pages                       ``pages``, dashes made one hyphen ("1--10" -> "1-10")
article_number              ``eid`` (``article-number``, ``articleno``); ``pages`` equal to
                            it is the article number again and is dropped
publisher                   ``publisher`` (``school``, ``institution``)
language                    ``language`` (``langid``)
doi                         ``doi`` (else a doi.org ``url``)
pmid                        ``pmid`` (``eprint`` with ``eprinttype = {pubmed}``)
pmcid                       ``pmcid`` (``eprint`` with ``eprinttype = {pmc}``)
abstract                    ``abstract``
keywords                    ``keywords``, split on "," and ";"
tags (BibEntry)             ``groups`` (JabRef's field), split the same way
notes (BibEntry)            each of ``annote``, ``annotation``, ``note``, ``comment``
==========================  =================================================================

Writing (``write_bibtex`` / ``write_biblatex``):

==========================  ==========================  =====================================
record                      BibTeX                      BibLaTeX
==========================  ==========================  =====================================
container_title             ``journal`` (``booktitle``  ``journaltitle`` (``booktitle`` for
                            for chapters, papers)       chapters, papers, encyclopedia)
container_abbrev            ``shortjournal``            ``shortjournal``
year, date                  ``year``, ``month = jan``,  ``date``
                            ``date`` if it has a day
issue                       ``number``                  ``number``
pages                       ``pages`` ("1--10")         ``pages`` ("1--10")
article_number              ``eid``, and ``pages``      ``eid``
                            when there are none (so
                            classic styles print it)
publisher                   ``publisher`` (``school``   ``publisher`` (``institution`` for
                            for theses, ``institution`` theses and reports)
                            for reports)
pmid                        ``pmid``                    ``eprint`` + ``eprinttype = {pubmed}``
pmcid, doi, language,       ``pmcid``, ``doi``,         the same
abstract                    ``language``, ``abstract``
keywords + tags             ``keywords`` = keywords     the same
                            then tags; ``groups`` =
                            tags
notes                       ``annote``                  ``annotation``
==========================  ==========================  =====================================

Conventions: notes go to ``annote``/``annotation``, the fields standard styles never print
(``note`` would put private notes into a paper's reference list); several notes are
joined with a blank line and come back as one note. Tags are written after the keywords in
``keywords`` (so other tools see them, as Zotero does) and again in ``groups`` (JabRef's
group-membership field); on reading, ``groups`` gives the tags, and a ``keywords`` list that
ends with exactly those tags gives them back, so what we wrote reads back as it was.

Text is escaped so that every character reads back as itself: ``\\ { } & % $ # _ ~ ^`` and
the ligatures (``--``, two quotes...) are written as LaTeX (``\\textbraceleft{}`` keeps
braces balanced for bibtex). Non-ASCII is written as UTF-8 (biber, pybtex and
bibtexparser read it; classic bibtex passes it through). Title words with a capital after
their first letter ("DNA", "mRNA", "Therapy-Recent") are wrapped in braces so sentence-case
styles keep them; other capitals follow the style, as in Zotero's exports. DOIs are written
verbatim (as doi.org URLs, percent-encoded, when they hold a brace or backslash).

Entry types: see ``_READ_TYPES`` and ``_WRITE_TYPES``; types that a dialect lacks are
written as ``@misc`` and read back as ``document``.

A field longer than :data:`MAX_FIELD_CHARS` skips its entry (with a Problem).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import quote

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from exodesk.core.citekeys import CitationKeyGenerator, unique_key
from exodesk.core.identifiers import (
    InvalidIdentifier,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from exodesk.core.records import Author, WorkRecord
from exodesk.formats.base import BibEntry, FormatError, Problem, ReadResult, paused_gc
from exodesk.formats.bibtex_blocks import Block, Entry, Failed, Macro, split_blocks

__all__ = ["MAX_FIELD_CHARS", "looks_like", "read_bibtex", "write_biblatex", "write_bibtex"]

#: A longer field skips its entry: nothing bibliographic is that long, and LaTeX decoding
#: of a megabyte already takes seconds.
MAX_FIELD_CHARS = 1_000_000

# bibtexparser logs every malformed block as a warning; the reader reports them as Problems,
# so without this handler Python's last-resort handler would print them a second time.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_READ_TYPES = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "mvproceedings": "book",
    "reference": "book",
    "mvreference": "book",
    "manual": "book",
    "booklet": "pamphlet",
    "inbook": "chapter",
    "incollection": "chapter",
    "bookinbook": "chapter",
    "suppbook": "chapter",
    "suppcollection": "chapter",
    "inreference": "entry-encyclopedia",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "unpublished": "manuscript",
    "patent": "patent",
    "dataset": "dataset",
    "software": "software",
    "periodical": "periodical",
    "standard": "standard",
    "misc": "document",
}
#: BibLaTeX blocks that group or share fields of other entries; they are no works.
_SKIPPED_TYPES = frozenset({"set", "xdata"})

# CSL type -> (BibTeX type, BibLaTeX type); anything else is @misc.
_WRITE_TYPES = {
    "article-journal": ("article", "article"),
    "article-magazine": ("article", "article"),
    "article-newspaper": ("article", "article"),
    "review": ("article", "article"),
    "review-book": ("article", "article"),
    "book": ("book", "book"),
    "chapter": ("incollection", "incollection"),
    "entry-encyclopedia": ("incollection", "inreference"),
    "paper-conference": ("inproceedings", "inproceedings"),
    "thesis": ("phdthesis", "thesis"),
    "report": ("techreport", "report"),
    "webpage": ("misc", "online"),
    "manuscript": ("unpublished", "unpublished"),
    "pamphlet": ("booklet", "booklet"),
    "patent": ("misc", "patent"),
    "dataset": ("misc", "dataset"),
    "software": ("misc", "software"),
}
_BOOKTITLE_TYPES = frozenset({"chapter", "paper-conference", "entry-encyclopedia"})
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
#: The macros every BibTeX style defines.
_PREDEFINED_MACROS = dict(zip(_MONTHS, _MONTH_NAMES, strict=True))

_BLOCK_START = re.compile(r"^[ \t]*@[A-Za-z]+[ \t]*[{(]", re.M)
_TEXT_MACROS = {
    "textbackslash": "\\",
    "textbraceleft": "{",
    "textbraceright": "}",
    "textasciitilde": "~",
    "textasciicircum": "^",
}
_SIMPLE_LATEX = re.compile(
    r"\\([&%$#_{}])|\\(" + "|".join(_TEXT_MACROS) + r")\{\}|([{}])|(---|--|``|''|!`|\?`|~)"
)
#: What _SIMPLE_LATEX could replace, a backslash or a "$": without any, a value is its own
#: text (single hyphens and apostrophes, as in most abstracts, are plain text).
_LATEX_CHARS = re.compile(r"[\\{}$~]|--|``|''|[!?]`")
_LIGATURE_TEXT = {
    "---": "\N{EM DASH}",
    "--": "\N{EN DASH}",
    "``": "\N{LEFT DOUBLE QUOTATION MARK}",
    "''": "\N{RIGHT DOUBLE QUOTATION MARK}",
    "!`": "\N{INVERTED EXCLAMATION MARK}",
    "?`": "\N{INVERTED QUESTION MARK}",
    "~": "\N{NO-BREAK SPACE}",
}
# A bare % starts a LaTeX comment and a bare & is a table column: in a .bib value people
# mean the characters.
_BARE_COMMENT_OR_AMP = re.compile(r"(?<!\\)([%&])")
_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_ASCII_SPACE_CHAR = re.compile(r"[ \t\n\r\f\v]")
_COMMA = re.compile(",")
_LIST_SEPARATOR = re.compile("[,;]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")
_YEAR = re.compile(r"[0-9]{4}")
_SMALL_NUMBER = re.compile(r"[0-9]{1,2}")
_ISO_DATE = re.compile(r"\s*([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/", re.I)
_VERBATIM_ESCAPE = re.compile(r"\\([_%&#$])")


# ---------------------------------------------------------------------------------------
# LaTeX -> Unicode


@lru_cache(maxsize=1)
def _latex_converter() -> LatexNodes2Text:
    db = get_default_latex_context_db()
    # pylatexenc leaves out these text-mode macros: the writer uses the first ones because
    # they keep braces balanced for bibtex (``\{`` counts as a brace there), and titles
    # name the TeX family ("The {\TeX}book").
    db.add_context_category(
        "exodesk-bibtex",
        prepend=True,
        macros=[
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("textbackslash", "\\"),
            MacroTextSpec("textasciitilde", "~"),
            MacroTextSpec("textasciicircum", "^"),
            MacroTextSpec("textquotedbl", '"'),
            MacroTextSpec("textunderscore", "_"),
            MacroTextSpec("TeX", "TeX"),
            MacroTextSpec("LaTeX", "LaTeX"),
            MacroTextSpec("LaTeXe", "LaTeX2e"),
            MacroTextSpec("BibTeX", "BibTeX"),
        ],
    )
    return LatexNodes2Text(latex_context=db)


def _latex_to_text(value: str) -> str:
    """Unicode text of a BibTeX value; whitespace is left as it is."""
    if len(value) > _MAX_CACHED_CHARS:
        return _decode(value)
    return _decode_short(value)


def _decode(value: str) -> str:
    simple = _simple_latex_to_text(value)
    return simple if simple is not None else _pylatexenc_to_text(value)


# Journals, publishers and author names repeat across entries; abstracts do not, and
# caching them would hold whole files in memory.
_MAX_CACHED_CHARS = 2000
_decode_short = lru_cache(maxsize=16384)(_decode)


def _simple_latex_to_text(value: str) -> str | None:
    """The text of ``value`` if it holds no LaTeX beyond braces, ligatures and the escapes
    the writer uses (``\\&``, ``\\textbraceleft{}``...); None if pylatexenc must decode it.

    Most values are like that (protected words, ``--``), and pylatexenc takes a millisecond
    or more for a title; the result is the same as pylatexenc's (a test compares them).
    """
    if not _may_hold_latex(value):
        return value  # nothing _SIMPLE_LATEX could replace, no backslash, no "$"
    # A backslash or "$" that is no escape _SIMPLE_LATEX takes: pylatexenc's. The tests
    # in front spare the substitution most values (pages "1--10", protected words).
    if "\\" in value and "\\" in _SIMPLE_LATEX.sub("", value):
        return None
    if "$" in value and "$" in value.replace("\\$", ""):
        return None
    return _SIMPLE_LATEX.sub(_simple_replacement, value)


def _may_hold_latex(value: str) -> bool:
    """False when ``_LATEX_CHARS`` finds nothing in ``value`` (True may still find nothing:
    a lone "`", which _SIMPLE_LATEX leaves as it is). Substring tests, each a scan in C:
    on an abstract, a sixth of the time _LATEX_CHARS's search takes."""
    return (
        "\\" in value
        or "{" in value
        or "}" in value
        or "$" in value
        or "~" in value
        or "`" in value  # ``, !` and ?`
        or "--" in value
        or "''" in value
    )


def _simple_replacement(match: re.Match[str]) -> str:
    escaped, macro, brace, ligature = match.groups()
    if escaped:
        return escaped
    if macro:
        return _TEXT_MACROS[macro]
    return "" if brace else _LIGATURE_TEXT[ligature]


def _pylatexenc_to_text(value: str) -> str:
    try:
        return _latex_converter().latex_to_text(_BARE_COMMENT_OR_AMP.sub(r"\\\1", value))
    except Exception:
        # pylatexenc parses tolerantly, but nesting deeper than Python's recursion limit
        # (RecursionError) or a bug of its own must neither cost the user the record nor
        # let another exception type out of the reader: drop the markup instead.
        return value.replace("{", "").replace("}", "").replace("\\", "")


def _clean(text: str) -> str:
    if text.isprintable():
        return text  # no control character (nor any other character _CONTROL matches)
    return _CONTROL.sub("", text)


def _text(value: str) -> str:
    """A one-line field: LaTeX decoded, runs of whitespace made one space."""
    if not value:
        return ""  # most fields of most entries are missing
    if len(value) <= _MAX_CACHED_TEXT_CHARS:
        return _short_text(value)
    return _one_line(value)


def _one_line(value: str) -> str:
    text = _clean(_latex_to_text(value))
    if text.isprintable() and "  " not in text:
        return text.strip()  # no tab, line break or run of spaces to make one space
    return _ASCII_SPACE.sub(" ", text).strip()


# Most one-line values repeat from entry to entry (journals, years, volumes, languages,
# publishers, name parts): each distinct one is made text once. Titles are the longest
# of those that do not, hence the bound.
_MAX_CACHED_TEXT_CHARS = 300
_short_text = lru_cache(maxsize=16384)(_one_line)


def _paragraphs(value: str) -> str:
    """Like :func:`_text`, but blank lines stay paragraph breaks.

    Abstracts are decoded without the cache: they do not repeat, and hashing each (and
    pushing journals and names out of the cache) costs more than it saves."""
    text = _decode(value)
    if text.isprintable():  # one line, no control character: one paragraph
        return (_ASCII_SPACE.sub(" ", text) if "  " in text else text).strip()
    paragraphs = _PARAGRAPH_BREAK.split(_clean(text).replace("\r\n", "\n"))
    return "\n\n".join(p for p in (_one_spaced(p).strip() for p in paragraphs) if p)


def _one_spaced(text: str) -> str:
    """Runs of ASCII white space as one space."""
    if text.isprintable() and "  " not in text:
        return text  # no tab, line break or run of spaces: nothing to replace
    return _ASCII_SPACE.sub(" ", text)


def _note(value: str) -> str:
    """Markdown: line breaks and indentation matter, so only the ends are trimmed."""
    return _clean(_latex_to_text(value).replace("\r\n", "\n")).strip()


def _verbatim(value: str) -> str:
    """Identifiers: no LaTeX, but one enclosing brace pair and ``\\_``-style escapes go."""
    value = value.strip()
    if value.startswith("{") and value.endswith("}") and _balanced(value[1:-1]):
        value = value[1:-1]
    if "\\" not in value:
        return value.strip()  # no escape to undo (identifiers rarely have one)
    return _VERBATIM_ESCAPE.sub(r"\1", value).strip()


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0


# ---------------------------------------------------------------------------------------
# Field values: delimiters, @string macros and # concatenation


class _SkipEntry(Exception):
    """The entry cannot be read; the message says why."""


class _TooLong(Exception):
    pass


def _value_parts(raw: str) -> Iterator[str]:
    """The ``#``-separated parts of a raw value, delimiters kept.

    Braces preceded by a backslash do not count, as in bibtexparser's splitter, so the
    parts agree with where it found the value to end.
    """
    if "#" not in raw:
        yield raw.strip()  # no concatenation: the loop below would find one part
        return
    depth, in_quotes, start = 0, False, 0
    for index, char in enumerate(raw):
        escaped = index > 0 and raw[index - 1] == "\\"
        if char == "{" and not escaped:
            depth += 1
        elif char == "}" and not escaped:
            depth -= 1
        elif char == '"' and depth == 0:
            in_quotes = not in_quotes
        elif char == "#" and depth == 0 and not in_quotes:
            yield raw[start:index].strip()
            start = index + 1
    yield raw[start:].strip()


def _resolve(raw: str, macros: dict[str, str | None]) -> str:
    """The text of a raw value: delimiters removed, macros expanded, parts joined.

    An unknown macro stands for its own name (lenient: bibtex would warn and use "").

    Raises:
        _TooLong: the result would be longer than MAX_FIELD_CHARS.
    """
    if len(raw) > MAX_FIELD_CHARS:
        raise _TooLong
    if "#" not in raw:  # one part, as most values: the loop below without its lists
        return _piece(raw.strip(), macros)
    pieces: list[str] = []
    size = 0
    for part in _value_parts(raw):
        piece = _piece(part, macros)
        size += len(piece)
        if size > MAX_FIELD_CHARS:
            raise _TooLong
        pieces.append(piece)
    return "".join(pieces)


def _piece(part: str, macros: dict[str, str | None]) -> str:
    """One part of a value: delimiters removed, or the macro it names expanded."""
    if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
        return part[1:-1]  # no longer than the value, which was checked
    piece = macros.get(part.lower(), part)
    if piece is None or len(piece) > MAX_FIELD_CHARS:  # None: a macro that was too long
        raise _TooLong
    return piece


def _macros(blocks: Sequence[Block]) -> dict[str, str | None]:
    """``@string`` macros (names case-insensitive) plus the month macros; None = too long."""
    macros: dict[str, str | None] = dict(_PREDEFINED_MACROS)
    for block in blocks:
        if isinstance(block, Macro):
            try:
                macros[block.key.lower()] = _resolve(block.value, macros)
            except _TooLong:
                macros[block.key.lower()] = None
    return macros


# ---------------------------------------------------------------------------------------
# Names


def _top_level_split(
    text: str, is_separator: Callable[[str], bool], separators: re.Pattern[str] | None = None
) -> list[str]:
    """Split at characters for which ``is_separator`` holds, outside braces.

    ``separators`` matches the same characters: without braces in ``text`` it splits in
    one call, where the loop below would look at every character."""
    if separators is not None and "{" not in text and "}" not in text:
        return separators.split(text)
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and is_separator(char):
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _words(text: str) -> list[str]:
    # ASCII whitespace only, as bibtex: a no-break space belongs to its word.
    return [
        word
        for word in _top_level_split(text, " \t\n\r\f\v".__contains__, _ASCII_SPACE_CHAR)
        if word
    ]


def _split_names(value: str) -> list[str]:
    """The names of a BibTeX name list: words "and" at brace depth 0 separate them."""
    if "{" not in value and "}" not in value:
        # Without braces every "and" word separates. Most lists are "A and B and C",
        # single spaces, lower-case "and"s: a plain split.
        if not _ODD_SPACE.search(value):
            names_text = value.strip(" ")
            lowered = names_text.lower()
            if (
                lowered.count(" and ") == names_text.count(" and ")  # no "AND", "And"...
                and " and and " not in lowered
                and not lowered.startswith("and ")
                and not lowered.endswith(" and")
                and lowered != "and"
            ):
                return names_text.split(" and ") if names_text else []
        # Otherwise one regular-expression split, then each name's runs of ASCII white
        # space made one space, as joining its words would.
        names = _AND_WORD.split(value)
        if _ODD_SPACE.search(value):
            names = [_ASCII_SPACE.sub(" ", name) for name in names]
        return [name for name in (name.strip(" ") for name in names) if name]
    return _names_by_words(value)


def _names_by_words(value: str) -> list[str]:
    """``_split_names`` word by word, braces respected."""
    names: list[list[str]] = [[]]
    for word in _words(value):
        if word.lower() == "and":
            names.append([])
        else:
            names[-1].append(word)
    return [" ".join(words) for words in names if words]


#: The word "and" (any case) between ASCII white space or the ends of a name list; the
#: space after it is left for the next "and" ("A and and B" has two).
_AND_WORD = re.compile(r"(?:^|[ \t\n\r\f\v]+)and(?=[ \t\n\r\f\v]|$)", re.IGNORECASE)
#: ASCII white space other than single spaces.
_ODD_SPACE = re.compile(r"[\t\n\r\f\v]|  ")


def _is_one_group(text: str) -> bool:
    """Whether ``text`` is a single brace group: ``{World Health Organization}``."""
    if not (text.startswith("{") and text.endswith("}")):
        return False
    depth = 0
    for index, char in enumerate(text):
        depth += (char == "{") - (char == "}")
        if depth == 0 and index < len(text) - 1:
            return False
    return depth == 0


def _starts_lower(word: str) -> bool:
    """BibTeX's "von" test: a lower-case first letter; ``{\\"u}ber`` counts as "ü"."""
    if word.startswith("{\\"):
        word = _latex_to_text(word)
    elif word.startswith("{"):
        return False  # a protected group is never a von part
    return word[:1].islower()


# Authors repeat across the entries of a file; an Author is immutable, so one read of a
# name serves them all.
@lru_cache(maxsize=8192)
def _read_name(text: str) -> Author | None:
    """One BibTeX name, following BibTeX's own rules for its three forms."""
    if _is_one_group(text):
        name = _text(text)
        return Author(name=name) if name else None
    parts = [part.strip() for part in _top_level_split(text, ",".__eq__, _COMMA)]
    if len(parts) == 1:
        words = _words(parts[0])
        if len(words) == 1 and words[0].lower() == "others":
            return None  # "and others" is "et al.", not an author
        # "First von Last": the family name starts at the first lower-case word ("van"),
        # and the last word always belongs to it.
        start = len(words) - 1
        for index, word in enumerate(words[:-1]):
            if _starts_lower(word):
                start = index
                break
        family, given = " ".join(words[start:]), " ".join(words[:start])
    elif len(parts) == 2:
        family, given = parts
    else:
        # "von Last, Jr, First": the suffix stays with the family, as split_name keeps it.
        family = f"{parts[0]}, {parts[1]}" if parts[1] else parts[0]
        given = ", ".join(parts[2:])
    family, given = _text(family), _text(given)
    if not family:
        family, given = given, ""
    return Author(family=family, given=given) if family else None


def _read_authors(value: str) -> tuple[Author, ...]:
    authors = (_read_name(name) for name in _split_names(value))
    return tuple(author for author in authors if author is not None)


# ---------------------------------------------------------------------------------------
# Reading


@dataclass
class _Fields:
    """The fields of one entry: resolved raw values (the first of each name)."""

    entry: Entry
    values: dict[str, str] = field(default_factory=dict)
    #: The values that are not blank (that ``strip`` would not leave empty): what the
    #: reader reads, the first of several names that is here ("journal" or "journaltitle").
    present: dict[str, str] = field(default_factory=dict)

    def line(self, name: str) -> int | None:
        """The line where the field starts (its first one), asked only for a Problem."""
        for key, _raw, start_line in self.entry.fields:
            if key.strip().lower() == name:
                return start_line + 1
        return None


def _entry_label(entry: Entry) -> str:
    return f"@{entry.entry_type}{{{entry.key}}}" if entry.key else f"@{entry.entry_type}"


def _collect_fields(entry: Entry, macros: dict[str, str | None]) -> tuple[_Fields, list[str]]:
    """Resolve the fields of ``entry``; also names the fields given twice (first one wins)."""
    fields, repeated = _Fields(entry), []
    values, present = fields.values, fields.present
    for key, raw, _line in entry.fields:
        name = key.strip().lower()
        if name in values:
            repeated.append(name)
            continue
        if raw[:1] == "{" and raw[-1:] == "}" and "#" not in raw and len(raw) <= MAX_FIELD_CHARS:
            value = raw[1:-1]  # most values: one braced part (_resolve's answer)
        else:
            try:
                value = _resolve(raw, macros)
            except _TooLong:
                raise _SkipEntry(
                    f"{_entry_label(entry)}: field {name!r} is longer than "
                    f"{MAX_FIELD_CHARS:,} characters; entry skipped"
                ) from None
        values[name] = value
        if value and not value.isspace():  # isspace: the characters strip takes
            present[name] = value
    return fields, repeated


def _month(value: str) -> int | None:
    text = _text(value).strip().lower().rstrip(".")
    if _SMALL_NUMBER.fullmatch(text) and 1 <= int(text) <= 12:  # not isdigit(): "²"
        return int(text)
    for number, name in enumerate(_MONTHS, start=1):
        if text[:3] == name and _MONTH_NAMES[number - 1].lower().startswith(text):
            return number
    return None


def _read_date(fields: _Fields) -> tuple[int | None, str]:
    """``(year, ISO date)``: BibLaTeX ``date`` first, else ``year``/``month``/``day``."""
    get = fields.present.get
    year_match = _YEAR.search(_text(get("year", "")))
    year = int(year_match.group()) if year_match else None
    iso = _ISO_DATE.match(_text(get("date", "")))
    if iso and _valid_date(*iso.groups()):
        date_year = int(iso.group(1))
        return (year if year is not None else date_year), iso.group(0).strip()
    if year is None:
        return None, ""
    month = _month(get("month", ""))
    if month is None:
        return year, f"{year:04d}"
    day_text = _text(get("day", ""))
    if _SMALL_NUMBER.fullmatch(day_text) and 1 <= int(day_text) <= 31:
        return year, f"{year:04d}-{month:02d}-{int(day_text):02d}"
    return year, f"{year:04d}-{month:02d}"


def _valid_date(year: str, month: str | None, day: str | None) -> bool:
    return (
        int(year) > 0
        and (month is None or 1 <= int(month) <= 12)
        and (day is None or 1 <= int(day) <= 31)
    )


def _pages(value: str) -> str:
    return _DASHES.sub("-", _text(value))


def _split_list(value: str) -> list[str]:
    if not value:
        return []  # most entries have no groups
    items = (_text(item) for item in _top_level_split(value, ",;".__contains__, _LIST_SEPARATOR))
    return [item for item in items if item]


def _dedupe(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _keywords_and_tags(fields: _Fields) -> tuple[tuple[str, ...], tuple[str, ...]]:
    get = fields.present.get
    keywords = _split_list(get("keywords") or get("keyword") or "")
    tags = _split_list(get("groups", ""))
    # The writer appends the tags to the keywords; give them back to the tags.
    if tags and keywords[len(keywords) - len(tags) :] == tags:
        keywords = keywords[: len(keywords) - len(tags)]
    return _dedupe(keywords), _dedupe(tags)


_PUBMED_EPRINT = frozenset({"pubmed", "pmid"})
_PMC_EPRINT = frozenset({"pmc", "pmcid", "pubmedcentral"})


class _IdentifierReader:
    """Normalises identifier fields; a bad one is dropped and reported, the entry kept."""

    def __init__(self, fields: _Fields, label: str) -> None:
        self.fields = fields
        self.label = label
        self.problems: list[Problem] = []

    def _read(self, name: str, normalize: Callable[[str], str]) -> str:
        raw = self.fields.present.get(name)
        value = _verbatim(raw) if raw else ""
        if not value:
            return ""
        try:
            return normalize(value)
        except InvalidIdentifier as error:
            line = self.fields.line(name)
            self.problems.append(Problem(line, f"{self.label}: {error}; identifier dropped"))
            return ""

    def identifiers(self) -> tuple[str, str, str]:
        """``(doi, pmid, pmcid)``."""
        fields = self.fields
        doi_field = "doi"
        get = fields.present.get
        if "doi" not in fields.present and _DOI_URL.match(_verbatim(get("url", ""))):
            doi_field = "url"
        eprint_type = _text(get("eprinttype", "")).lower()
        pmid_field = "pmid"
        if "pmid" not in fields.present and eprint_type in _PUBMED_EPRINT:
            pmid_field = "eprint"
        pmcid_field = "pmcid"
        if "pmcid" not in fields.present and eprint_type in _PMC_EPRINT:
            pmcid_field = "eprint"
        return (
            self._read(doi_field, normalize_doi),
            self._read(pmid_field, normalize_pmid),
            self._read(pmcid_field, normalize_pmcid),
        )


def _title(fields: _Fields) -> str:
    get = fields.present.get
    title, subtitle = _text(get("title", "")), _text(get("subtitle", ""))
    return f"{title}: {subtitle}" if title and subtitle else title or subtitle


def _numbers(fields: _Fields) -> tuple[str, str]:
    """``(pages, article_number)``; pages equal to the article number are the writer's copy."""
    pages = _pages(fields.present.get("pages", ""))
    get = fields.present.get
    article_number = _text(
        get("eid") or get("article-number") or get("articleno") or get("article_number") or ""
    )
    if pages == article_number:
        pages = ""
    return pages, article_number


def _record(
    entry: Entry, fields: _Fields, ids: tuple[str, str, str], keywords: tuple[str, ...]
) -> WorkRecord:
    year, date = _read_date(fields)
    pages, article_number = _numbers(fields)
    get = fields.present.get
    return WorkRecord(
        title=_title(fields),
        type=_READ_TYPES.get(entry.entry_type.lower(), "document"),
        abstract=_paragraphs(get("abstract", "")),
        container_title=_text(get("journal") or get("journaltitle") or get("booktitle") or ""),
        container_abbrev=_text(
            get("shortjournal") or get("journal-abbrev") or get("journalabbrev") or ""
        ),
        year=year,
        date=date,
        volume=_text(get("volume", "")),
        issue=_text(get("number") or get("issue") or ""),
        pages=pages,
        article_number=article_number,
        publisher=_text(get("publisher") or get("school") or get("institution") or ""),
        language=_text(get("language") or get("langid") or ""),
        doi=ids[0],
        pmid=ids[1],
        pmcid=ids[2],
        authors=_read_authors(get("author", "")),
        keywords=keywords,
        source_line=entry.start_line + 1 if entry.start_line is not None else None,
    )


def _read_entry(entry: Entry, macros: dict[str, str | None]) -> tuple[BibEntry, list[Problem]]:
    """One entry as a BibEntry, with the Problems of fields that were dropped."""
    line = entry.start_line + 1 if entry.start_line is not None else None
    fields, repeated = _collect_fields(entry, macros)
    label = _entry_label(entry)
    problems = [
        Problem(fields.line(name) or line, f"{label}: field {name!r} given twice; first kept")
        for name in dict.fromkeys(repeated)
    ]
    identifiers = _IdentifierReader(fields, label)
    keywords, tags = _keywords_and_tags(fields)
    record = _record(entry, fields, identifiers.identifiers(), keywords)
    present = fields.present
    notes = tuple(
        note for note in (_note(present[name]) for name in _NOTE_FIELDS if name in present) if note
    )
    bib_entry = BibEntry(record=record, key=entry.key.strip(), tags=tags, notes=notes, line=line)
    return bib_entry, problems + identifiers.problems


#: Fields read as notes, one note each (most entries have none of them).
_NOTE_FIELDS = ("annote", "annotation", "note", "comment")


@dataclass
class _KeyRegister:
    """Entry keys seen so far, with the line of their entry; compared ignoring case."""

    lines: dict[str, int | None] = field(default_factory=dict)

    def claim(self, key: str, line: int | None) -> tuple[str, Problem | None]:
        """``key``, or a new unique key and a Problem if an earlier entry has it."""
        if not key:
            return key, None
        if key.lower() not in self.lines:
            self.lines[key.lower()] = line
            return key, None
        new_key = unique_key(key, self.lines)
        first = self.lines[key.lower()]
        self.lines[new_key.lower()] = line
        message = f"key {key!r} was already used on line {first}; this entry is read as {new_key!r}"
        return new_key, Problem(line, message)


def _split_blocks(text: str, source_name: str) -> list[Block]:
    if "\x00" in text:
        raise FormatError("binary data, not a BibTeX file", source_name=source_name)
    if not text or text.isspace():  # not strip(): no copy of the whole text
        raise FormatError("the file is empty", source_name=source_name)
    try:
        blocks = split_blocks(text)
    except Exception as error:
        # bibtexparser re-raises what it does not expect (its own bugs); one unreadable
        # file must not take the import down with another exception type.
        raise FormatError(
            f"cannot be read as BibTeX ({type(error).__name__})", source_name=source_name
        ) from error
    if not blocks:
        raise FormatError("no BibTeX entries found", source_name=source_name)
    return blocks


def read_bibtex(text: str, *, source_name: str = "<text>") -> ReadResult:
    """Read a BibTeX or BibLaTeX file.

    Malformed entries are skipped and reported as Problems with their line; a bad
    identifier is dropped (Problem) but its entry kept; a repeated key (compared ignoring
    case, as bibtex does) gets "a", "b"... appended (Problem); a repeated field keeps its
    first value (Problem). ``@set`` and ``@xdata`` blocks are no works and are skipped.

    Raises:
        FormatError: empty text, binary data, or no BibTeX block at all.
    """
    with paused_gc(_read_name, _short_text, _decode_short):
        return _read_bibtex(text, source_name)


def _read_bibtex(text: str, source_name: str) -> ReadResult:
    blocks = _split_blocks(text.lstrip("\ufeff"), source_name)
    macros = _macros(blocks)
    result = ReadResult()
    keys = _KeyRegister()
    for block in blocks:
        if isinstance(block, Entry):
            _read_into(result, block, macros, keys)
        elif isinstance(block, Failed):
            line = block.start_line + 1 if block.start_line is not None else None
            result.problems.append(Problem(line, block.message))
    return result


def _read_into(
    result: ReadResult, entry: Entry, macros: dict[str, str | None], keys: _KeyRegister
) -> None:
    if entry.entry_type.lower() in _SKIPPED_TYPES:
        return
    line = entry.start_line + 1 if entry.start_line is not None else None
    try:
        bib_entry, problems = _read_entry(entry, macros)
    except _SkipEntry as skip:
        result.problems.append(Problem(line, str(skip)))
        return
    key, key_problem = keys.claim(bib_entry.key, line)
    result.entries.append(bib_entry if key == bib_entry.key else replace(bib_entry, key=key))
    result.problems.extend([key_problem] if key_problem else [])
    result.problems.extend(problems)


def looks_like(text: str) -> bool:
    """Whether ``text`` looks like BibTeX: a line starting with ``@type{`` early on."""
    return bool(_BLOCK_START.search(text[:65536]))


# ---------------------------------------------------------------------------------------
# Writing

_NAME_CONTENT = re.compile(r"[^\s-]")
_SPECIALS = re.compile(r"[\\{}&%$#_~^]|(?<=-)-|(?<=`)`|(?<=')'|(?<=[!?])`|\n(?=[ \t]*@)")
#: The characters _SPECIALS matches, or the last of the runs it matches ("--", "@" after a
#: line break...): without any, a text is its own LaTeX (see ``_needs_escape``).
_MAYBE_SPECIAL = re.compile(r"[\\{}&%$#_~^`'@-]")
_SPECIAL_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    # An empty group breaks a ligature ("--" would read back as an en dash), and keeps a
    # line from starting with "@", which bibtexparser would take for a new entry.
    "-": "{}-",
    "`": "{}`",
    "'": "{}'",
    "\n": "\n{}",
}


def _escape(text: str) -> str:
    """LaTeX for ``text`` that reads back (through pylatexenc) as exactly ``text``."""
    if not text or not _needs_escape(text):
        return text
    return _SPECIALS.sub(lambda match: _SPECIAL_LATEX[match.group()], text)


def _needs_escape(text: str) -> bool:
    """Whether _SPECIALS matches anywhere in ``text``.

    Most values need nothing but hold a hyphen or an apostrophe that starts no ligature:
    a character class finds the few candidates much faster than _SPECIALS scans for its
    runs, and each candidate is checked here as _SPECIALS's lookbehinds would."""
    for match in _MAYBE_SPECIAL.finditer(text):
        at = match.start()
        char = text[at]
        if char in "-`'":
            before = text[at - 1] if at else ""
            if before == char or (char == "`" and before in ("!", "?")):
                return True  # "--", "``", "''", "!`", "?`"
        elif char == "@":
            line_start = text.rfind("\n", 0, at)
            if line_start >= 0 and not text[line_start + 1 : at].strip(" \t"):
                return True  # a line that would start with "@"
        else:
            return True
    return False


def _title_latex(title: str, escape: Callable[[str], str] = _escape) -> str:
    """Escaped title; words with a capital after their first letter are brace-protected.

    ``escape`` is ``str`` when the caller knows the title needs no escaping."""
    if "\n" in title:
        # A line break before "@" is escaped depending on what follows it, beyond a space:
        # word by word, as the words are.
        words = title.split(" ")
        return " ".join(
            [_protected(escape(word)) if _capital_inside(word) else escape(word) for word in words]
        )
    # No escape holds a space or a capital, so the words of the escaped title are the
    # title's words escaped, with their capitals where they were or further in.
    latex = escape(title)
    if latex.isascii():
        return _WORD_WITH_INNER_CAPITAL.sub(_protected_word, latex)
    return " ".join(
        [_protected(word) if _capital_inside(word) else word for word in latex.split(" ")]
    )


#: A word (between spaces) with an ASCII capital after its first character.
_WORD_WITH_INNER_CAPITAL = re.compile(r"(?<![^ ])[^ ][^ A-Z]*[A-Z][^ ]*")


def _protected_word(match: re.Match[str]) -> str:
    return _protected(match.group())


def _protected(latex: str) -> str:
    # bibtex changes the case inside a group that starts with a backslash (a "special
    # character"); a second pair of braces stops that.
    return f"{{{{{latex}}}}}" if latex.startswith("\\") else f"{{{latex}}}"


def _capital_inside(word: str) -> bool:
    """Whether a character after the first is a capital."""
    rest = word[1:]
    if rest.isascii():
        return rest != rest.lower()  # A-Z are ASCII's capitals, and lower() changes only them
    return any(char.isupper() for char in rest)


def _name_part(text: str) -> str:
    """Escaped name part, braced where bibtex would split it or find it empty.

    bibtex splits names at "and" and commas, and reads hyphens as separators, so a part
    made of hyphens only would be an empty part (an error).
    """
    latex = _escape(text)
    if "," in text or _only_separators(text) or _has_word_and(text):
        return f"{{{latex}}}"
    return latex


def _has_word_and(text: str) -> bool:
    # Only "A", "N", "D" lower-case to "a", "n", "d": no "and" in the lower-cased text, no
    # word "and" in it either.
    return "and" in text.lower() and any(word.lower() == "and" for word in text.split())


def _only_separators(text: str) -> bool:
    return bool(text) and not _NAME_CONTENT.search(text)


# Authors repeat across the works of a library (a lab's papers). Cached by the name's
# strings: a tuple of strings hashes in C, an Author (a dataclass) in Python.
@lru_cache(maxsize=16384)
def _name_latex(family: str, given: str, name: str) -> str:
    if name and not family:  # a collective (Author.is_collective)
        return f"{{{_escape(name)}}}"
    family, given = (family, given) if family else (given, "")
    if not given:
        # Groups hide spaces and commas from bibtex's name parsing, so "Golkar Narenji"
        # stays one family name (a trailing comma would be an error in bibtex).
        latex = _escape(family).replace(",", "{,}").replace(" ", "{ }")
        if _only_separators(family):
            latex = f"{{{latex}}}"
        if _is_one_group(latex):
            latex += "{}"  # one group alone would read back as an organisation
        return latex[:-1] + "{s}" if family.lower() == "others" else latex
    last, _, suffix = family.partition(", ")
    if _is_suffix_form(last, suffix):
        # split_name's "Family, Jr" is bibtex's "von Last, Jr, First" form.
        return f"{_name_part(last)}, {_name_part(suffix)}, {_name_part(given)}"
    return f"{_name_part(family)}, {_name_part(given)}"


def _is_suffix_form(last: str, suffix: str) -> bool:
    """Whether "last, suffix" reads back as it is: one comma, no spaces around the parts."""
    return (
        bool(last)
        and bool(suffix)
        and "," not in last + suffix
        and (last == last.strip() and suffix == suffix.strip())
    )


def _authors_latex(authors: Sequence[Author]) -> str:
    return " and ".join(
        [
            _name_latex(author.family, author.given, author.name)
            for author in authors
            if author.name or author.family or author.given
        ]
    )


def _doi_latex(doi: str) -> str:
    if "\\" in doi or "{" in doi or "}" in doi:
        # Only the resolver form, percent-encoded, keeps these characters out of bibtex's
        # brace counting; normalize_doi decodes it again.
        return "https://doi.org/" + quote(doi, safe="/:;()._-")
    return doi


@dataclass(frozen=True)
class _Dialect:
    biblatex: bool

    def entry_type(self, record: WorkRecord) -> str:
        bibtex_type, biblatex_type = _WRITE_TYPES.get(record.type, ("misc", "misc"))
        return biblatex_type if self.biblatex else bibtex_type

    def container_field(self, record: WorkRecord) -> str:
        if record.type in _BOOKTITLE_TYPES:
            return "booktitle"
        return "journaltitle" if self.biblatex else "journal"

    def publisher_field(self, record: WorkRecord) -> str:
        if record.type == "report" or (record.type == "thesis" and self.biblatex):
            return "institution"
        return "school" if record.type == "thesis" else "publisher"

    def subtype(self, record: WorkRecord) -> str:
        # BibLaTeX requires a type for @thesis and @report; these are its localisation keys.
        types = {"thesis": "phdthesis", "report": "techreport"}
        return types.get(record.type, "") if self.biblatex else ""


def _date_fields(record: WorkRecord, biblatex: bool) -> list[tuple[str, str]]:
    iso = _ISO_DATE.match(record.date)
    year = record.year if record.year is not None else (int(iso.group(1)) if iso else None)
    if biblatex:
        date = iso.group(0).strip() if iso else (f"{year:04d}" if year is not None else "")
        return [("date", date)]
    fields = [("year", str(year) if year is not None else "")]
    if iso and iso.group(2) and 1 <= int(iso.group(2)) <= 12:
        fields.append(("month", _MONTHS[int(iso.group(2)) - 1]))
    if iso and iso.group(3):
        fields.append(("date", iso.group(0).strip()))
    return fields


#: Joins an entry's texts to ask ``_needs_escape`` once for all of them: no run that
#: _SPECIALS matches can span it (it is none of the characters the runs are made of).
_TEXT_JOINER = "\x00"


def _entry_text(entry: BibEntry, key: str, dialect: _Dialect) -> str:
    """The entry as written: its non-empty fields in a fixed order, one per line.

    Most entries hold no character that needs LaTeX: one question for all their texts
    instead of one per field (``str`` leaves a text as it is); names are cached."""
    record, biblatex = entry.record, dialect.biblatex
    keywords, tags = record.keywords, entry.tags
    # The notes as the one value they are written as: a note that starts with "@" is at
    # the start of a line only after the one before it.
    notes = "\n\n".join(entry.notes)
    texts = (
        record.title,
        record.container_title,
        record.container_abbrev,
        record.volume,
        record.issue,
        record.pages,
        record.article_number,
        record.publisher,
        record.language,
        record.abstract,
        *keywords,
        *tags,
        notes,
    )
    escape = _escape if _needs_escape(_TEXT_JOINER.join(texts)) else str
    if record.pages:
        pages = "--".join([escape(part) for part in record.pages.split("-")])
    else:
        # BibTeX has no article-number field that classic styles print: give it as pages.
        pages = "" if biblatex else escape(record.article_number)
    if biblatex and record.pmid:
        pmid = [("eprint", record.pmid), ("eprinttype", "pubmed")]
    else:
        pmid = [("pmid", record.pmid)]
    fields = (
        ("author", _authors_latex(record.authors)),
        ("title", _title_latex(record.title, escape)),
        (dialect.container_field(record), escape(record.container_title)),
        ("shortjournal", escape(record.container_abbrev)),
        *_date_fields(record, biblatex),
        ("volume", escape(record.volume)),
        ("number", escape(record.issue)),
        ("pages", pages),
        ("eid", escape(record.article_number)),
        (dialect.publisher_field(record), escape(record.publisher)),
        ("type", dialect.subtype(record)),
        ("language", escape(record.language)),
        ("doi", _doi_latex(record.doi)),
        *pmid,
        ("pmcid", record.pmcid),
        ("abstract", escape(record.abstract)),
        ("keywords", ", ".join([escape(item) for item in (*keywords, *tags)])),
        ("groups", ", ".join([escape(tag) for tag in tags])),
        ("annotation" if biblatex else "annote", escape(notes)),
    )
    lines = [
        # A month is a macro (jan...): no braces.
        f"  {name} = {value},\n" if name == "month" else f"  {name} = {{{value}}},\n"
        for name, value in fields
        if value
    ]
    return f"@{dialect.entry_type(record)}{{{key},\n{''.join(lines)}}}\n"


def _write(entries: Sequence[BibEntry], dialect: _Dialect) -> str:
    keys = CitationKeyGenerator().fill_keys(
        [entry.key for entry in entries], [entry.record for entry in entries]
    )
    return "\n".join(
        [_entry_text(entry, key, dialect) for entry, key in zip(entries, keys, strict=True)]
    )


def write_bibtex(entries: Sequence[BibEntry]) -> str:
    """BibTeX for ``entries`` (see the module documentation for fields and conventions).

    Entries without a usable key get one from the default
    :class:`~exodesk.core.citekeys.CitationKeyGenerator`, unique within the file.
    """
    return _write(entries, _Dialect(biblatex=False))


def write_biblatex(entries: Sequence[BibEntry]) -> str:
    """BibLaTeX for ``entries``: ``journaltitle``, ``date``, ``eid``, ``eprint`` for PMIDs."""
    return _write(entries, _Dialect(biblatex=True))
