"""BibTeX text as blocks: entries, ``@string`` macros, other blocks, and failed blocks.

bibtexparser's splitter decides what the blocks of a file are (where each ends, which are
malformed, on which line each field starts): exodesk keeps its answers. But it walks the
text mark by mark in Python, a comma of an abstract or a line break included, and takes
half the time of reading a file. So well-formed files are split here first, a field at
a time with regular expressions, by the same rules; whenever a file holds anything else
(a malformed or ``(``-delimited block, a repeated ``@string``, a line ending with a
backslash, a block start inside a value...), the whole file goes to bibtexparser
instead. Either way the reader gets the same plain blocks (a test compares the two).

The rules, as bibtexparser's splitter has them: "marks" are the characters ``{ } " , =``
when no backslash precedes them, line breaks, and block starts (``@type`` before ``{`` or
``(``, anywhere outside a block). A field's value ends at the first ``,`` or closing ``}``
outside braces and quotes; ``"`` opens and closes quotes outside braces (``{"}`` inside
quotes is a quote character); a block start at the start of a line inside a block ends
that block as a failure. Entry types are lower-cased; keys, names and values are stripped;
a field's line is the line of its ``=``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import repeat
from typing import NamedTuple

import bibtexparser
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    ExplicitComment,
    ParsingFailedBlock,
    Preamble,
    String,
)
from bibtexparser.model import Entry as ParsedEntry


class Field(NamedTuple):  # a tuple: files have a hundred thousand of them
    key: str
    value: str  # as written: delimiters, macros and ``#`` kept
    start_line: int  # 0-based


@dataclass(frozen=True, slots=True)
class Entry:
    entry_type: str  # lower case
    key: str
    fields: list[Field]
    start_line: int | None  # 0-based


@dataclass(frozen=True, slots=True)
class Macro:
    """An ``@string`` definition (the first of a name; later ones are ``Failed``)."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Failed:
    """A block that could not be read, with the message the reader reports for it."""

    start_line: int | None  # 0-based
    message: str


@dataclass(frozen=True, slots=True)
class Other:
    """A block with nothing to read: ``@comment`` or ``@preamble``."""


Block = Entry | Macro | Failed | Other


def split_blocks(text: str) -> list[Block]:
    """The blocks of ``text`` (comments between blocks left out), as bibtexparser splits it.

    Raises what ``bibtexparser.parse_string`` raises on the text it cannot split."""
    fast = _Splitter(text).blocks()
    if fast is not None:
        return fast
    return parsed_blocks(text)


def parsed_blocks(text: str) -> list[Block]:
    """The blocks of ``text`` as bibtexparser's own splitter gives them."""
    library = bibtexparser.parse_string(text, parse_stack=[])
    blocks: list[Block] = []
    for block in library.blocks:
        entry: object = block
        if isinstance(block, DuplicateBlockKeyBlock | DuplicateFieldKeyBlock):
            entry = block.ignore_error_block  # readable; the reader reports repeats itself
        if isinstance(entry, ParsedEntry):
            fields = [Field(f.key, str(f.value), f.start_line) for f in entry.fields]
            blocks.append(Entry(entry.entry_type, entry.key, fields, entry.start_line))
        elif isinstance(block, ParsingFailedBlock):  # a repeated @string is one too
            blocks.append(Failed(block.start_line, _failure_message(block)))
        elif isinstance(block, String):
            blocks.append(Macro(block.key, str(block.value)))
        elif isinstance(block, Preamble | ExplicitComment):
            blocks.append(Other())
    return blocks


_ENTRY_HEAD = re.compile(r"@\w+\s*[{(]\s*[^\s,{}()=]{0,80}")


def _failure_message(block: ParsingFailedBlock) -> str:
    reason = getattr(block.error, "abort_reason", None) or str(block.error)
    head = _ENTRY_HEAD.match(block.raw or "")
    where = f"{head.group()}: " if head else ""
    return f"{where}malformed entry skipped ({' '.join(reason.split())})"


# -- the fast path --------------------------------------------------------------------------

