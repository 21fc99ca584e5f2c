"""Shortcuts in the readers and writers (tests that skip work, written-out layouts) give
exactly what the plain code they replace gave; the plain code is kept here."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exodesk.core.records import Author, WorkRecord
from exodesk.formats import bibtex, ris
from exodesk.formats.base import BibEntry
from exodesk.formats.json_text import dumps_indented

MANY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_SPECIALS = st.text(st.sampled_from(list("\\{}&%$#_~^`'!?@-\n \tabCD\u00e9\u03b2\u00a0")))


# -- JSON ----------------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.text(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
_JSON = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=5), children, max_size=4),
    ),
    max_leaves=30,
)


@MANY
@given(_JSON)
def test_indented_json_is_what_json_dumps_writes(value: object) -> None:
    assert dumps_indented(value) == json.dumps(value, ensure_ascii=False, indent=2)


@pytest.mark.parametrize(
    "value",
    [[], {}, [[]], {"a": {}}, {1: "x", "b": [1.5, math.inf]}, {"k": (1, "t")}, "\u2028\x00"],
)
def test_indented_json_edge_cases(value: object) -> None:
    assert dumps_indented(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_indented_json_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError):
        dumps_indented({"a": {1, 2}})


# -- BibTeX writer -------------------------------------------------------------------------


@MANY
@given(_SPECIALS)
def test_needs_escape_is_where_specials_match(text: str) -> None:
    assert bibtex._needs_escape(text) == bool(bibtex._SPECIALS.search(text))


def _title_latex_word_by_word(title: str) -> str:
    words = []
    for word in title.split(" "):
        latex = bibtex._escape(word)
        if any(char.isupper() for char in word[1:]):
            latex = f"{{{{{latex}}}}}" if latex.startswith("\\") else f"{{{latex}}}"
        words.append(latex)
    return " ".join(words)


@MANY
@given(st.one_of(_SPECIALS, st.text()))
def test_title_latex_is_the_word_by_word_latex(title: str) -> None:
    assert bibtex._title_latex(title) == _title_latex_word_by_word(title)


@MANY
@given(st.text())
def test_capital_inside_and_word_and(word: str) -> None:
    assert bibtex._capital_inside(word) == any(char.isupper() for char in word[1:])
    plain = any(part.lower() == "and" for part in word.split())
    assert bibtex._has_word_and(word) == plain


def _write_by_lines(entries: Sequence[BibEntry], dialect: bibtex._Dialect) -> str:
    keys = bibtex.CitationKeyGenerator().fill_keys(
        [entry.key for entry in entries], [entry.record for entry in entries]
    )
    chunks = []
    for entry, key in zip(entries, keys, strict=True):
        lines = [f"@{dialect.entry_type(entry.record)}{{{key},"]
        lines += [f"  {name} = {value}," for name, value in bibtex._entry_fields(entry, dialect)]
        chunks.append("\n".join([*lines, "}\n"]))
    return "\n".join(chunks)


_TEXT = st.text(st.sampled_from(list("ab Z\n\t{}\\\"'`-~&,;@é\x01")), max_size=12)
_ENTRIES = st.lists(
    st.builds(
        BibEntry,
        st.builds(
            WorkRecord,
            title=_TEXT,
            abstract=_TEXT,
            type=st.sampled_from(["article-journal", "book", "chapter", "thesis", "x"]),
            volume=_TEXT,
            pages=st.sampled_from(["", "1-2", "e3", "-"]),
            article_number=st.sampled_from(["", "e3"]),
            date=st.sampled_from(["", "2020", "2020-02", "2020-02-03"]),
            year=st.sampled_from([None, 2020]),
            doi=st.sampled_from(["", "10.1/x", "10.1/{x}"]),
            pmid=st.sampled_from(["", "123"]),
            authors=st.lists(
                st.one_of(
                    st.builds(Author, family=_TEXT, given=_TEXT),
                    st.builds(Author, name=_TEXT),
                ),
                max_size=3,
            ).map(tuple),
            keywords=st.lists(_TEXT, max_size=3).map(tuple),
        ),
        key=st.sampled_from(["", "k", "K"]),
        tags=st.lists(_TEXT, max_size=2).map(tuple),
        notes=st.lists(_TEXT, max_size=2).map(tuple),
    ),
    max_size=4,
)


@MANY
@given(_ENTRIES, st.booleans())
def test_bibtex_entries_are_written_as_line_by_line(
    entries: list[BibEntry], biblatex: bool
) -> None:
    dialect = bibtex._Dialect(biblatex=biblatex)
    assert bibtex._write(entries, dialect) == _write_by_lines(entries, dialect)


# -- BibTeX reader -------------------------------------------------------------------------


@MANY
@given(_SPECIALS)
def test_values_without_latex_are_their_own_text(value: str) -> None:
    if not bibtex._LATEX_CHARS.search(value):
        # What _simple_latex_to_text did for them before the shortcut.
        assert "\\" not in value and "$" not in value
        assert bibtex._SIMPLE_LATEX.sub(bibtex._simple_replacement, value) == value
    assert bibtex._simple_latex_to_text(value) == _simple_latex_without_shortcut(value)


def _simple_latex_without_shortcut(value: str) -> str | None:
    if "\\" in bibtex._SIMPLE_LATEX.sub("", value) or "$" in value.replace("\\$", ""):
        return None
    return bibtex._SIMPLE_LATEX.sub(bibtex._simple_replacement, value)


@MANY
@given(st.text(st.sampled_from(list(" \t\n\r\x0b\x0cab\u00a0\x01"))))
def test_one_spaced_is_the_substitution(text: str) -> None:
    assert bibtex._one_spaced(text) == bibtex._ASCII_SPACE.sub(" ", text)


# -- RIS writer ----------------------------------------------------------------------------


def _format_entry_plainly(entry: BibEntry) -> str:
    lines: list[str] = []
    for tag, value in ris._tagged_values(entry):
        if tag in ("AB", "N1"):
            lines.extend(ris._multiline(tag, ris._block(value)))
        elif ris._one_line(value):
            lines.append(f"{tag}  - {ris._one_line(value)}")
    return "\n".join(["TY  - " + ris.TYPES.get(entry.record.type, "GEN"), *lines, "ER  - ", ""])


@MANY
@given(_ENTRIES)
def test_ris_entries_are_written_as_before(entries: list[BibEntry]) -> None:
    assert ris.write_ris(entries) == "\n".join(_format_entry_plainly(e) for e in entries)
