"""CSV export: one row per work, for spreadsheets.

The file is written with the standard library's ``csv`` module (``QUOTE_MINIMAL``), so values
holding commas, quotes or line breaks (notes, abstracts) are quoted and survive a round trip.
Rows end in ``\\r\\n``, as RFC 4180 and Excel expect; callers writing the text to a file must
open it with ``newline=""`` so that Windows does not turn that into ``\\r\\r\\n``. With
``bom=True`` the text starts with a UTF-8 byte order mark, without which Excel reads UTF-8 as
the local code page and mangles names such as "Stefańska".

Formula injection: a spreadsheet runs any cell that starts with ``=``, ``+``, ``-`` or ``@``,
so a title such as ``=HYPERLINK("http://evil","x")`` read from a downloaded file would become
a live formula. Following OWASP's advice (whose list adds tab and carriage return), every
cell that starts with one of those six characters gets a ``'`` in front, which spreadsheets
take as "this is text". That includes harmless values such as "-5": no column here is a
number anyone sums, and telling safe from unsafe values apart is the guessing OWASP warns
against. NUL characters are dropped: csv readers and spreadsheets choke on them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from exodesk.core.records import Author
from exodesk.formats.base import BibEntry

#: The header row, in column order.
COLUMNS: tuple[str, ...] = (
    "key",
    "type",
    "title",
    "authors",
    "journal",
    "journal_abbrev",
    "year",
    "date",
    "volume",
    "issue",
    "pages",
    "article_number",
    "publisher",
    "language",
    "doi",
    "pmid",
    "pmcid",
    "keywords",
    "tags",
    "notes",
    "abstract",
)

#: First characters that make a spreadsheet treat a cell as a formula (OWASP's list).
FORMULA_STARTS: frozenset[str] = frozenset("=+-@\t\r")

_BOM = "\ufeff"


def write_csv(entries: Sequence[BibEntry], *, bom: bool = False) -> str:
    """The entries as CSV text: a header row, then one row per entry."""
    buffer = io.StringIO()
    if bom:
        buffer.write(_BOM)
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow([neutralise(value) for value in _row(entry)])
    return buffer.getvalue()


def neutralise(value: str) -> str:
    """The value made safe to open in a spreadsheet (see the module docstring)."""
    # NUL has no place in bibliographic text, and csv readers (and spreadsheets) choke on it.
    value = value.replace("\x00", "")
    if value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value


def _row(entry: BibEntry) -> list[str]:
    record = entry.record
    return [
        entry.key,
        record.type,
        record.title,
        "; ".join(_author_name(author) for author in record.authors),
        record.container_title,
        record.container_abbrev,
        "" if record.year is None else str(record.year),
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
        "; ".join(record.keywords),
        "; ".join(entry.tags),
        "\n\n".join(entry.notes),
        record.abstract,
    ]


def _author_name(author: Author) -> str:
    """``Family, Given`` for a person, the name for a collective; whichever part is known."""
    if author.is_collective:
        return author.name
    if author.family and author.given:
        return f"{author.family}, {author.given}"
    return author.family or author.given or author.name