_BLOCK_START = r"@[\w]*(?: |\t)*(?=[{(])"
_BLOCK_START_RE = re.compile(_BLOCK_START)
#: Every mark but line breaks (lines are counted apart).
_MARKS = re.compile(r'(?<!\\)[{}",=]|' + _BLOCK_START)
#: The marks that count inside braces, and inside quotes.
_BRACE_MARKS = re.compile(r"(?<!\\)[{}]|" + _BLOCK_START)
_QUOTE_MARKS = re.compile(r'(?<!\\)"|' + _BLOCK_START)
#: A field that needs no walk from mark to mark: a name without marks, then ``{text}``
#: (braces nested once at most), ``"text"`` or a bare ``2020``, then the "," or "}" that
#: ends it; no backslash (escapes), "@" (block starts) or "#" (concatenation) anywhere.
_PLAIN_FIELD = re.compile(
    r'([^{}",=@\\]*)='
    # An unrolled loop (text, then {group} text...): one way to match, so a value that fails
    # fails at once.
    r'(\s*(?:\{[^{}\\@]*(?:\{[^{}\\@]*\}[^{}\\@]*)*\}|"[^"{}\\@]*")\s*|[^{}",=@\\#]*)'
    r"([,}])"
)


#: The parts of _PLAIN_FIELD for an entry written a field per line (as exodesk, Zotero,
#: JabRef and most tools write them): a name without spaces, the value without line
#: breaks, and no line break but the one before each name.
#: A backslash and the character after it are text (no mark follows a backslash), as in
#: ``Journal of Hematology \& Oncology``; "@" never (it may start a block).
_NAME = r'[^\s{}",=@\\]+'
_IN_BRACES = r"[^{}\\@\n]*(?:\\[^@\n][^{}\\@\n]*)*"  # unrolled: one way to match
_VALUE = (
    rf"\{{{_IN_BRACES}(?:\{{{_IN_BRACES}\}}{_IN_BRACES})*\}}"
    r'|"[^"{}\\@\n]*(?:\\[^{}@\n][^"{}\\@\n]*)*"|[^\s{}",=@\\#]+'
)
#: One such field: the line break before it, its name and value, the comma after it.
_LINE_FIELD = re.compile(rf"[ \t]*\n[ \t]*({_NAME})[ \t]*=[ \t]*({_VALUE})[ \t]*(,?)")


class _NeedsParser(Exception):
    """The text holds something the fast path leaves to bibtexparser."""


