"""MEDLINE (.nbib): PubMed's layout, the seed review, round trips, bad input and fuzzing
(only FormatError may escape the reader)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exodesk.core.records import Author, WorkRecord
from exodesk.default_library import review_from_facts
from exodesk.formats.base import BibEntry, FormatError, ReadResult
from exodesk.formats.medline import (
    MAX_FIELD_CHARS,
    PUBLICATION_TYPES,
    looks_like,
    read_medline,
    write_medline,
)

DATA = Path(__file__).parent / "data"
SEED_FACTS = Path(__file__).parents[2] / "resources" / "seed" / "review-36766698.json"
REVIEW_TITLE = (
    "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy-Recent Findings "
    "from Molecular and Clinical Research"
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QUICK = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fixture(name: str) -> str:
    return (DATA / name).read_text("utf-8")


def review() -> WorkRecord:
    return review_from_facts(json.loads(SEED_FACTS.read_text("utf-8")))


def comparable(entry: BibEntry) -> tuple[object, ...]:
    return (replace(entry.record, source_line=None), entry.key, entry.tags, entry.notes)


# --- PubMed's layout ----------------------------------------------------------------------


def test_pubmed_file() -> None:
    result = read_medline(fixture("medline_pubmed.nbib"), source_name="pubmed.nbib")
    assert result.problems == []
    first, second, third = result.entries
    record = first.record
    assert (first.line, record.source_line) == (2, 2)
    assert record.title == REVIEW_TITLE + "."  # PubMed ends titles with a period
    assert (record.pmid, record.doi, record.pmcid) == ("36766698", "10.3390/cells12030356", "")
    assert (record.year, record.date) == (2023, "2023-01-18")
    assert (record.volume, record.issue) == ("12", "3")
    assert (record.article_number, record.pages) == ("356", "")  # PG repeats the e-locator
    assert (record.container_title, record.container_abbrev) == ("Cells", "Cells")
    assert record.language == "en"
    assert record.abstract.startswith("Exosomes are biological nanoscale spherical lipid")
    assert record.abstract.endswith("their clinical application in cancer therapies.")
    assert len(record.authors) == 14
    assert record.authors[0] == Author(
        family="Stefańska",
        given="Katarzyna",
        affiliations=(
            "Department of Histology and Embryology, Poznan University of Medical Sciences, "
            "60-781 Poznan, Poland.",
            "Cellivia 3 S.A., Poznan, Poland.",
        ),
    )
    assert record.authors[12] == Author(family="Dyszkiewicz-Konwińska", given="Marta")
    assert record.subjects[2] == "Drug Carriers/therapeutic use"
    assert record.keywords == ("cancer", "cancer therapies", "drug resistance", "exosomes")

    assert second.line == 86
    assert second.record.pmcid == "PMC11779718"
    assert (second.record.year, second.record.date) == (2025, "2025")
    assert second.record.pages == "1522491"
    assert second.record.authors[0] == Author(family="Yan", given="H")  # AU alone

    third_record = third.record
    assert third_record.type == "article"  # PT Preprint
    assert (third_record.date, third_record.language) == ("2022-12-01", "pl")
    assert third_record.authors == (
        Author(
            family="Ñúñez",
            given="Ana María",
            orcid="0000-0002-1825-0097",
            affiliations=("Synthetic Institute, Kraków, Poland.",),
        ),
        Author(name="Synthetic Study Group"),
        Author(family="Kowalski"),  # investigators (FIR/IR) are not authors
    )
    assert third_record.subjects == ("Synthetic Terms/chemistry", "Humans")
    assert third.notes == ("Synthetic general note.",)


def test_looks_like() -> None:
    assert looks_like(fixture("medline_pubmed.nbib"))
    assert looks_like(write_medline([BibEntry(WorkRecord(title="No PMID", year=2020))]))
    assert not looks_like(fixture("ris_wos.ris"))
    assert not looks_like(fixture("endnote_library.xml"))
    assert not looks_like("TI  - a title\n")  # a tag line, but nothing only MEDLINE has
    assert not looks_like("")


# --- writing ------------------------------------------------------------------------------


def test_written_layout() -> None:
    record = review()
    text = write_medline([BibEntry(record, tags=("to read",), notes=("A note",))])
    lines = text.split("\n")
    assert lines[:7] == [
        "",
        "PMID- 36766698",
        "VI  - 12",
        "IP  - 3",
        "DP  - 2023 Jan 18",
        "TI  - The Role of Exosomes in Human Carcinogenesis and Cancer Therapy-Recent",
        "      Findings from Molecular and Clinical Research",
    ]
    assert all(len(line) <= 80 for line in lines)
    expected_lines = [
        "LID - 356 [pii]",
        "LID - 10.3390/cells12030356 [doi]",
        "FAU - Stefańska, Katarzyna",
        "AU  - Stefańska K",
        "AU  - Volponi AA",
        "LA  - eng",
        "PT  - Journal Article",
        "TA  - Cells",
        "JT  - Cells",
        "MH  - Cell Biology",
        "OTO - NOTNLM",
        "OT  - to read",
        "GN  - A note",
        "AID - 10.3390/cells12030356 [doi]",
        "SO  - Cells. 2023 Jan 18;12(3):356. doi: 10.3390/cells12030356.",
    ]
    assert [line for line in lines if line in expected_lines] == expected_lines
    assert text.endswith("cells12030356.\n")


def test_long_words_are_not_broken() -> None:
    word = "x" * 120
    text = write_medline([BibEntry(WorkRecord(title=f"a {word} b-c"))])
    assert f"      {word}" in text.split("\n") or f"TI  - a\n      {word}" in text
    assert read_medline(text).entries[0].record.title == f"a {word} b-c"


def test_seed_review_round_trip() -> None:
    record = review()
    entry = BibEntry(record, key="stefanska2023", tags=("to read",), notes=("Line one\n\nTwo",))
    (back,) = read_medline(write_medline([entry])).entries
    assert replace(back.record, source_line=None) == replace(
        record, keywords=(*record.keywords, "to read")
    )
    assert (back.key, back.tags, back.notes) == ("", (), ("Line one Two",))


# --- round trips --------------------------------------------------------------------------

LATEX = "{}\\&%$#_^~"
TEXT_CHARS = st.one_of(
    st.characters(exclude_categories=("Cc", "Cs", "Cn")),
    st.sampled_from(LATEX + "ąćęłńóśźżŁŚŻäöüßçñøé"),
)
NAME_CHARS = st.one_of(
    st.characters(categories=("Lu", "Ll", "Lo")),
    st.sampled_from(LATEX + "-'.ąęłńŁŚŻüé"),
)


def one_line(text: str) -> str:
    return re.sub(r"[ \t\n\r]+", " ", text).strip()


line_text = st.text(TEXT_CHARS, max_size=30).map(one_line)
long_text = st.text(TEXT_CHARS, max_size=300).map(one_line)
some_text = line_text.filter(bool)
words = st.lists(st.text(NAME_CHARS, min_size=1, max_size=10), min_size=1, max_size=3)
orcids = st.from_regex(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", fullmatch=True)
affiliations = st.lists(long_text.filter(bool), max_size=2).map(tuple)
person = st.builds(
    Author,
    family=words.map(" ".join),
    given=st.just("") | words.map(" ".join),
    orcid=st.just("") | orcids,
    affiliations=affiliations,
)
organisation = st.builds(
    Author, name=some_text.filter(lambda name: "*" not in name), affiliations=affiliations
)
dois = st.from_regex(r"10\.[0-9]{4,9}/[-._;()/:A-Za-z0-9<>#\[\]ąé]{1,30}", fullmatch=True)


@st.composite
def year_and_date(draw: st.DrawFn) -> tuple[int | None, str]:
    year = draw(st.none() | st.integers(1000, 2999))
    if year is None:
        return None, ""
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    return year, draw(
        st.sampled_from([f"{year}", f"{year}-{month:02d}", f"{year}-{month:02d}-{day:02d}"])
    )


@st.composite
def entries(draw: st.DrawFn) -> BibEntry:
    year, date = draw(year_and_date())
    title, pmid = draw(line_text), draw(st.just("") | st.integers(1, 10**9).map(str))
    pages = draw(st.from_regex(r"|[1-9][0-9]{0,3}(-[1-9][0-9]{0,3})?", fullmatch=True))
    article_number = draw(st.from_regex(r"|[A-Za-z]{0,2}[0-9]{1,8}", fullmatch=True))
    record = WorkRecord(
        title=title,
        type=draw(st.sampled_from(sorted(PUBLICATION_TYPES))),
        abstract=draw(long_text),
        container_title=draw(line_text),
        container_abbrev=draw(line_text),
        year=year,
        date=date,
        volume=draw(line_text),
        issue=draw(line_text),
        pages=pages,
        article_number="" if article_number == pages else article_number,
        publisher=draw(line_text),
        language=draw(st.sampled_from(["", "en", "pl", "de", "English"])),
        doi=draw(st.just("") | dois),
        pmid=pmid if title or pmid else "1",  # a record without title or identifier is skipped
        pmcid=draw(st.just("") | st.integers(1, 10**9).map(lambda n: f"PMC{n}")),
        authors=tuple(draw(st.lists(person | organisation, min_size=1, max_size=100))),
        subjects=tuple(
            draw(st.lists(some_text.filter(lambda s: "*" not in s), max_size=3, unique=True))
        ),
        keywords=tuple(draw(st.lists(some_text, max_size=4, unique=True))),
    )
    return BibEntry(
        record=record,
        key=draw(line_text),
        tags=tuple(draw(st.lists(some_text, max_size=3, unique=True))),
        notes=tuple(draw(st.lists(long_text.filter(bool), max_size=3))),
    )


def expected(entry: BibEntry) -> BibEntry:
    """What MEDLINE gives back: no key; tags become keywords (OT)."""
    keywords = tuple(dict.fromkeys((*entry.record.keywords, *entry.tags)))
    return BibEntry(replace(entry.record, keywords=keywords), notes=entry.notes)


@PROPERTY
@given(st.lists(entries(), min_size=1, max_size=3))
def test_round_trip(original: list[BibEntry]) -> None:
    result = read_medline(write_medline(original))
    assert result.problems == []
    assert [comparable(entry) for entry in result.entries] == [
        comparable(expected(entry)) for entry in original
    ]


@QUICK
@given(entries())
def test_written_lines_are_tag_lines_or_continuations(entry: BibEntry) -> None:
    for line in write_medline([entry]).split("\n"):
        assert line == "" or re.match(r"[A-Z][A-Z0-9 ]{3}- |      \S", line)


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " \n\n", "\ufeff"])
def test_empty_file(text: str) -> None:
    with pytest.raises(FormatError, match="empty"):
        read_medline(text)


def test_binary_file() -> None:
    with pytest.raises(FormatError, match="binary"):
        read_medline("PMID- 1\nTI  - \x00\x00\n")


def test_other_formats() -> None:
    with pytest.raises(FormatError, match="RIS file") as error:
        read_medline(fixture("ris_wos.ris"), source_name="wos.ris")
    assert error.value.line == 1
    with pytest.raises(FormatError, match="not a PubMed/MEDLINE file"):
        read_medline(fixture("endnote_library.xml"))
    with pytest.raises(FormatError, match="not a PubMed/MEDLINE file"):
        read_medline("Dear reader,\nthis is a letter.\n")


def test_file_cut_in_the_middle_of_a_line() -> None:
    text = fixture("medline_pubmed.nbib")
    cut = text[: text.index("Synthetic Institute, Kra")]
    result = read_medline(cut, source_name="cut.nbib")
    assert [entry.record.pmid for entry in result.entries] == ["36766698", "39886670"]
    (problem,) = result.problems
    assert problem.line == 110
    assert "truncated" in problem.describe("cut.nbib")


def test_file_without_final_line_break_but_complete_is_read() -> None:
    text = fixture("medline_pubmed.nbib").rstrip("\n")
    assert len(read_medline(text).entries) == 3


def test_bad_records_inside_a_good_file_are_skipped_with_their_line() -> None:
    text = "\n".join(
        [
            "PMID- 1",  # 1
            "TI  - Good one",
            "",
            "PMID- 2",  # 4
            "TI  - Has a stray line",
            "this line is not a MEDLINE line",  # 6
            "",
            "PMID- abc",  # 8
            "TI  - Bad PMID kept",
            "LID - 11.1/bad [doi]",  # 10
            "DP  - sometime",  # 11
            "",
            "OWN - NLM",  # 13: nothing to identify the work
            "",
            "PMID- 3",
            "TI  - Good two",
            "",
        ]
    )
    result = read_medline(text)
    assert [entry.record.title for entry in result.entries] == [
        "Good one",
        "Bad PMID kept",
        "Good two",
    ]
    assert result.entries[1].record.pmid == ""
    assert [problem.line for problem in result.problems] == [6, 8, 10, 11, 13]
    messages = [problem.message for problem in result.problems]
    assert "not a 'TAG - value' line" in messages[0]
    assert "invalid PMID: 'abc'" in messages[1] and "record kept" in messages[1]
    assert "invalid DOI: '11.1/bad'" in messages[2]
    assert "unreadable date 'sometime'" in messages[3]
    assert "neither a title nor" in messages[4]


def test_a_50_mb_field_skips_its_record_quickly() -> None:
    huge = "x" * (50 * 1024 * 1024)
    text = f"PMID- 1\nTI  - a\n\nPMID- 2\nTI  - Huge\nAB  - {huge}\n\nPMID- 3\nTI  - b\n"
    start = time.perf_counter()
    result = read_medline(text)
    assert time.perf_counter() - start < 10
    assert [entry.record.pmid for entry in result.entries] == ["1", "3"]
    (problem,) = result.problems
    assert problem.line == 6
    assert f"larger than {MAX_FIELD_CHARS:,} characters" in problem.message


def test_a_large_field_over_many_continuation_lines_is_caught_too() -> None:
    lines = "\n".join(["      " + "y" * 1000] * 1100)
    result = read_medline(f"PMID- 1\nTI  - t\nAB  - start\n{lines}\n")
    assert result.entries == []
    assert result.problems[0].line == 3


# --- fuzzing ------------------------------------------------------------------------------


def read_or_format_error(text: str) -> None:
    try:
        result = read_medline(text)
    except FormatError:
        return
    assert isinstance(result, ReadResult)


@FUZZ
@given(st.text())
def test_fuzz_any_text(text: str) -> None:
    read_or_format_error(text)


@FUZZ
@given(st.text(st.sampled_from("PMIDFAUCNTLGOS  -\n\r x,[]:*0123456789\ufeffé"), max_size=200))
def test_fuzz_tag_soup(text: str) -> None:
    read_or_format_error("PMID- 1\n" + text)


@FUZZ
@given(st.binary(max_size=500))
def test_fuzz_bytes(data: bytes) -> None:
    read_or_format_error(data.decode("latin-1"))


SNIPPETS = ["\n", "\n\n", "PMID- ", "FAU - ,", "AU  - ", "AD  - ", "CN  - ", "AUID- ORCID: ",
            "LID - [doi]", "DP  - 2023 Feb 31", "PMC - PMC", "      ", "\x00", "\r"]  # fmt: skip


@FUZZ
@given(st.data())
def test_fuzz_mutated_files(data: st.DataObject) -> None:
    text = fixture("medline_pubmed.nbib")
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(at, min(len(text), at + 40)))
        insert = data.draw(st.sampled_from(SNIPPETS) | st.text(max_size=8))
        text = text[:at] + insert + text[end:]
    read_or_format_error(text)


def test_a_value_that_starts_on_the_next_line_is_one_line() -> None:
    # An empty tag line and its continuation lines ("\r" is a line end too).
    text = "PMID- 1\nTI  -\r      A title\n      on two lines\nVI  - \n      64\n\n"
    (entry,) = read_medline(text).entries
    assert (entry.record.title, entry.record.volume) == ("A title on two lines", "64")


def test_a_bad_identifier_is_reported_on_its_own_line() -> None:
    text = "PMID- 1\nTI  - t\nPMC - PMCnot\n\n"
    result = read_medline(text)
    (problem,) = result.problems
    assert problem.line == 3 and "record kept" in problem.message
    assert result.entries[0].record.pmcid == ""
