"""Turning the bytes of a reference file into text, whatever tool wrote it.

Order of trust: a byte-order mark (UTF-8, UTF-16, UTF-32) decides; UTF-16 without a mark is
recognised by its NUL bytes; then strict UTF-8; then Latin-1 (every byte is a Latin-1
character, so old EndNote and Windows exports still load, if with odd accents). A file
that still holds NUL characters, or is mostly control characters, is binary and refused.
Line ends become "\\n".
"""

from __future__ import annotations

import codecs

from exodesk.formats.base import FormatError

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


def _decode(data: bytes, source_name: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                raise FormatError(
                    f"the file says it is {encoding.upper()} but is not ({error.reason})",
                    source_name=source_name,
                ) from None
    guessed = _guess_utf16(data)
    if guessed is not None:
        try:
            return data.decode(guessed)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _mostly_control(text: str) -> bool:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls > 0.1 * max(len(sample), 1)


def read_file_text(path: str, *, source_name: str | None = None) -> str:
    """Read and decode a file, with errors that name it."""
    import os

    name = source_name or os.path.basename(path)
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
    return decode_bytes(data, source_name=name)