class _Splitter:
    def __init__(self, text: str) -> None:
        self.text = text
        self._line = 0  # line breaks before self._line_at
        self._line_at = 0
        # Where the last search for a block start began, and what it found (``_block_start``).
        self._found: tuple[int, re.Match[str] | None] | None = None

    def blocks(self) -> list[Block] | None:
        text = self.text
        if "\\\n" in text:
            return None  # a line break after a backslash is no mark: bibtexparser counts it not
        blocks: list[Block] = []
        macros: set[str] = set()
        position = 0
        try:
            while (start := self._block_start(position)) is not None:
                if text[start.end()] == "(":
                    raise _NeedsParser
                kind = start.group().lower()
                line = self._line_of(start.start())
                body = start.end() + 1  # after the "{"
                if kind.startswith(("@comment", "@preamble")):
                    position = self._closing(body) + 1
                    blocks.append(Other())
                elif kind.startswith("@string"):
                    equals = self._mark(_MARKS, body)
                    if equals.group() != "=":
                        raise _NeedsParser
                    key = text[body : equals.start()].strip()
                    end = self._closing(equals.end())
                    if key in macros:
                        raise _NeedsParser  # a repeated @string is a failed block
                    macros.add(key)
                    blocks.append(Macro(key, text[equals.end() : end].strip()))
                    position = end + 1
                else:
                    entry, position = self._entry(kind[1:].strip(), body, line)
                    blocks.append(entry)
        except _NeedsParser:
            return None
        return blocks

    def _block_start(self, position: int) -> re.Match[str] | None:
        """The first block start at or after ``position``. ``_line_fields`` looks for the
        one after an entry's start, which is where ``blocks`` looks next: found once."""
        if self._found is not None:
            searched_from, found = self._found
            if searched_from <= position and (found is None or found.start() >= position):
                return found  # nothing starts between where that search began and here
        found = _BLOCK_START_RE.search(self.text, position)
        self._found = (position, found)
        return found

    def _line_of(self, position: int) -> int:
        """The 0-based line of ``position``; positions are asked in increasing order."""
        self._line += self.text.count("\n", self._line_at, position)
        self._line_at = position
        return self._line

    def _mark(self, pattern: re.Pattern[str], position: int) -> re.Match[str]:
        found = pattern.search(self.text, position)
        if found is None:
            raise _NeedsParser  # the file ends inside a block
        return found

    def _inner_block_start(self, mark: re.Match[str]) -> bool:
        """Whether ``mark`` starts a block inside a block, which counts for nothing unless
        it is at the start of a line: then the block it is in fails (``_NeedsParser``)."""
        if not mark.group().startswith("@"):
            return False
        text = self.text
        before = text[text.rfind("\n", 0, mark.start()) + 1 : mark.start()]
        if not before or before.isspace():
            raise _NeedsParser
        return True

    def _closing(self, position: int) -> int:
        """Index of the "}" closing a comment, preamble or string block."""
        depth = 0
        while True:
            mark = self._mark(_BRACE_MARKS, position)
            position = mark.end()
            if self._inner_block_start(mark):
                continue
            if mark.group() == "{":
                depth += 1
            elif depth:
                depth -= 1
            else:
                return mark.start()

    def _entry(self, entry_type: str, body: int, line: int) -> tuple[Entry, int]:
        text = self.text
        first = self._mark(_MARKS, body)
        key = text[body : first.start()].strip()
        if first.group() == "}":
            return Entry(entry_type, key, [], line), first.end()
        if first.group() != ",":
            raise _NeedsParser
        position = first.end()
        line_fields = self._line_fields(position)
        if line_fields is not None:
            fields, end = line_fields
            return Entry(entry_type, key, fields, line), end
        fields = []
        plain_field = _PLAIN_FIELD.match
        while True:
            plain = plain_field(text, position)
            if plain is not None:  # most fields: one regular expression
                name, value, closing = plain.group(1, 2, 3)
                fields.append(Field(name.strip(), value.strip(), self._line_of(plain.end(1))))
                if closing == "}":
                    return Entry(entry_type, key, fields, line), plain.end()
                position = plain.end()
                continue
            mark = self._mark(_MARKS, position)
            if mark.group() == "}":
                if text[position : mark.start()].strip():
                    raise _NeedsParser  # a name without "=" before the end
                return Entry(entry_type, key, fields, line), mark.end()
            if mark.group() != "=":
                raise _NeedsParser
            end = self._value_end(mark.end())
            fields.append(
                Field(
                    text[position : mark.start()].strip(),
                    text[mark.end() : end].strip(),
                    self._line_of(mark.start()),
                )
            )
            if text[end] == "}":
                return Entry(entry_type, key, fields, line), end + 1
            position = end + 1

    def _line_fields(self, position: int) -> tuple[list[Field], int] | None:
        """The fields of an entry written a field per line (``_LINE_FIELD``), from after
        the comma that ends its key to a "}" at the start of a line, and the index after
        that "}"; None for any other entry.

        One ``re.split`` takes the entry apart at once: the text around its fields must
        be empty (the fields follow each other), each field but the last must end with a
        comma, and nothing but white space may follow the last."""
        text = self.text
        # The entry's "}" comes before the next block start, if it is one of these: the
        # search stops there (a file of entries that end otherwise is not read twice over).
        after = self._block_start(position)
        end = text.find("\n}", position, len(text) if after is None else after.start())
        if end < 0:
            return None
        parts = _LINE_FIELD.split(text[position:end])
        between, commas = parts[0:-1:4], parts[3::4]
        if any(between) or "" in commas[:-1] or parts[-1].strip():
            return None
        first = self._line_of(position) + 1  # the line of the first field's "="
        lines = range(first, first + len(commas))
        # tuple.__new__ makes each Field in C (Field's own __new__ is Python code).
        rows = zip(parts[1::4], parts[2::4], lines, strict=True)
        fields = list(map(tuple.__new__, repeat(Field), rows))
        return fields, end + 2

    def _value_end(self, position: int) -> int:
        """Index of the "," or "}" that ends a field's value starting at ``position``."""
        text = self.text
        depth = 0
        quoted = False
        while True:
            pattern = _BRACE_MARKS if depth else _QUOTE_MARKS if quoted else _MARKS
            mark = self._mark(pattern, position)
            position = mark.end()
            if self._inner_block_start(mark):
                continue
            char = mark.group()
            at = mark.start()
            if char == '"':  # never inside braces: their marks leave quotes out
                if quoted and _escaped_quote(text, at):
                    continue
                quoted = not quoted
            elif char == "{":  # never inside quotes: their marks leave braces out
                depth += 1
            elif char == "}" and depth:
                depth -= 1
            elif char in ",}":
                return at


def _escaped_quote(text: str, at: int) -> bool:
    """``{"}`` inside quotes is a quote character (bibtexparser's test, on its text with a
    line break put in front)."""
    return at >= 1 and at + 2 < len(text) and text[at - 1] == "{" and text[at + 1] == "}"
