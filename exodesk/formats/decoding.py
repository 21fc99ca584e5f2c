"""Turning the bytes of a reference file into text, whatever tool wrote it.

Order of trust: a byte-order mark (UTF-8, UTF-16, UTF-32) decides; UTF-16 without a mark is
recognised by its NUL bytes; then strict UTF-8; then Latin-1 (every byte is a Latin-1
character, so old EndNote and Windows exports still load, if with odd accents). A file
that still holds NUL characters, or is mostly control characters, is binary and refused.
Line ends become "\\n".
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from typing import TypeVar

from exodesk.formats.base import FormatError

_Decoded = TypeVar("_Decoded", str, list[str])

#: Files larger than this are refused before they are read into memory.
MAX_FILE_BYTES = 512 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _guess_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: text in Latin script has a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


#: Characters decoded and checked at a time by ``decode_pieces``.
PIECE_BYTES = 1 << 20


def decode_bytes(data: bytes, *, source_name: str = "<data>") -> str:
    """Decode a whole file; raises FormatError for an empty or binary file."""
    if not data.strip():
        raise FormatError("the file is empty", source_name=source_name)
    text = _decode(data, source_name)
    if "\x00" in text or _mostly_control(text):
        raise FormatError(
            "this is a binary file, not a text file of references", source_name=source_name
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_pieces(data: bytes, *, source_name: str = "<data>") -> list[str]:
    """``decode_bytes`` in pieces of about ``PIECE_BYTES``: joined, they are its text.

    For large files read on a worker thread: every step over the whole text (decoding,
    searching, replacing) holds the GIL from start to end, a tenth of a second and more for
    100 MB, during which the window cannot repaint; piece by piece, no step is long. Line
    readers (RIS, MEDLINE) read the pieces as they are; the others get them joined."""
    if len(data) <= PIECE_BYTES:
        return [decode_bytes(data, source_name=source_name)]
    if not _has_text(data):
        raise FormatError("the file is empty", source_name=source_name)
    pieces = _decode_pieces(data, source_name)
    if any("\x00" in piece for piece in pieces) or _mostly_control(pieces[0]):
        raise FormatError(
            "this is a binary file, not a text file of references", source_name=source_name
        )
    return _normalized_line_ends(pieces)


def _has_text(data: bytes) -> bool:
    """``bool(data.strip())`` without copying the file: a search for a byte that is not
    white space (as ``bytes.strip`` has it), a piece at a time."""
    view = memoryview(data)
    return any(_NOT_SPACE.search(view[start : start + PIECE_BYTES])
               for start in range(0, len(data), PIECE_BYTES))  # fmt: skip


_NOT_SPACE = re.compile(rb"[^ \t\n\r\x0b\x0c]")


def _decode_pieces(data: bytes, source_name: str) -> list[str]:
    """``_decode`` (same order of trust) with an incremental decoder, piece by piece."""
    return _in_trusted_encoding(
        data, source_name, lambda start, encoding: _decode_incrementally(data, start, encoding)
    )


def _decode_incrementally(data: bytes, start: int, encoding: str) -> list[str]:
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    pieces = []
    for offset in range(start, len(data), PIECE_BYTES):
        end = min(offset + PIECE_BYTES, len(data))
        pieces.append(decoder.decode(view[offset:end], final=end == len(data)))
    return [piece for piece in pieces if piece] or [""]


def _normalized_line_ends(pieces: list[str]) -> list[str]:
    """Line ends as "\\n", piece by piece; a "\\r\\n" split between two pieces stays one."""
    result = []
    carry = ""
    for piece in pieces:
        piece = carry + piece
        carry = ""
        if piece.endswith("\r"):
            piece, carry = piece[:-1], "\r"
        result.append(piece.replace("\r\n", "\n").replace("\r", "\n"))
    if carry:
        result.append("\n")
    return [piece for piece in result if piece] or [""]


def _decode(data: bytes, source_name: str) -> str:
    return _in_trusted_encoding(
        data, source_name, lambda start, encoding: data[start:].decode(encoding)
    )


def _in_trusted_encoding(
    data: bytes, source_name: str, decode: Callable[[int, str], _Decoded]
) -> _Decoded:
    """``decode(start, encoding)`` in the first encoding that fits: the byte-order mark's,
    then UTF-16 recognised by its zero bytes, then UTF-8, then Latin-1 (which always fits)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return decode(len(bom), encoding)
            except UnicodeDecodeError as error:
                raise FormatError(
                    f"the file says it is {encoding.upper()} but is not ({error.reason})",
                    source_name=source_name,
                ) from None
    guessed = _guess_utf16(data)
    if guessed is not None:
        try:
            return decode(0, guessed)
        except UnicodeDecodeError:
            pass
    try:
        return decode(0, "utf-8")
    except UnicodeDecodeError:
        return decode(0, "latin-1")


def _mostly_control(text: str) -> bool:
    sample = text[:8192]
    controls = len(_CONTROL.findall(sample))
    return controls > 0.1 * max(len(sample), 1)


#: Characters below 32 but line ends, tab and form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def read_file_text(path: str, *, source_name: str | None = None) -> str:
    """Read and decode a file, with errors that name it."""
    return decode_bytes(_read_bytes(path, source_name), source_name=_name(path, source_name))


def read_file_pieces(path: str, *, source_name: str | None = None) -> list[str]:
    """``read_file_text`` in pieces (see ``decode_pieces``): joined, they are its text."""
    return decode_pieces(_read_bytes(path, source_name), source_name=_name(path, source_name))


def _name(path: str, source_name: str | None) -> str:
    import os

    return source_name or os.path.basename(path)


def _read_bytes(path: str, source_name: str | None) -> bytes:
    import os

    name = _name(path, source_name)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise FormatError(
                f"the file is {size // (1024 * 1024)} MB; exodesk reads files up to "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MB",
                source_name=name,
            )
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        message = f"cannot read the file ({error.strerror or error})"
        raise FormatError(message, source_name=name) from None
    return data
