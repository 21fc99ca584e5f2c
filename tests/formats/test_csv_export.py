"""CSV export: columns, quoting, Excel's BOM, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exodesk.core.records import Author, WorkRecord
from exodesk.formats.base import BibEntry
from exodesk.formats.csv_export import COLUMNS, FORMULA_STARTS, neutralise, write_csv

REVIEW = BibEntry(
    WorkRecord(
        title="The Role of Exosomes in Human Carcinogenesis and Cancer Therapy",
        type="article-journal",
        abstract='Exosomes are small vesicles.\nThey carry cargo, "quoted" too.',
        container_title="Cells",
        container_abbrev="Cells",
        year=2023,
        date="2023-01-18",
        volume="12",
        issue="3",
        article_number="356",
        publisher="MDPI",
        language="eng",
        doi="10.3390/cells12030356",
        pmid="36766698",
        authors=(
            Author(family="Stefańska", given="Katarzyna"),
            Author(family="Dzięgiel", given="Piotr"),
            Author(name="The Exosome Consortium"),
        ),
        keywords=("cancer", "exosomes"),
    ),
    key="Stefanska2023",
    tags=("to read", "review"),
    notes=("First note, with a comma.", "Second note\nover two lines."),
)


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def row_of(entry: BibEntry) -> dict[str, str]:
    header, row = read_back(write_csv([entry]))
    return dict(zip(header, row, strict=True))


def test_header_and_one_row_per_entry() -> None:
    rows = read_back(write_csv([REVIEW, REVIEW]))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 3


def test_every_column_of_a_full_entry() -> None:
    row = row_of(REVIEW)
    assert row == {
        "key": "Stefanska2023",
        "type": "article-journal",
        "title": "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy",
        "authors": "Stefańska, Katarzyna; Dzięgiel, Piotr; The Exosome Consortium",
        "journal": "Cells",
        "journal_abbrev": "Cells",
        "year": "2023",
        "date": "2023-01-18",
        "volume": "12",
        "issue": "3",
        "pages": "",
        "article_number": "356",
        "publisher": "MDPI",
        "language": "eng",
        "doi": "10.3390/cells12030356",
        "pmid": "36766698",
        "pmcid": "",
        "keywords": "cancer; exosomes",
        "tags": "to read; review",
        "notes": "First note, with a comma.\n\nSecond note\nover two lines.",
        "abstract": 'Exosomes are small vesicles.\nThey carry cargo, "quoted" too.',
    }


def test_empty_entry_gives_empty_cells() -> None:
    row = row_of(BibEntry(WorkRecord()))
    assert row["year"] == ""
    assert row["authors"] == ""
    assert row["type"] == "article-journal"


def test_no_entries_gives_the_header_only() -> None:
    assert write_csv([]) == ",".join(COLUMNS) + "\r\n"


def test_rows_end_in_crlf_and_quoted_newlines_survive() -> None:
    text = write_csv([REVIEW])
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 2  # header and row; line breaks inside cells stay "\n"
    assert '"First note, with a comma.\n\nSecond note\nover two lines."' in text


def test_bom_only_when_asked() -> None:
    assert write_csv([REVIEW], bom=True).startswith("\ufeffkey,type,")
    assert write_csv([REVIEW]).startswith("key,type,")
    assert write_csv([REVIEW], bom=True).encode("utf-8").startswith(b"\xef\xbb\xbfkey")


def test_person_with_one_name_part() -> None:
    entry = BibEntry(WorkRecord(authors=(Author(family="Plato"), Author(given="Madonna"))))
    assert row_of(entry)["authors"] == "Plato; Madonna"


@pytest.mark.parametrize(
    "title",
    ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_formula_titles_are_prefixed_with_a_quote(title: str) -> None:
    row = row_of(BibEntry(WorkRecord(title=title)))
    assert row["title"] == "'" + title


def test_formula_characters_are_checked_in_every_column() -> None:
    entry = BibEntry(
        WorkRecord(
            title="Fine",
            volume="-5",
            pages="=1+2",
            authors=(Author(family="@evil", given="x"),),
            keywords=("+kw",),
        ),
        key="=key",
        tags=("-tag",),
        notes=("@note",),
    )
    row = row_of(entry)
    assert row["title"] == "Fine"
    assert row["volume"] == "'-5"  # OWASP: every such cell, even a plain negative number
    assert row["pages"] == "'=1+2"
    assert row["authors"] == "'@evil, x"
    assert row["keywords"] == "'+kw"
    assert row["key"] == "'=key"
    assert row["tags"] == "'-tag"
    assert row["notes"] == "'@note"


def test_formula_characters_inside_a_value_are_left_alone() -> None:
    row = row_of(BibEntry(WorkRecord(title="Cost = benefit - risk", doi="10.1000/a-b=c")))
    assert row["title"] == "Cost = benefit - risk"
    assert row["doi"] == "10.1000/a-b=c"


def test_nul_characters_are_dropped() -> None:
    assert row_of(BibEntry(WorkRecord(title="a\x00b")))["title"] == "ab"


text_values = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)


@st.composite
def entries(draw: st.DrawFn) -> BibEntry:
    record = WorkRecord(
        title=draw(text_values),
        type=draw(text_values),
        abstract=draw(text_values),
        container_title=draw(text_values),
        volume=draw(text_values),
        pages=draw(text_values),
        doi=draw(text_values),
        authors=tuple(
            Author(family=draw(text_values), given=draw(text_values))
            for _ in range(draw(st.integers(0, 2)))
        ),
        keywords=tuple(draw(st.lists(text_values, max_size=2))),
    )
    return BibEntry(
        record,
        key=draw(text_values),
        tags=tuple(draw(st.lists(text_values, max_size=2))),
        notes=tuple(draw(st.lists(text_values, max_size=2))),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(entries(), min_size=1, max_size=3))
def test_no_cell_ever_starts_with_a_formula_character(batch: list[BibEntry]) -> None:
    rows = read_back(write_csv(batch))
    assert len(rows) == len(batch) + 1
    for row in rows:
        assert len(row) == len(COLUMNS)
        for cell in row:
            assert not cell or cell[0] not in FORMULA_STARTS, cell
    # ...and what was written is what comes back, quote prefix aside.
    for entry, row in zip(batch, rows[1:], strict=True):
        assert row[COLUMNS.index("title")] == neutralise(entry.record.title)
        assert row[COLUMNS.index("notes")] == neutralise("\n\n".join(entry.notes))
