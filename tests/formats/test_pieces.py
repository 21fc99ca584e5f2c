"""Reading a large file in pieces gives exactly what reading it whole gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exodesk.formats import decoding
from exodesk.formats.base import FormatError, split_lines
from exodesk.formats.registry import detect_format, get_format

DATA = Path(__file__).parent / "data"


@given(st.lists(st.sampled_from(["a", "\r", "\n", "\r\n", "\ufeff", "b c", ""]), max_size=12),
       st.lists(st.integers(min_value=0, max_value=40), max_size=4))  # fmt: skip
def test_lines_of_pieces_are_the_lines_of_the_text(parts: list[str], cuts: list[int]) -> None:
    text = "".join(parts)
    marks = sorted({min(cut, len(text)) for cut in cuts})
    pieces = [text[a:b] for a, b in zip([0, *marks], [*marks, len(text)], strict=True)]
    expected = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert list(split_lines(pieces)) == expected
    assert list(split_lines(text)) == expected


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "latin-1"])
def test_decoded_pieces_join_to_the_decoded_text(
    monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    monkeypatch.setattr(decoding, "PIECE_BYTES", 7)  # pieces cut through characters
    text = "TY  - JOUR\r\nTI  - Müller’s ŁÓDŹ study\rAB  - 日本語\r\nER  - \r\n" * 3
    # Latin-1: invalid UTF-8 at the end, so the whole file is read as Latin-1.
    latin = encoding == "latin-1"
    data = text.encode("utf-8") + b"\xff\r\n" if latin else text.encode(encoding)
    pieces = decoding.decode_pieces(data)
    assert len(pieces) > 1
    assert "".join(pieces) == decoding.decode_bytes(data)


def test_binary_and_empty_files_are_refused_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoding, "PIECE_BYTES", 16)
    with pytest.raises(FormatError, match="empty"):
        decoding.decode_pieces(b" \n" * 40)
    with pytest.raises(FormatError, match="binary"):
        decoding.decode_pieces(b"TY  - JOUR\n" * 4 + b"\x00" * 10)


@pytest.mark.parametrize(
    "name", ["ris_endnote.ris", "ris_scopus.ris", "ris_wos.ris", "medline_pubmed.nbib"]
)
def test_readers_read_pieces_as_the_whole_text(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = decoding.read_file_text(str(DATA / name))
    monkeypatch.setattr(decoding, "PIECE_BYTES", 50)
    pieces = decoding.read_file_pieces(str(DATA / name))
    assert len(pieces) > 3
    fmt = detect_format(pieces, source_name=name)
    assert fmt is detect_format(whole, source_name=name) and fmt.reads_pieces
    assert fmt.read(pieces, source_name=name) == fmt.read(whole, source_name=name)


def test_readers_of_whole_text_get_the_pieces_joined(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "@article{k1, title = {One}, year = 2020}\n" * 20
    bibtex = get_format("bibtex")
    assert not bibtex.reads_pieces
    pieces = [text[i : i + 13] for i in range(0, len(text), 13)]
    assert bibtex.read(pieces, source_name="x.bib") == bibtex.read(text, source_name="x.bib")
