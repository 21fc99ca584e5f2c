"""Bytes of reference files to text: BOMs, UTF-16, Latin-1, line ends, binary refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exodesk.formats.base import FormatError
from exodesk.formats.decoding import decode_bytes, read_file_text

TEXT = "TY  - JOUR\nAU  - Stefańska, Katarzyna\nTI  - Exosomes — a review\nER  - \n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # with a BOM
        TEXT.encode("utf-16-le"),  # without
        TEXT.encode("utf-16-be"),
        TEXT.encode("utf-32"),
        TEXT.replace("\n", "\r\n").encode("utf-8"),
        TEXT.replace("\n", "\r").encode("utf-8"),
    ],
)
def test_encodings_and_line_ends_give_the_same_text(data: bytes) -> None:
    assert decode_bytes(data) == TEXT


def test_latin1_is_the_fallback() -> None:
    data = "AU  - Müller, Jörg\n".encode("latin-1")
    assert decode_bytes(data) == "AU  - Müller, Jörg\n"


@pytest.mark.parametrize("data", [b"", b"   \n\t\n"])
def test_empty_files_are_refused(data: bytes) -> None:
    with pytest.raises(FormatError, match="empty"):
        decode_bytes(data, source_name="refs.ris")


def test_binary_files_are_refused_by_name() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(FormatError, match=r"picture.png: this is a binary file"):
        decode_bytes(png, source_name="picture.png")


def test_a_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="cannot read the file"):
        read_file_text(str(tmp_path / "absent.ris"))


@given(st.binary(max_size=2000))
def test_any_bytes_decode_or_raise_format_error(data: bytes) -> None:
    try:
        text = decode_bytes(data)
    except FormatError:
        return
    assert "\r" not in text and "\x00" not in text


@given(st.binary(max_size=64))
def test_blank_and_control_tests_agree_with_their_definitions(data: bytes) -> None:
    from exodesk.formats.decoding import _has_text, _mostly_control

    assert _has_text(data) == bool(data.strip())
    text = data.decode("latin-1")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    assert _mostly_control(text) == (controls > 0.1 * max(len(text), 1))
