"""The PubMed "cited by" page behind the common reader interface, for File > Import."""

from __future__ import annotations

from exodesk.formats.base import BibEntry, FormatError, ReadResult
from exodesk.formats.pubmed_citedby import (
    CitedByFormatError,
    looks_like_citedby_page,
    parse_citedby_page,
)

looks_like = looks_like_citedby_page


def read_citedby(text: str, *, source_name: str = "<text>") -> ReadResult:
    """The citing articles of a page as import entries.

    The page is all or nothing: a malformed page raises FormatError naming the line.
    """
    try:
        page = parse_citedby_page(text, source_name=source_name)
    except CitedByFormatError as error:
        raise FormatError(error.reason, source_name=source_name, line=error.line) from None
    return ReadResult(entries=[BibEntry(record=r, line=r.source_line) for r in page.citing])
