"""Tests for exodesk.formats.pubmed_citedby: the PubMed "cited by" page reader."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exodesk.core.records import Author, WorkRecord
from exodesk.formats.pubmed_citedby import (
    CitedByFormatError,
    CitedByPage,
    looks_like_citedby_page,
    parse_citedby_page,
)

SEED_PATH = Path(__file__).resolve().parents[2] / "resources" / "seed" / "citedby-36766698.txt"
SEED = SEED_PATH.read_text(encoding="utf-8")
SEED_LINES = SEED.split("\n")

REVIEW_TITLE = (
    "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy-Recent Findings from "
    "Molecular and Clinical Research"
)
ABSTRACT_FIRST_SENTENCE = (
    "Exosomes are biological nanoscale spherical lipid bilayer vesicles, 40-160 nm in "
    "diameter, produced by most mammalian cells in both physiological and pathological "
    "conditions."
)

# (pmid, pmcid, doi, title, journal, year, volume, issue, article number, authors, first)
EXPECTED = [
    (
        "39886670",
        "PMC11779718",
        "10.3389/fonc.2024.1522491",
        "Exosomal lncRNAs as diagnostic and therapeutic targets in multiple myeloma",
        "Front Oncol",
        2025,
        "14",
        "",
        "1522491",
        6,
        Author(family="Yan", given="H"),
    ),
    (
        "39857679",
        "PMC11759861",
        "10.3390/biomedicines13010095",
        "",
        "Biomedicines",
        2025,
        "13",
        "1",
        "",
        6,
        Author(family="Kharrat", given="F"),
    ),
    (
        "39849585",
        "PMC11756228",
        "10.1186/s13287-024-04123-2",
        "Mesenchymal stem cells derived exosomes: a new era in cardiac regeneration",
        "Stem Cell Res Ther",
        2025,
        "16",
        "1",
        "16",
        2,
        Author(family="Rayat Pisheh", given="H"),
    ),
    (
        "39817143",
        "PMC11664615",
        "10.4251/wjgo.v17.i1.100713",
        "Exosomes as promising frontier approaches in future cancer therapy",
        "World J Gastrointest Oncol",
        2025,
        "17",
        "1",
        "100713",
        6,
        Author(family="Chew", given="F"),
    ),
    (
        "39598465",
        "PMC11597078",
        "10.3390/ph17111556",
        "",
        "Pharmaceuticals (Basel)",
        2024,
        "17",
        "11",
        "",
        4,
        Author(family="Bogdanovic", given="B"),
    ),
]

HEADER = (
    f"{REVIEW_TITLE}\nOverview\nBiophysics\nAuthors\nAffiliations\nAn abstract. Two sentences.\n"
)


def parse(text: str) -> CitedByPage:
    return parse_citedby_page(text, source_name="seed.txt")


def one_entry(entry: str) -> WorkRecord:
    page = parse(HEADER + entry)
    assert len(page.citing) == 1
    return page.citing[0]


def without_lines(records: tuple[WorkRecord, ...]) -> list[WorkRecord]:
    return [replace(record, source_line=None) for record in records]


def error_of(text: str) -> CitedByFormatError:
    with pytest.raises(CitedByFormatError) as info:
        parse(text)
    return info.value


def seed_with(line_number: int, new_lines: list[str]) -> str:
    """The seed with its 1-based line ``line_number`` replaced by ``new_lines``."""
    lines = list(SEED_LINES)
    lines[line_number - 1 : line_number] = new_lines
    return "\n".join(lines)


# --- the seed page ----------------------------------------------------------------------


def test_seed_review() -> None:
    review = parse(SEED).review
    assert review.title == REVIEW_TITLE
    assert review.subjects == ("Biophysics", "Cell Biology", "Molecular Biology")
    assert review.abstract.startswith(ABSTRACT_FIRST_SENTENCE + " Exosomes are formed")
    assert review.abstract.endswith("their clinical application in cancer therapies.")
    assert "\n" not in review.abstract
    assert review.authors == ()
    assert review.source_line == 1


def test_seed_has_five_entries_with_their_first_lines() -> None:
    page = parse(SEED)
    assert [record.source_line for record in page.citing] == [9, 12, 14, 17, 20]
    assert page.affiliations == ()


@pytest.mark.parametrize(("index", "expected"), list(enumerate(EXPECTED)))
def test_seed_entry(index: int, expected: tuple[object, ...]) -> None:
    record = parse(SEED).citing[index]
    pmid, pmcid, doi, title, journal, year, volume, issue, number, count, first = expected
    assert (record.pmid, record.pmcid, record.doi) == (pmid, pmcid, doi)
    assert record.title == title
    assert record.needs_metadata is (title == "")
    assert (record.container_abbrev, record.container_title) == (journal, "")
    assert (record.year, record.date, record.volume, record.issue) == (
        year,
        str(year),
        volume,
        issue,
    )
    assert (record.pages, record.article_number) == ("", number)
    assert len(record.authors) == count
    assert record.authors[0] == first
    assert record.abstract == ""


def test_seed_author_lists() -> None:
    citing = parse(SEED).citing
    assert [a.display_name() for a in citing[3].authors] == [
        "Chew F",
        "Tsai C",
        "Chang K",
        "Chang Y",
        "Chou R",
        "Liu Y",
    ]
    assert citing[4].authors[-1] == Author(family="Montemagno", given="C")


def test_crlf_and_bom_give_the_same_page() -> None:
    assert parse("\ufeff" + SEED.replace("\n", "\r\n")) == parse(SEED)


def test_extra_blank_lines_change_only_line_numbers() -> None:
    spaced = "\n\n" + "\n  \n\t\n".join(SEED_LINES) + "\n\n"
    page = parse(spaced)
    assert without_lines(page.citing) == without_lines(parse(SEED).citing)
    assert page.review.source_line == 3
    assert page.citing[0].source_line == 3 + 8 * 3  # seed line 9, three lines per seed line


# --- hand-made variants -------------------------------------------------------------------


def test_entry_without_pmc() -> None:
    record = one_entry("Smith J Nature. 2020; 5(2):10-20.\nPMID: 123 DOI: 10.1000/xyz.\n")
    assert (record.pmid, record.pmcid, record.doi) == ("123", "", "10.1000/xyz")
    assert (record.pages, record.article_number) == ("10-20", "")


def test_entry_without_doi() -> None:
    record = one_entry("Smith J Nature. 2020; 5.\nPMID: 123 PMC: 456.\n")
    assert (record.pmid, record.pmcid, record.doi) == ("123", "PMC456", "")


def test_entry_with_pmid_only_and_no_locator() -> None:
    record = one_entry("Smith J Nature. 2020;\nPMID: 123\n")
    assert (record.volume, record.issue, record.pages, record.article_number) == ("", "", "", "")
    assert record.pmid == "123"


def test_citation_with_volume_only() -> None:
    record = one_entry("Smith J Nature. 2020; 13.\nPMID: 1\n")
    assert (record.volume, record.issue, record.pages, record.article_number) == ("13", "", "", "")


def test_citation_with_date_and_epub_note() -> None:
    record = one_entry("Smith J Cells. 2023 Jan 18; 12(3):356. Epub 2022 Dec 1.\nPMID: 1\n")
    assert (record.year, record.date) == (2023, "2023-01-18")
    assert (record.volume, record.issue, record.article_number) == ("12", "3", "356")


def test_doi_keeps_inner_periods_but_not_the_final_one() -> None:
    record = one_entry("Smith J Nature. 2020; 1.\nPMID: 1 PMC: PMC2. DOI: 10.1000/a.b.c.\n")
    assert (record.pmcid, record.doi) == ("PMC2", "10.1000/a.b.c")


def test_multi_letter_initials_suffix_and_collective() -> None:
    record = one_entry(
        "Mozdziak PE, COVID Study Group, Smith J Jr J Clin Invest. 2020; 1.\nPMID: 1\n"
    )
    assert record.authors == (
        Author(family="Mozdziak", given="P E"),
        Author(name="COVID Study Group"),
        Author(family="Smith", given="J"),
    )
    assert record.authors[0].display_name() == "Mozdziak PE"
    assert record.container_abbrev == "J Clin Invest"


def test_no_authors_listed() -> None:
    record = one_entry("[No authors listed] Nature. 2020; 1.\nPMID: 1\n")
    assert (record.authors, record.container_abbrev) == ((), "Nature")


def test_authors_block_with_content_and_numbered_affiliations() -> None:
    text = (
        "Title\nOverview\nCell Biology\nAuthors\nStefańska K, Józkowiak M\nMozdziak PE\n"
        "Affiliations\n1 Department of Histology, Poznan, Poland\n2. Cellivia 3 S.A., Poznan\n"
        "First paragraph. Still the abstract.\nSecond paragraph, also abstract.\n"
        "Keywords: cancer; exosomes\n"
        "Smith J Nature. 2020; 1.\nPMID: 1\n"
    )
    page = parse(text)
    assert page.review.subjects == ("Cell Biology",)
    assert [a.display_name() for a in page.review.authors] == [
        "Stefańska K",
        "Józkowiak M",
        "Mozdziak PE",
    ]
    assert page.affiliations == (
        "Department of Histology, Poznan, Poland",
        "Cellivia 3 S.A., Poznan",
    )
    assert page.review.abstract == (
        "First paragraph. Still the abstract.\nSecond paragraph, also abstract."
    )
    assert page.review.keywords == ("cancer", "exosomes")
    assert page.citing[0].title == ""


def test_authors_block_without_affiliations_heading() -> None:
    page = parse("Title\nAuthors\nSmith J, Jones K\nThe abstract. It has two sentences.\n")
    assert len(page.review.authors) == 2
    assert page.review.abstract == "The abstract. It has two sentences."


def test_subjects_without_headings_are_short_lines() -> None:
    page = parse("Title\nOverview\nBiophysics\nCell Biology\nAbstract text, one sentence.\n")
    assert page.review.subjects == ("Biophysics", "Cell Biology")
    assert page.review.abstract == "Abstract text, one sentence."
    assert page.citing == ()


def test_first_entry_untitled_after_multi_sentence_paragraphs() -> None:
    page = parse(HEADER + "Another paragraph. With sentences.\nSmith J Nature. 2020; 1.\nPMID: 1\n")
    assert page.review.abstract == "An abstract. Two sentences.\nAnother paragraph. With sentences."
    assert page.citing[0].title == ""


def test_first_entry_titled_right_after_headings() -> None:
    page = parse("Title\nAuthors\nAffiliations\nA title?\nSmith J Nature. 2020; 1.\nPMID: 1\n")
    assert page.review.abstract == ""
    assert page.citing[0].title == "A title?"
    assert page.citing[0].source_line == 4


def test_structured_abstract_section_is_not_a_title() -> None:
    page = parse(HEADER + "Conclusions: exosomes matter.\nSmith J Nature. 2020; 1.\nPMID: 1\n")
    assert page.review.abstract.endswith("\nConclusions: exosomes matter.")
    assert page.citing[0].title == ""


def test_page_without_entries() -> None:
    page = parse(HEADER)
    assert page.citing == ()
    assert page.review.abstract == "An abstract. Two sentences."


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\ufeff", "  \n\r\n\t\n"])
def test_empty_text(text: str) -> None:
    error = error_of(text)
    assert (error.line, error.reason) == (1, "empty text")
    assert str(error) == "seed.txt, line 1: empty text"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("PMID: 1\n", 1),
        ("\n\nAuthors\nAffiliations\n", 3),
        ("Smith J Nature. 2020; 1.\nPMID: 1\n", 1),
    ],
)
def test_no_title(text: str, line: int) -> None:
    error = error_of(text)
    assert error.line == line
    assert error.reason.startswith("no title")


def test_identifier_line_without_citation_line() -> None:
    error = error_of(seed_with(12, []))  # drop the untitled entry's citation line
    assert str(error) == "seed.txt, line 12: identifier line without a citation line"
    assert (error.source_name, error.line) == ("seed.txt", 12)


def test_identifier_line_right_after_the_title() -> None:
    assert error_of("Title\n\nPMID: 1\n").line == 3


def test_identifier_line_after_a_heading() -> None:
    assert error_of("Title\nAuthors\nAffiliations\nPMID: 1\n").line == 4


def test_invalid_pmid_is_named() -> None:
    error = error_of(SEED.replace("PMID: 39886670", "PMID: 3988667O"))
    assert error.line == 11
    assert "PMID" in error.reason and "3988667O" in error.reason


def test_invalid_doi_is_named() -> None:
    error = error_of(SEED.replace("DOI: 10.3389/fonc", "DOI: 11.3389/fonc"))
    assert error.line == 11
    assert "DOI" in error.reason and "11.3389/fonc.2024.1522491" in error.reason


def test_unreadable_identifier_line() -> None:
    error = error_of(seed_with(13, ["PMID: 39857679 Free PMC article."]))
    assert error.line == 13
    assert error.reason.startswith("cannot read identifier line")


def test_citation_line_that_does_not_match() -> None:
    error = error_of(seed_with(10, ["Yan H Front Oncol 2025 14"]))
    assert error.line == 10
    assert error.reason.startswith("not a citation line")


def test_unreadable_locator() -> None:
    assert error_of(seed_with(12, ["Kharrat F Biomedicines. 2025; 13(1)(2)."])).line == 12


@pytest.mark.parametrize(
    "locator", ["1" + " " * 5000 + "((", "(" + " " * 5000 + ")x", "a " * 5000 + "(("]
)
def test_long_bad_locator_fails_fast(locator: str) -> None:
    # Regression: a regex for the locator backtracked cubically on runs of spaces.
    error = error_of(f"Title\nSmith J Nature. 2020; {locator}\nPMID: 1\n")
    assert error.line == 2


def test_last_author_inseparable_from_journal() -> None:
    error = error_of(HEADER + "Smith J, Study Group Nature. 2020; 1.\nPMID: 1\n")
    assert error.line == 7
    assert error.reason.startswith("cannot tell the authors from the journal")


def test_citation_without_identifier_after_last_entry() -> None:
    error = error_of(SEED + "\nSmith J Nature. 2020; 1.\n")
    assert (error.line, error.reason) == (
        22,
        "citation line without an identifier line (PMID: ...)",
    )


def test_lost_identifier_line_before_first_entry() -> None:
    # Without line 11 the first entry's citation would otherwise end up in the abstract.
    assert error_of(seed_with(11, [])).line == 10


def test_text_after_last_entry() -> None:
    assert error_of(SEED + "\nSimilar articles here\n").line == 22


def test_extra_line_between_entries() -> None:
    error = error_of(seed_with(14, ["A stray line.", SEED_LINES[13]]))
    assert error.line == 14
    assert error.reason.startswith("unexpected line")


def test_error_pickles() -> None:
    error = error_of("")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.source_name, copy.line, copy.reason) == (
        str(error),
        error.source_name,
        error.line,
        error.reason,
    )
    assert isinstance(copy, ValueError)


# --- format detection ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SEED, True),
        ("\ufeff" + SEED.replace("\n", "\r\n"), True),
        ("Title\nSmith J Nature. 2020; 1.\nPMID: 1 DOI: 10.1/x.\n", True),
        ("Title\nAuthors\nAffiliations\nAbstract.\n", True),
        ("", False),
        ("TY  - JOUR\nTI  - Exosomes\nER  - \n", False),
        ("PMID- 36766698\nTI  - The Role of Exosomes\n", False),
        ("@article{x, title={Exosomes}}\n", False),
        ("PMID: 1\nSmith J Nature. 2020; 1.\n", False),
    ],
)
def test_looks_like_citedby_page(text: str, expected: bool) -> None:
    assert looks_like_citedby_page(text) is expected


# --- fuzzing: CitedByFormatError is the only exception ------------------------------------


def parse_or_format_error(text: str) -> None:
    line_count = text.count("\n") + text.count("\r") + 1
    try:
        page = parse(text)
    except CitedByFormatError as error:
        assert 1 <= error.line <= line_count
        assert str(error).startswith(f"seed.txt, line {error.line}: ")
        return
    for record in page.citing:
        assert record.pmid.isdigit()
        assert record.source_line is not None and 1 <= record.source_line <= line_count
    looks_like_citedby_page(text)


FRAGMENTS = st.sampled_from(
    [
        *SEED_LINES,
        "",
        "Authors",
        "Affiliations",
        "Abstract",
        "PMID:",
        "PMID: 0",
        "PMID: 1 PMC: x. DOI: 10.1/.",
        "Smith J, . 2020;",
        ", Nature. 2020; 1(",
        "et al Nature. 2020; 1.",
        "[No authors listed]. 2020; 1:1-2.",
        "A. 2020 Jan 99; (1):",
        "1 Affiliation",
        "Keywords: ;",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_fuzz_arbitrary_text(text: str) -> None:
    parse_or_format_error(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30), st.sampled_from(["\n", "\r\n", "\r"]))
def test_fuzz_seed_fragments(lines: list[str], newline: str) -> None:
    parse_or_format_error(newline.join(lines))


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    """The seed after random line deletions, duplications and swaps."""
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    return "\n".join(lines)


@settings(max_examples=400, deadline=None)
@given(mutated_seed())
def test_fuzz_seed_mutations(text: str) -> None:
    parse_or_format_error(text)


@given(st.text(max_size=200))
def test_fuzz_looks_like_never_raises(text: str) -> None:
    assert looks_like_citedby_page(SEED[:100] + text) in (True, False)
