"""RIS: the Scopus, Web of Science and EndNote layouts, the seed review, round trips,
rispy as a peer reader, bad input, and fuzzing (only FormatError may escape a reader)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
import rispy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exodesk.core.records import Author, WorkRecord
from exodesk.default_library import review_from_facts
from exodesk.formats.base import BibEntry, FormatError, ReadResult
from exodesk.formats.ris import MAX_FIELD_CHARS, TYPES, looks_like, read_ris, write_ris

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


# --- the flavours -------------------------------------------------------------------------


def test_scopus_layout() -> None:
    result = read_ris(fixture("ris_scopus.ris"), source_name="scopus.ris")
    assert result.problems == []
    first, second = result.entries
    record = first.record
    assert (first.line, record.source_line) == (1, 1)
    assert record.title == REVIEW_TITLE
    assert (record.container_title, record.container_abbrev) == ("Cells", "Cells")
    assert (record.year, record.volume, record.issue) == (2023, "12", "3")
    assert (record.article_number, record.pages) == ("356", "")
    assert record.doi == "10.3390/cells12030356"
    assert record.pmid == ""  # Scopus writes no PMID in a place exodesk reads
    assert record.authors[0] == Author(family="Stefańska", given="K.")
    assert record.authors[2] == Author(family="Volponi", given="A. A.")
    assert len(record.authors) == 14
    assert record.keywords == ("cancer", "cancer therapies", "drug resistance", "exosomes")
    assert record.abstract.startswith("Exosomes are biological nanoscale")
    # "Export Date", "Correspondence Address" and "References" notes are Scopus boilerplate.
    assert first.notes == ()
    assert second.line == 42
    assert second.record.pages == "101-117"
    assert second.record.authors[1] == Author(family="Ńowak-Źrebiec", given="Ł.")


def test_web_of_science_layout() -> None:
    result = read_ris(fixture("ris_wos.ris"))
    assert result.problems == []
    first, second = result.entries
    assert first.record.title == REVIEW_TITLE
    assert first.record.container_title == "CELLS"
    assert first.record.container_abbrev == "Cells"  # JI, the ISO abbreviation
    assert (first.record.year, first.record.date) == (2023, "2023-01")  # "DA  - JAN"
    assert first.record.pmid == ""  # "AN  - WOS:..." is not a PMID
    assert first.record.authors[0] == Author(family="Stefańska", given="K")
    assert first.notes == ()  # "Times Cited in Web of Science..." is boilerplate
    assert second.record.type == "paper-conference"
    assert second.record.authors == (
        Author(family="Syntheticauthor", given="B"),
        Author(name="Synthetic Consortium"),  # trailing comma: an organisation
    )
    assert second.record.container_abbrev == "Proc. Synth. Conf."


def test_endnote_layout() -> None:
    (entry,) = read_ris(fixture("ris_endnote.ris")).entries
    record = entry.record
    assert entry.key == "1"
    assert record.pmid == "36766698"  # AN with "DP  - NLM"
    assert record.pmcid == "PMC1"
    assert (record.year, record.date) == (2023, "2023-01-18")  # "DA  - Jan 18"
    assert record.pages == "356"
    # EndNote lists keywords as untagged lines under one KW.
    assert record.keywords == (
        "Animals",
        "Carcinogenesis",
        "Drug Carriers/therapeutic use",
        "Humans",
    )
    # Untagged lines under N1 are more lines of the same note.
    assert entry.notes == (
        "Synthetic note, first line\nsecond line of the same note\n\nlast line after a blank line",
    )
    assert record.authors[4] == Author(family="Golkar-Narenji", given="Afsaneh")


def test_looks_like() -> None:
    assert looks_like(fixture("ris_scopus.ris"))  # with a byte-order mark
    assert looks_like("\n\nTY  - JOUR\nER  - \n")
    assert not looks_like(fixture("medline_pubmed.nbib"))
    assert not looks_like(fixture("endnote_library.xml"))
    assert not looks_like("")


# --- mapping details ----------------------------------------------------------------------


def ris(*lines: str) -> str:
    return "\n".join(["TY  - JOUR", "TI  - Synthetic title", *lines, "ER  - ", ""])


def test_accession_numbers_are_pmids_only_when_they_say_so() -> None:
    def pmid(*lines: str) -> str:
        return read_ris(ris(*lines)).entries[0].record.pmid

    assert pmid("AN  - PMID: 36766698") == "36766698"
    assert pmid("AN  - 36766698", "DB  - PubMed") == "36766698"
    assert pmid("AN  - 36766698") == ""  # CINAHL and others use plain numbers too
    assert pmid("AN  - WOS:000000000000001") == ""


def test_pmcid_only_from_a_pmc_value_in_c2() -> None:
    assert read_ris(ris("C2  - PMC11779718")).entries[0].record.pmcid == "PMC11779718"
    assert read_ris(ris("C2  - 36766698")).entries[0].record.pmcid == ""


def test_types() -> None:
    assert read_ris("TY  - EDBOOK\nTI  - x\nER  - \n").entries[0].record.type == "book"
    assert read_ris("TY  - ZZZZ\nTI  - x\nER  - \n").entries[0].record.type == "article-journal"
    text = write_ris([BibEntry(WorkRecord(title="x", type="review"))])
    assert text.startswith("TY  - GEN\n")  # no RIS type: generic, read back as "document"


def test_doi_from_a_doi_org_address_when_there_is_no_do() -> None:
    record = read_ris(ris("UR  - https://doi.org/10.1234/abc.1")).entries[0].record
    assert record.doi == "10.1234/abc.1"


def test_authors_with_and_without_commas() -> None:
    text = ris(
        "AU  - Stefańska, Katarzyna",
        "AU  - Stefańska K",
        "AU  - Kowalski Ł",
        "AU  - World Health Organization",
        "AU  - Synthetic Group AB,",
        "AU  - Smith, John, Jr.",
    )
    assert read_ris(text).entries[0].record.authors == (
        Author(family="Stefańska", given="Katarzyna"),
        Author(family="Stefańska", given="K"),
        Author(family="Kowalski", given="Ł"),
        Author(name="World Health Organization"),
        Author(name="Synthetic Group AB"),
        Author(family="Smith, Jr.", given="John"),
    )


def test_organisation_names_that_would_read_as_persons_get_a_trailing_comma() -> None:
    authors = (Author(name="Synthetic Group AB"), Author(name="Synthetic, Inc"), Author(name="X"))
    text = write_ris([BibEntry(WorkRecord(title="t", authors=authors))])
    assert "AU  - Synthetic Group AB,\n" in text
    assert "AU  - Synthetic, Inc,\n" in text
    assert "AU  - X\n" in text
    assert read_ris(text).entries[0].record.authors == authors


def test_note_line_that_looks_like_a_tag_stays_in_the_note() -> None:
    entry = BibEntry(WorkRecord(title="t"), notes=("first\nAB  - not an abstract\nER  - ",))
    (back,) = read_ris(write_ris([entry])).entries
    assert back.record.abstract == ""
    assert back.notes == ("first\n AB  - not an abstract\n ER  -",)


def test_control_characters_are_dropped_and_trailing_spaces_trimmed() -> None:
    entry = BibEntry(WorkRecord(title="a\x07b\tc\r\nd"), notes=("line  \r\nnext\x1b",))
    (back,) = read_ris(write_ris([entry])).entries
    assert back.record.title == "ab c d"
    assert back.notes == ("line\nnext",)


# --- the seed review ----------------------------------------------------------------------


def test_seed_review_round_trip() -> None:
    record = review()
    entry = BibEntry(record, key="stefanska2023", tags=("to read",), notes=("Line one\n\nTwo",))
    (back,) = read_ris(write_ris([entry])).entries
    expected = replace(
        record,
        subjects=(),  # RIS has no place for subjects...
        authors=tuple(replace(author, affiliations=()) for author in record.authors),
        keywords=(*record.keywords, "to read"),  # ...and tags come back as keywords
    )
    assert replace(back.record, source_line=None) == expected
    assert (back.key, back.tags, back.notes) == ("stefanska2023", (), ("Line one\n\nTwo",))
    assert back.record.authors[0] == Author(family="Stefańska", given="Katarzyna")
    assert back.record.article_number == "356"


def test_rispy_reads_the_seed_export() -> None:
    text = write_ris([BibEntry(review())])
    (parsed,) = rispy.loads(text)
    assert parsed["type_of_reference"] == "JOUR"
    assert parsed["title"] == REVIEW_TITLE
    assert parsed["doi"] == "10.3390/cells12030356"
    assert parsed["authors"][0] == "Stefańska, Katarzyna"
    assert len(parsed["authors"]) == 14
    assert (parsed["volume"], parsed["number"], parsed["custom7"]) == ("12", "3", "356")


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
_TAG_LIKE = re.compile(r"[A-Z][A-Z0-9]  -(?: .*)?")
_BOILERPLATE = re.compile(r"(?:Export Date:|Cited By|Times Cited in Web|References:|Corres)", re.I)


def one_line(text: str) -> str:
    return re.sub(r"[ \t\n\r]+", " ", text).strip()


def block(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


line_text = st.text(TEXT_CHARS, max_size=30).map(one_line)
some_text = line_text.filter(bool)
note_text = (
    st.lists(st.text(TEXT_CHARS, max_size=30), min_size=1, max_size=4)
    .map(lambda lines: block("\n".join(lines)))
    .filter(lambda note: note and not _BOILERPLATE.match(note))
    .filter(lambda note: not any(_TAG_LIKE.fullmatch(line) for line in note.split("\n")))
)
words = st.lists(st.text(NAME_CHARS, min_size=1, max_size=10), min_size=1, max_size=2)
person = st.builds(Author, family=words.map(" ".join), given=words.map(" ".join))
organisation = st.builds(
    lambda parts: Author(name=", ".join(parts)),
    st.lists(words.map(" ".join), min_size=1, max_size=2),
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
    pmid = draw(st.just("") | st.integers(1, 10**9).map(str))
    title = draw(line_text)
    record = WorkRecord(
        title=title,
        type=draw(st.sampled_from(sorted(TYPES))),
        abstract=draw(st.just("") | note_text),
        container_title=draw(line_text),
        container_abbrev=draw(line_text),
        year=year,
        date=date,
        volume=draw(line_text),
        issue=draw(line_text),
        pages=draw(
            st.from_regex(r"|[1-9][0-9]{0,3}(-[1-9][0-9]{0,3})?|e[0-9]{1,5}", fullmatch=True)
        ),
        article_number=draw(line_text),
        publisher=draw(line_text),
        language=draw(st.sampled_from(["", "en", "pl", "English"])),
        doi=draw(st.just("") | dois),
        pmid=pmid if title or pmid else "1",  # a record without title or identifier is skipped
        pmcid=draw(st.just("") | st.integers(1, 10**9).map(lambda n: f"PMC{n}")),
        authors=tuple(draw(st.lists(person | organisation, min_size=1, max_size=100))),
        keywords=tuple(draw(st.lists(some_text, max_size=4, unique=True))),
    )
    return BibEntry(
        record=record,
        key=draw(line_text),
        tags=tuple(draw(st.lists(some_text, max_size=3, unique=True))),
        notes=tuple(draw(st.lists(note_text, max_size=3))),
    )


def expected(entry: BibEntry) -> BibEntry:
    """What RIS gives back: no subjects, ORCIDs or affiliations; tags become keywords."""
    record = entry.record
    authors = tuple(
        Author(name=author.name) if author.is_collective else Author(author.family, author.given)
        for author in record.authors
    )
    keywords = tuple(dict.fromkeys((*record.keywords, *entry.tags)))
    return BibEntry(
        replace(record, authors=authors, subjects=(), keywords=keywords),
        key=entry.key,
        notes=entry.notes,
    )


@PROPERTY
@given(st.lists(entries(), min_size=1, max_size=3))
def test_round_trip(original: list[BibEntry]) -> None:
    result = read_ris(write_ris(original))
    assert result.problems == []
    assert [comparable(entry) for entry in result.entries] == [
        comparable(expected(entry)) for entry in original
    ]


@QUICK
@given(st.lists(entries(), min_size=1, max_size=3))
def test_rispy_reads_every_export(original: list[BibEntry]) -> None:
    parsed = rispy.loads(write_ris(original))
    assert len(parsed) == len(original)
    for reference, entry in zip(parsed, original, strict=True):
        assert reference.get("title", "") == entry.record.title
        assert reference.get("doi", "") == entry.record.doi
        assert len(reference.get("authors", [])) == len(entry.record.authors)


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "  \n\n", "\ufeff"])
def test_empty_file(text: str) -> None:
    with pytest.raises(FormatError, match="empty"):
        read_ris(text, source_name="empty.ris")


def test_binary_file() -> None:
    with pytest.raises(FormatError, match="binary"):
        read_ris("TY  - JOUR\nTI  - x\x00\x01\x02\nER  - \n")
    with pytest.raises(FormatError, match="binary"):
        read_ris("".join(chr(code) for code in range(1, 32)) * 10)


@pytest.mark.parametrize("name", ["medline_pubmed.nbib", "endnote_library.xml"])
def test_another_format(name: str) -> None:
    with pytest.raises(FormatError, match="not an RIS file") as error:
        read_ris(fixture(name), source_name=name)
    assert str(error.value).startswith(f"{name}: ")


def test_truncated_file() -> None:
    text = fixture("ris_scopus.ris")
    cut = text[: text.index("TI  - Synthetic record one") + 12]
    result = read_ris(cut, source_name="cut.ris")
    assert [entry.record.title for entry in result.entries] == [REVIEW_TITLE]
    (problem,) = result.problems
    assert problem.line == 42
    assert "truncated" in problem.describe("cut.ris")
    assert problem.describe("cut.ris").startswith("cut.ris, line 42: ")


def test_bad_records_inside_a_good_file_are_skipped_with_their_line() -> None:
    text = "\n".join(
        [
            "TY  - JOUR",  # 1
            "TI  - Good one",
            "ER  - ",
            "TY  - JOUR",  # 4: no ER before the next TY
            "TI  - Unended",
            "TY  - JOUR",  # 6
            "AU  - Nobody, N",  # no title, no identifier
            "ER  - ",
            "AU  - Orphan, O",  # 9: outside any record
            "TI  - Orphan title",
            "TY  - JOUR",  # 11
            "TI  - Bad DOI kept",
            "DO  - 11.1/not-a-doi",  # 13
            "PY  - sometime",  # 14
            "ER  - ",
            "TY  - JOUR",
            "TI  - Good two",
            "ER  - ",
        ]
    )
    result = read_ris(text)
    assert [entry.record.title for entry in result.entries] == [
        "Good one",
        "Bad DOI kept",
        "Good two",
    ]
    assert result.entries[1].record.doi == ""
    assert result.entries[1].record.year is None
    lines = [problem.line for problem in result.problems]
    assert lines == [4, 6, 9, 13, 14]
    messages = [problem.message for problem in result.problems]
    assert "before the next 'TY  -' on line 6" in messages[0]
    assert "neither a title nor" in messages[1]
    assert "outside a record" in messages[2]
    assert "invalid DOI: '11.1/not-a-doi'" in messages[3] and "record kept" in messages[3]
    assert "unreadable year 'sometime'" in messages[4]


def test_a_50_mb_field_skips_its_record_quickly() -> None:
    huge = "x" * (50 * 1024 * 1024)
    text = ris() + f"TY  - JOUR\nTI  - Huge\nAB  - {huge}\nER  - \n" + ris()
    start = time.perf_counter()
    result = read_ris(text)
    assert time.perf_counter() - start < 10
    assert len(result.entries) == 2
    (problem,) = result.problems
    assert problem.line == 6
    assert f"larger than {MAX_FIELD_CHARS:,} characters" in problem.message


def test_a_large_field_over_many_lines_is_caught_too() -> None:
    lines = "\n".join(["y" * 1000] * 1100)
    result = read_ris(f"TY  - JOUR\nTI  - t\nN1  - start\n{lines}\nER  - \n")
    assert result.entries == []
    assert result.problems[0].line == 3


# --- fuzzing ------------------------------------------------------------------------------


def read_or_format_error(text: str) -> None:
    try:
        result = read_ris(text)
    except FormatError:
        return
    assert isinstance(result, ReadResult)


@FUZZ
@given(st.text())
def test_fuzz_any_text(text: str) -> None:
    read_or_format_error(text)


@FUZZ
@given(st.text(st.sampled_from("TYERAUKWN1DOPC27  -\n\r x,;:\ufeff\x00é"), max_size=200))
def test_fuzz_tag_soup(text: str) -> None:
    read_or_format_error("TY  - JOUR\n" + text)


@FUZZ
@given(st.binary(max_size=500))
def test_fuzz_bytes(data: bytes) -> None:
    read_or_format_error(data.decode("latin-1"))


SNIPPETS = ["\n", "TY  - ", "ER  - ", "AU  - ,", "DO  - 10.", "AN  - PMID: 0", "PY  - 0000/13/40",
            "\x00", "C2  - PMC", "KW  - ", "\r", "  -"]  # fmt: skip


@FUZZ
@given(st.data())
def test_fuzz_mutated_files(data: st.DataObject) -> None:
    text = fixture(data.draw(st.sampled_from(["ris_scopus.ris", "ris_wos.ris", "ris_endnote.ris"])))
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(at, min(len(text), at + 40)))
        insert = data.draw(st.sampled_from(SNIPPETS) | st.text(max_size=8))
        text = text[:at] + insert + text[end:]
    read_or_format_error(text)


def test_fields_that_go_on_over_continuation_lines() -> None:
    # A field read as one line becomes one of many when a continuation line follows.
    result = read_ris(ris("AU  - Kowalska, Anna", "Nowak, Jan", "N1  - first line", "second line"))
    (entry,) = result.entries
    assert [a.family for a in entry.record.authors] == ["Kowalska", "Nowak"]
    assert entry.notes == ("first line\nsecond line",)


def test_a_bad_identifier_is_reported_on_its_own_line() -> None:
    result = read_ris(ris("PY  - 2020", "DO  - 11.1/not-a-doi"))
    (problem,) = result.problems
    assert problem.line == 4 and "record kept" in problem.message


# -- the writer's fast path gives what the general code gives ---------------------------------

_TEXT = st.lists(
    st.sampled_from([*"ab Z1é|-\u00a0\u3000\t\n\r\x0b\x1f", "  ", " |", "| ", "ER  - x"]),
    max_size=12,
).map("".join)
#: Texts that are clean (``_is_clean``) when no space ends them: most real entries.
_PLAIN = st.lists(st.sampled_from([*"ab Z1é|-", "ab", "x y"]), max_size=12).map(
    lambda parts: "".join(parts).strip()
)


@settings(max_examples=600, deadline=None)
@given(
    texts=st.lists(_TEXT, min_size=16, max_size=16) | st.lists(_PLAIN, min_size=16, max_size=16),
    terms=st.lists(_TEXT, max_size=4) | st.lists(_PLAIN, max_size=4),
    names=st.lists(st.tuples(_PLAIN, _PLAIN, _PLAIN), max_size=3),
    year=st.none() | st.integers(1900, 2030),
)
def test_writing_fast_path_agrees_with_the_general_one(
    texts: list[str], terms: list[str], names: list[tuple[str, str, str]], year: int | None
) -> None:
    from exodesk.formats import ris as ris_module

    key, title, journal, abbrev, date, volume, issue, pages, number, publisher, language = texts[
        :11
    ]
    doi, pmid, pmcid, abstract, note = texts[11:]
    record = WorkRecord(
        title=title,
        container_title=journal,
        container_abbrev=abbrev,
        date=date,
        volume=volume,
        issue=issue,
        pages=pages,
        article_number=number,
        publisher=publisher,
        language=language,
        doi=doi,
        pmid=pmid,
        pmcid=pmcid,
        abstract=abstract,
        year=year,
        keywords=tuple(terms),
        authors=tuple(Author(family, given, name) for family, given, name in names),
    )
    entry = BibEntry(record, key=key, tags=tuple(terms[:1]), notes=(note,))
    general = ris_module._format_entry(entry, clean=False)
    assert ris_module._format_entry(entry) == general
    if ris_module._is_clean(entry):
        assert ris_module._format_entry(entry, clean=True) == general
