"""Every file format exodesk reads or writes, and how to tell them apart by content.

Format modules are imported when first used, so that starting the app or the command line
does not load every parser library.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exodesk.formats.base import BibEntry, FormatError, ReadResult, Text, joined, pieces_of


@dataclass(frozen=True, slots=True)
class FileFormat:
    name: str  # used on the command line: --format NAME
    label: str  # shown in dialogs
    extensions: tuple[str, ...]
    module: str
    reader: str | None = None  # function names in ``module``
    writer: str | None = None
    detector: str | None = "looks_like"
    #: The reader takes the text in pieces (``decoding.decode_pieces``) as well as whole.
    reads_pieces: bool = False

    def _function(self, name: str) -> Callable[..., Any]:
        module = importlib.import_module(f"exodesk.formats.{self.module}")
        return getattr(module, name)

    @property
    def can_read(self) -> bool:
        return self.reader is not None

    @property
    def can_write(self) -> bool:
        return self.writer is not None

    def read(self, text: Text, *, source_name: str) -> ReadResult:
        if self.reader is None:
            raise FormatError(f"exodesk cannot import {self.label}", source_name=source_name)
        if not self.reads_pieces:
            text = joined(text)
        return self._function(self.reader)(text, source_name=source_name)

    def write(self, entries: Sequence[BibEntry]) -> str:
        if self.writer is None:
            raise ValueError(f"exodesk cannot export {self.label}")
        return self._function(self.writer)(entries)

    def looks_like(self, text: str) -> bool:
        if self.detector is None or self.reader is None:
            return False
        return bool(self._function(self.detector)(text))


FORMATS: tuple[FileFormat, ...] = (
    # Most specific first: detection tries them in this order.
    FileFormat("endnote-xml", "EndNote XML", (".xml",), "endnote_xml",
               "read_endnote_xml", "write_endnote_xml"),
    FileFormat("csl-json", "CSL-JSON", (".json",), "csl_json", "read_csl_json",
               "write_csl_json"),
    FileFormat("medline", "PubMed MEDLINE (.nbib)", (".nbib", ".medline"), "medline",
               "read_medline", "write_medline", reads_pieces=True),
    FileFormat("ris", "RIS", (".ris",), "ris", "read_ris", "write_ris", reads_pieces=True),
    FileFormat("bibtex", "BibTeX", (".bib", ".bibtex"), "bibtex", "read_bibtex",
               "write_bibtex"),
    FileFormat("biblatex", "BibLaTeX", (".bib",), "bibtex", "read_bibtex", "write_biblatex",
               detector=None),
    FileFormat("pubmed-citedby", "PubMed \u201ccited by\u201d page", (".txt",),
               "citedby_import", "read_citedby", None),
    FileFormat("csv", "CSV (spreadsheet)", (".csv",), "csv_export", None, "write_csv",
               detector=None),
)  # fmt: skip

ALIASES = {"nbib": "medline", "bib": "bibtex", "csljson": "csl-json", "endnote": "endnote-xml"}


def get_format(name: str) -> FileFormat:
    key = ALIASES.get(name.lower(), name.lower())
    for fmt in FORMATS:
        if fmt.name == key:
            return fmt
    known = ", ".join(fmt.name for fmt in FORMATS)
    raise ValueError(f"unknown format {name!r}; known formats: {known}")


def readable_formats() -> list[FileFormat]:
    return [fmt for fmt in FORMATS if fmt.can_read and fmt.detector is not None]


def writable_formats() -> list[FileFormat]:
    return [fmt for fmt in FORMATS if fmt.can_write]


def detect_format(text: Text, *, source_name: str = "<text>") -> FileFormat:
    """The format of this text, by its content; the file name is only a tie-breaker."""
    head = _head(text)
    matches = [fmt for fmt in readable_formats() if fmt.looks_like(head)]
    if not matches:
        raise FormatError(
            "the content is not in a format exodesk reads (RIS, MEDLINE/nbib, BibTeX, "
            "BibLaTeX, CSL-JSON, EndNote XML or a PubMed \u201ccited by\u201d page)",
            source_name=source_name,
        )
    suffix = Path(source_name).suffix.lower()
    for fmt in matches:
        if suffix in fmt.extensions:
            return fmt
    return matches[0]


def _head(text: Text, size: int = 200_000) -> str:
    """``joined(text).lstrip("\ufeff \n\t")[:size]``, joining only the pieces it needs."""
    if isinstance(text, str):
        return text.lstrip("\ufeff \n\t")[:size]
    head = ""
    for piece in pieces_of(text):
        head = (head + piece).lstrip("\ufeff \n\t")
        if len(head) >= size:
            break
    return head[:size]
