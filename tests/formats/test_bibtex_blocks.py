"""The BibTeX reader's own splitter must split every file it takes exactly as bibtexparser's
splitter does (the blocks, their fields, values and lines), and leave the others to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exodesk.core.records import Author, WorkRecord
from exodesk.formats.base import BibEntry
from exodesk.formats.bibtex import write_biblatex, write_bibtex
from exodesk.formats.bibtex_blocks import Entry, _Splitter, parsed_blocks, split_blocks

DATA = Path(__file__).parent / "data"
MANY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(text: str) -> bool:
    """The fast split equals bibtexparser's, or is not taken; whether it was taken."""
    fast = _Splitter(text).blocks()
    if fast is not None:
        assert fast == parsed_blocks(text)
    assert split_blocks(text) == parsed_blocks(text)
    return fast is not None


_TEXT = st.text(st.sampled_from(list("ab Z1\n\t{}\"@,=#\\%~-'`é")), max_size=25)
_RECORDS = st.builds(
    WorkRecord,
    title=_TEXT,
    abstract=_TEXT,
    container_title=_TEXT,
    volume=st.sampled_from(["", "12", "x"]),
    year=st.sampled_from([None, 1999, 2024]),
    date=st.sampled_from(["", "2024-05", "2024-05-06"]),
    authors=st.lists(
        st.builds(Author, family=_TEXT.filter(str.strip), given=_TEXT), max_size=3
    ).map(tuple),
    keywords=st.lists(_TEXT, max_size=3).map(tuple),
)
_ENTRIES = st.lists(
    st.builds(
        BibEntry,
        _RECORDS,
        key=st.sampled_from(["", "k1", "K1", "a b"]),
        tags=st.lists(_TEXT, max_size=2).map(tuple),
        notes=st.lists(_TEXT, max_size=2).map(tuple),
    ),
    max_size=4,
)


@MANY
@given(_ENTRIES, st.booleans())
def test_exports_split_alike(entries: list[BibEntry], biblatex: bool) -> None:
    text = (write_biblatex if biblatex else write_bibtex)(entries)
    assert check(text) or not entries


@MANY
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["title", "Author", "year", "note", "", " x y "]),
            st.text(st.sampled_from(list('ab {}"\\,=#@\n')), max_size=15),
            st.sampled_from(["{}", '""', "", "{{}}"]),
        ),
        max_size=5,
    ),
    st.sampled_from(["article", "Book", "string", "comment", "preamble", "", "set"]),
    st.sampled_from(["", "\n", ",", ",\n  ", "\n@misc{x}\n"]),
)
def test_hand_written_entries_split_alike(
    fields: list[tuple[str, str, str]], entry_type: str, end: str
) -> None:
    body = ",\n".join(
        f"  {name} = {delimiters[:1]}{value}{delimiters[1:]}"
        if len(delimiters) < 4
        else f"  {name} = {{{value} {{inner}} {value}}}"
        for name, value, delimiters in fields
    )
    check(f"% comment\n@{entry_type}{{key,\n{body}{end}}}\n@string{{m = {{v}}}}\n")


@MANY
@given(st.text(st.sampled_from(list('@{}(),="#%\\ \nab1')), max_size=120))
def test_punctuation_soup_splits_alike(text: str) -> None:
    check("@article{" + text)
    check(text)


@MANY
@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 5), st.text(max_size=4)), max_size=6)
)
def test_mutated_exports_split_alike(edits: list[tuple[int, int, str]]) -> None:
    text = write_bibtex(
        [
            BibEntry(WorkRecord(title="A {DNA} study: x--y", year=2001, volume="3"), key="k"),
            BibEntry(WorkRecord(title="{x} & y", abstract='Said "so", 50%', year=1999)),
        ]
    )
    for position, deleted, inserted in edits:
        position %= len(text) + 1
        text = text[:position] + inserted + text[position + deleted :]
    check(text)


@pytest.mark.parametrize("name", sorted(path.name for path in DATA.glob("*.bib")))
def test_fixture_files_split_alike(name: str) -> None:
    check((DATA / name).read_text("utf-8"))


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        ("@article{k,\n  title = {A {B} c},\n  year = 2020,\n}\n", True),
        ('@article{k, title = "q", note = {a, b = c}}', True),
        ("@string{j = {J}}\n@article{k, journal = j # { x}}", True),
        ("@article(k, title = {x})", False),  # parentheses: bibtexparser's
        ("@article{k, title = {x}\n@book{j, title = {y}}", False),  # a block start inside
        ("@string{a = {1}}\n@string{a = {2}}", False),  # a repeated macro fails
        ("@article{k, title = {x\\\n}}", False),  # a line break after a backslash
        ("@article{k, title = {x}", False),  # unterminated
    ],
)
def test_what_the_fast_path_takes(text: str, taken: bool) -> None:
    assert check(text) is taken


def test_lines_are_those_of_the_equals_sign() -> None:
    text = "\n\n@Article{k,\n  title\n  = {x},\n  year = 2020}\n"
    (entry,) = split_blocks(text)
    assert isinstance(entry, Entry)
    assert (entry.entry_type, entry.key, entry.start_line) == ("article", "k", 2)
    assert [(f.key, f.value, f.start_line) for f in entry.fields] == [
        ("title", "{x}", 4),
        ("year", "2020", 5),
    ]


def _line_fields(text: str) -> object:
    """What ``_Splitter._line_fields`` makes of the first entry of ``text``."""
    return _Splitter(text)._line_fields(text.index(",") + 1)


def test_entries_written_a_field_a_line_are_split_at_once() -> None:
    entries = [
        BibEntry(WorkRecord(title="A DNA study: x--y", abstract="One line.", year=2001), key="k"),
        BibEntry(WorkRecord(title="Journal of Hematology & Oncology", year=1999), key="j"),
    ]
    for text in (write_bibtex(entries), write_biblatex(entries)):
        assert _line_fields(text) is not None
        assert check(text)


@pytest.mark.parametrize(
    "text",
    [
        "@article{k,\n  note = {a\n\nb},\n}\n",  # a value over several lines
        "@article{k,\n  title = {x}, year = 2020,\n}\n",  # two fields on a line
        "@article{k,\n  title = {x}\n  year = 2020,\n}\n",  # a comma missing
        "@article{k,\n  note = {a {b {c}}},\n}\n",  # braces three deep
        "@article{k,\n  title = {x},\n  year = 2020}\n",  # "}" not on a line of its own
        "@article{k,\n  title = {x},\n  year = 2020,\n  junk\n}\n",  # a name without "="
        "@article{k,\n  title = {x} # {y},\n}\n",  # concatenation
    ],
)
def test_other_entries_are_split_field_by_field(text: str) -> None:
    assert _line_fields(text) is None
    check(text)
