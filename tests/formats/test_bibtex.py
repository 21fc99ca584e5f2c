"""BibTeX/BibLaTeX: LaTeX decoding, names, fields, bad records, round trips, real peers.

Peers: the exports are parsed by pybtex and bibtexparser and run through the real
``bibtex`` program; the readers are fuzzed to raise nothing but FormatError.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import bibtexparser
import pybtex.database
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from exodesk.core.records import Author, WorkRecord
from exodesk.formats import bibtex as bibtex_module
from exodesk.formats.base import BibEntry, FormatError, ReadResult, Writer
from exodesk.formats.bibtex import (
    MAX_FIELD_CHARS,
    looks_like,
    read_bibtex,
    write_biblatex,
    write_bibtex,
)

DATA = Path(__file__).parent / "data"
SEED = Path(__file__).parents[2] / "resources" / "seed" / "review-36766698.json"
WRITERS = [write_bibtex, write_biblatex]


def seed_entry() -> BibEntry:
    facts = json.loads(SEED.read_text(encoding="utf-8"))
    record = WorkRecord(
        title=facts["title"],
        container_title=facts["journal"],
        year=facts["year"],
        date=facts["published"],
        volume=facts["volume"],
        issue=facts["issue"],
        article_number=facts["article_number"],
        publisher=facts["publisher"],
        doi=facts["doi"],
        pmid=facts["pmid"],
        keywords=tuple(facts["keywords"]),
        authors=tuple(Author(family=a["family"], given=a["given"]) for a in facts["authors"]),
    )
    return BibEntry(record, tags=("to read",), notes=("Cited in **chapter 2**; 50% & more.",))


def read_one(text: str) -> BibEntry:
    result = read_bibtex(text)
    assert result.problems == []
    assert len(result.entries) == 1
    return result.entries[0]


def comparable(entry: BibEntry) -> tuple[WorkRecord, tuple[str, ...], tuple[str, ...]]:
    """What a round trip must keep: the record (minus where it was read), tags and notes."""
    return replace(entry.record, source_line=None), entry.tags, entry.notes


def round_trip(entries: Sequence[BibEntry], writer: Writer = write_bibtex) -> ReadResult:
    return read_bibtex(writer(entries))


# --------------------------------------------------------------------------------------
# The review, exactly


@pytest.mark.parametrize("writer", WRITERS)
def test_seed_review_round_trips_exactly(writer: Writer) -> None:
    entry = seed_entry()
    result = round_trip([entry], writer)
    assert result.problems == []
    [back] = result.entries
    assert back.key == "stefanska2023role"
    assert comparable(back) == comparable(entry)
    assert back.record.authors[0] == Author(family="Stefańska", given="Katarzyna")
    assert [a.family for a in back.record.authors][9:11] == ["Dzięgiel", "Podhorska-Okołów"]
    assert len(back.record.authors) == 14
    assert (back.record.doi, back.record.pmid) == ("10.3390/cells12030356", "36766698")
    assert (back.record.volume, back.record.issue, back.record.article_number) == ("12", "3", "356")
    assert back.record.pages == ""


def test_seed_review_as_bibtex() -> None:
    text = write_bibtex([seed_entry()])
    assert text.startswith("@article{stefanska2023role,\n")
    assert "author = {Stefańska, Katarzyna and Józkowiak, Małgorzata and " in text
    for line in (
        "journal = {Cells},",
        "year = {2023},",
        "month = jan,",
        "volume = {12},",
        "number = {3},",
        "pages = {356},",  # the article number, where classic styles look for it
        "eid = {356},",
        "doi = {10.3390/cells12030356},",
        "pmid = {36766698},",
        "keywords = {cancer, cancer therapies, drug resistance, exosomes, to read},",
        "groups = {to read},",
        r"annote = {Cited in **chapter 2**; 50\% \& more.},",
    ):
        assert f"  {line}\n" in text
    # Only words with inner capitals are protected: sentence-case styles may lower the rest.
    assert "Cancer {Therapy-Recent} Findings" in text


def test_seed_review_as_biblatex() -> None:
    text = write_biblatex([seed_entry()])
    for line in (
        "journaltitle = {Cells},",
        "date = {2023-01-18},",
        "eid = {356},",
        "eprint = {36766698},",
        "eprinttype = {pubmed},",
        r"annotation = {Cited in **chapter 2**; 50\% \& more.},",
    ):
        assert f"  {line}\n" in text
    assert "pages =" not in text
    assert "year =" not in text


# --------------------------------------------------------------------------------------
# LaTeX to Unicode


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"Sch{\"o}n", "Schön"),
        (r"Sch\"{o}n", "Schön"),
        (r"Tom \& Jerry", "Tom & Jerry"),
        ("pages -- and --- dashes", "pages – and — dashes"),
        ("{DNA} repair", "DNA repair"),
        (r"caf\'{e}", "café"),
        (r"{\l}{\'o}d{\'z}", "łódź"),
        (r"{\L}ukasz {\o} {\ss} {\ae}", "Łukasz ø ß æ"),
        (r"{\c{c}}a {\v{s}} {\k{e}} {\~n}", "ça š ę ñ"),
        (r"$\beta$-catenin", "β-catenin"),
        (r"50\% of {RNA}", "50% of RNA"),
        ("50% of {RNA}", "50% of RNA"),  # a bare % is a percent sign, not a comment
        ("R&D {X}", "R&D X"),  # a bare & is an ampersand, not a column
        (r"\emph{very} \textit{much} {\em so}", "very much so"),
        (r"The {\TeX}book", "The TeXbook"),
        (r"\textbraceleft{}x\textbraceright{} \textbackslash{}", "{x} \\"),
        ("``quoted''", "\N{LEFT DOUBLE QUOTATION MARK}quoted\N{RIGHT DOUBLE QUOTATION MARK}"),
        ("Fig.~1", "Fig.\N{NO-BREAK SPACE}1"),
        ("multi\n   line   title", "multi line title"),
        ("{{{{{{{{{{{{{{{{{{{{deep}}}}}}}}}}}}}}}}}}}}", "deep"),
        ("{" * 3000 + "x" + "}" * 3000, "x"),  # deeper than pylatexenc's recursion
    ],
)
def test_latex_in_titles_becomes_unicode(latex: str, text: str) -> None:
    entry = read_one(f"@article{{k, title = {{{latex}}}}}")
    assert entry.record.title == text


LATEX_TOKENS = st.sampled_from(
    [
        *(r"\&", r"\%", r"\$", r"\#", r"\_", r"\{", r"\}", r"\textbackslash{}"),
        *(r"\textbraceleft{}", r"\textbraceright{}", r"\textasciitilde{}", r"\textasciicircum{}"),
        *("{", "}", "{}", "-", "--", "---", "`", "'", "!", "?", "~", "%", "&", "#", "_", "^"),
        *(" ", "\n", "a", "Ł"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LATEX_TOKENS, max_size=12).map("".join))
def test_fast_decoding_agrees_with_pylatexenc(value: str) -> None:
    fast = bibtex_module._simple_latex_to_text(value)
    if fast is not None:
        assert fast == bibtex_module._pylatexenc_to_text(value)


def test_latex_in_names() -> None:
    entry = read_one(
        r"""@article{k, author = {M{\"u}ller, Hans and {\"O}zt{\"u}rk, Ay{\c{s}}e and
        Dzi{\k{e}}giel, Piotr and Podhorska-Oko{\l}{\'o}w, Marzenna}}"""
    )
    assert [a.full_name() for a in entry.record.authors] == [
        "Hans Müller",
        "Ayşe Öztürk",
        "Piotr Dzięgiel",
        "Marzenna Podhorska-Okołów",
    ]


# --------------------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("names", "authors"),
    [
        ("Smith, John", [Author(family="Smith", given="John")]),
        ("John Smith", [Author(family="Smith", given="John")]),
        ("Ludwig van Beethoven", [Author(family="van Beethoven", given="Ludwig")]),
        ("Jean de La Fontaine", [Author(family="de La Fontaine", given="Jean")]),
        ("van Gogh, Vincent", [Author(family="van Gogh", given="Vincent")]),
        ("Smith, Jr., John", [Author(family="Smith, Jr.", given="John")]),
        ("Kempisty", [Author(family="Kempisty")]),
        ("{World Health Organization}", [Author(name="World Health Organization")]),
        ("{Barnes and Noble, Inc.}", [Author(name="Barnes and Noble, Inc.")]),
        ("{Golkar Narenji}, Afsaneh", [Author(family="Golkar Narenji", given="Afsaneh")]),
        ("Golkar{ }Narenji", [Author(family="Golkar Narenji")]),
        ("A, B and C, D AND E, F", [Author("A", "B"), Author("C", "D"), Author("E", "F")]),
        ("Smith, John and others", [Author(family="Smith", given="John")]),
        ("Smith, John and and", [Author(family="Smith", given="John")]),
    ],
)
def test_names(names: str, authors: list[Author]) -> None:
    assert list(read_one(f"@article{{k, author = {{{names}}}}}").record.authors) == authors


def test_organisation_author_in_double_braces() -> None:
    entry = read_one("@report{k, author = {{World Health Organization}}, title = {T}}")
    assert entry.record.authors == (Author(name="World Health Organization"),)
    assert entry.record.type == "report"


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize(
    "author",
    [
        Author(name="World Health Organization"),
        Author(name="Barnes and Noble, Inc."),
        Author(family="Golkar Narenji"),
        Author(family="Smith, Jr", given="John"),
        Author(family="Smith, Jr"),
        Author(family="Smith and Jones", given="Anna and Bea"),
        Author(family="others"),
        Author(family="de la Fontaine", given="Jean"),
        Author(family="{Curly}", given="100% \\ & #1"),
        Author(family="-", given="-"),  # bibtex reads a lone hyphen as a separator
        Author(family="- -"),
        Author(family="Smith , Jr", given="John"),  # not the "Family, Jr" form
    ],
)
def test_awkward_names_round_trip(writer: Writer, author: Author) -> None:
    entry = BibEntry(WorkRecord(title="T", authors=(Author("Zabel", "Maciej"), author)))
    assert round_trip([entry], writer).entries[0].record.authors == entry.record.authors


# --------------------------------------------------------------------------------------
# Fields


def test_fixture_from_other_tools() -> None:
    result = read_bibtex((DATA / "bibtex_latex.bib").read_text(encoding="utf-8"))
    assert result.problems == []
    review, muller, knuth, who, biblatex = result.entries
    assert review.record.title == (
        "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy–Recent Findings "
        "from Molecular and Clinical Research"
    )
    assert review.record.container_title == "Cells"  # an @string macro
    assert (review.record.year, review.record.date) == (2023, "2023-01")  # month = jan
    assert review.record.keywords == ("cancer", "cancer therapies", "drug resistance", "exosomes")
    assert (review.line, review.record.source_line) == (5, 5)
    assert muller.record.title == "DNA and mRNA in École & Co — a 50% survey of β-catenin"
    assert muller.record.container_title == "Journal of Things"  # macro # "text"
    assert muller.record.pages == "1-10"
    assert muller.record.authors[-1] == Author(name="World Health Organization")
    assert len(muller.record.authors) == 4  # "others" is not an author
    assert muller.notes == ("Epub ahead of print",)
    assert (knuth.record.type, knuth.record.title) == ("book", "The TeXbook")
    assert knuth.notes == ("My copy is on the shelf.",)
    assert who.record.type == "webpage"
    assert (who.record.date, who.record.doi) == ("2024-05-03", "10.1000/who.2024.1")
    record = biblatex.record
    assert record.title == "Biblatex fields: A test"
    assert (record.container_title, record.container_abbrev) == ("Journal of Tests", "J Tests")
    assert (record.year, record.date, record.article_number) == (2021, "2021-03", "e1234")
    assert (record.pmid, record.pmcid, record.language) == ("12345678", "PMC7654321", "english")
    assert record.authors[0] == Author(family="de la Fontaine", given="Jean")
    assert biblatex.notes == ("Read this.",)


@pytest.mark.parametrize(
    ("field", "value", "attribute", "expected"),
    [
        ("pages", "{12--19}", "pages", "12-19"),
        ("pages", "{12 -- 19}", "pages", "12-19"),
        ("pages", "{e12–e19}", "pages", "e12-e19"),
        ("month", "{September}", "date", "2020-09"),
        ("month", "sep", "date", "2020-09"),
        ("month", "{9}", "date", "2020-09"),
        ("month", "{Spring}", "date", "2020"),
        ("month", "{²}", "date", "2020"),  # a digit to str.isdigit(), not to int()
        ("month", "{١}", "date", "2020"),
        ("number", "{4}", "issue", "4"),
        ("issue", "{4}", "issue", "4"),
        ("article-number", "{e42}", "article_number", "e42"),
        ("doi", "{https://doi.org/10.1000/X_Y}", "doi", "10.1000/X_Y"),
        ("doi", r"{10.1000/a\_b}", "doi", "10.1000/a_b"),
        ("doi", "{{10.1000/xyz}}", "doi", "10.1000/xyz"),
        ("keywords", "{a, b; c,, a}", "keywords", ("a", "b", "c")),
        ("school", "{Univ}", "publisher", "Univ"),
        ("pmcid", "{pmc123}", "pmcid", "PMC123"),
    ],
)
def test_field_mapping(field: str, value: str, attribute: str, expected: object) -> None:
    entry = read_one(f"@article{{k, year = 2020, {field} = {value}}}")
    assert getattr(entry.record, attribute) == expected


@pytest.mark.parametrize(
    ("entry_type", "csl_type"),
    [
        ("article", "article-journal"),
        ("ARTICLE", "article-journal"),
        ("book", "book"),
        ("incollection", "chapter"),
        ("inbook", "chapter"),
        ("inproceedings", "paper-conference"),
        ("conference", "paper-conference"),
        ("phdthesis", "thesis"),
        ("mastersthesis", "thesis"),
        ("techreport", "report"),
        ("online", "webpage"),
        ("misc", "document"),
        ("unpublished", "manuscript"),
        ("whatever", "document"),
    ],
)
def test_entry_types(entry_type: str, csl_type: str) -> None:
    assert read_one(f"@{entry_type}{{k, title = {{T}}}}").record.type == csl_type


def test_tags_and_notes_conventions() -> None:
    entry = BibEntry(
        WorkRecord(title="T", keywords=("exosomes", "cancer")),
        tags=("cancer", "to read"),
        notes=("first note", "second\nnote"),
    )
    text = write_bibtex([entry])
    assert "keywords = {exosomes, cancer, cancer, to read}," in text
    assert "groups = {cancer, to read}," in text
    [back] = read_bibtex(text).entries
    assert back.record.keywords == ("exosomes", "cancer")
    assert back.tags == ("cancer", "to read")
    assert back.notes == ("first note\n\nsecond\nnote",)  # one note comes back


def test_a_note_that_starts_with_an_at_sign_starts_no_entry() -> None:
    # Alone, "@" is not at the start of a line of the file; after the note before it, it is.
    entry = BibEntry(WorkRecord(title="T"), notes=("see", "@misc here"))
    text = write_bibtex([entry])
    assert not [line for line in text.splitlines()[1:] if line.startswith("@")], text
    [back] = read_bibtex(text).entries
    assert back.notes == ("see\n\n@misc here",)


def test_jabref_groups_are_tags_and_keywords_stay_keywords() -> None:
    entry = read_one("@article{k, keywords = {a, b}, groups = {reading}}")
    assert (entry.record.keywords, entry.tags) == (("a", "b"), ("reading",))


def test_keys_are_generated_and_made_unique() -> None:
    record = seed_entry().record
    entries = [BibEntry(record), BibEntry(record, key="stefanska2023role"), BibEntry(record)]
    keys = [entry.key for entry in read_bibtex(write_bibtex(entries)).entries]
    assert keys == ["stefanska2023rolea", "stefanska2023role", "stefanska2023roleb"]
    odd = BibEntry(WorkRecord(title="T"), key="Müller 2020, {x}")
    assert read_bibtex(write_bibtex([odd])).entries[0].key == "Muller2020x"


def test_unsafe_doi_is_written_as_a_resolver_url() -> None:
    doi = "10.1000/a{b}\\c%d"
    text = write_bibtex([BibEntry(WorkRecord(title="T", doi=doi))])
    assert "doi = {https://doi.org/10.1000/a%7Bb%7D%5Cc%25d}," in text
    assert read_one(text).record.doi == doi


# --------------------------------------------------------------------------------------
# Bad input


def test_bad_records_are_skipped_and_reported_with_their_line() -> None:
    result = read_bibtex(
        (DATA / "bibtex_bad_records.bib").read_text(encoding="utf-8"),
        source_name="bad.bib",
    )
    assert [entry.key for entry in result.entries] == ["good1", "good2", "good1a", "twice"]
    good2, twice = result.entries[1], result.entries[3]
    assert (good2.record.title, good2.record.doi, good2.record.pmid) == (
        "Second good entry",
        "",
        "",
    )
    assert twice.record.title == "First title"
    described = [problem.describe("bad.bib") for problem in result.problems]
    assert described[0].startswith("bad.bib, line 6: @article{nocomma: malformed entry skipped")
    assert described[1].startswith("bad.bib, line 8: @article{unclosed: malformed entry skipped")
    assert described[2] == (
        "bad.bib, line 14: @article{good2}: invalid DOI: 'not a doi' "
        "(expected 10.NNNN/suffix); identifier dropped"
    )
    assert described[3] == (
        "bad.bib, line 15: @article{good2}: invalid PMID: 'PMID: abc'; identifier dropped"
    )
    assert described[4] == (
        "bad.bib, line 18: key 'good1' was already used on line 1; this entry is read as 'good1a'"
    )
    assert (
        described[5] == "bad.bib, line 23: @article{twice}: field 'title' given twice; first kept"
    )
    assert described[6].startswith("bad.bib, line 27: @article{last: malformed entry skipped")
    assert "end of file" in described[6]
    assert len(described) == 7


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("  \n\t\n", "empty"),
        ("@article{k, title={x}}\x00\x01", "binary"),
        ("TY  - JOUR\nTI  - A RIS file\nER  - \n", "no BibTeX entries"),
    ],
)
def test_unreadable_files_raise_format_error(text: str, reason: str) -> None:
    with pytest.raises(FormatError, match=reason) as caught:
        read_bibtex(text, source_name="in.bib")
    assert caught.value.source_name == "in.bib"


def test_only_comments_and_strings_is_an_empty_library() -> None:
    assert read_bibtex("@comment{nothing}\n@string{a = {b}}\n") == ReadResult()


def test_truncated_entry_is_a_problem_with_its_line() -> None:
    result = read_bibtex("@article{ok, title = {Fine}}\n\n@article{cut,\n  title = {Half")
    assert [entry.key for entry in result.entries] == ["ok"]
    assert [problem.line for problem in result.problems] == [3]


def test_bom_and_crlf() -> None:
    entry = read_one("\ufeff@article{k,\r\n  title = {A\r\n  B},\r\n  year = 2001\r\n}\r\n")
    assert (entry.record.title, entry.record.year, entry.line) == ("A B", 2001, 1)


def test_field_over_the_size_limit_skips_the_entry() -> None:
    text = (
        f"@article{{big, title = {{{'a' * (MAX_FIELD_CHARS + 1)}}}}}\n@article{{ok, title={{x}}}}"
    )
    result = read_bibtex(text)
    assert [entry.key for entry in result.entries] == ["ok"]
    assert result.problems[0].line == 1
    assert "longer than 1,000,000 characters" in result.problems[0].message


def test_50_mb_field_completes_quickly() -> None:
    start = time.monotonic()
    result = read_bibtex("@article{big,\n  abstract = {" + "word " * 10_000_000 + "}}\n")
    assert time.monotonic() - start < 10
    assert result.entries == [] and result.problems[0].line == 1


def test_exponential_string_macros_are_cut_off() -> None:
    macros = "".join(f"@string{{m{i + 1} = m{i} # m{i} # m{i} # m{i}}}\n" for i in range(40))
    result = read_bibtex('@string{m0 = "xxxxxxxxxx"}\n' + macros + "@article{k, title = m40}")
    assert result.entries == [] and "longer than" in result.problems[0].message


def test_looks_like() -> None:
    assert looks_like("% exported\n\n@Article{k,\n title={x}}")
    assert looks_like("  @book (k, title = {x})")
    assert not looks_like('[{"id": "x"}]')
    assert not looks_like("TY  - JOUR\nemail me @ home {x}")


# --------------------------------------------------------------------------------------
# Generated records: round trips, fuzzing, peers

# Letters from several scripts, the LaTeX specials and the ligature characters, a no-break
# space; no control characters (the reader drops them) and no commas or semicolons in list
# items (they separate keywords).
TEXT_CHARS = st.sampled_from(
    list("abcxyzABCXYZ0129 ")
    + list("ąćęłńóśźżĄĆĘŁŃÓŚŹŻäöüßéèçñøåæœÆŒ")
    + list("αβγΩ中文🧬\u00a0–—’")
    + list("{}\\&%$#_^~-'`\"!?@.,:;()[]<>/|*+=")
)
NAME_CHARS = st.sampled_from(list("abcxyzABCXYZ ąćęłńóśźżŁŚŹäöüßéçñø'-.,{}\\&%$#_^~中"))


def normalized(chars: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    """Text as a reader gives it back: single spaces, nothing at the ends."""
    return st.text(chars, max_size=max_size).map(lambda text: re.sub(" +", " ", text).strip())


def words(chars: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    return st.text(chars, max_size=max_size).map(lambda text: " ".join(text.split()))


text = normalized(TEXT_CHARS, 60)
list_item = words(TEXT_CHARS, 20).filter(lambda item: item and not set(item) & set(",;"))
person = st.builds(
    Author,
    family=words(NAME_CHARS, 20).filter(bool),
    given=words(NAME_CHARS, 20),
)
organisation = st.builds(Author, name=words(TEXT_CHARS, 40).filter(bool))
digits = st.integers(1, 10**9).map(str)
doi = st.builds(
    lambda prefix, suffix: f"10.{prefix}/{suffix}",
    st.integers(1000, 999999999),
    st.text(st.sampled_from(list("abcXYZ019.-_;()/:<>#%{}\\&~^$'\"@[]ąé")), min_size=1),
)


@st.composite
def dates(draw: st.DrawFn) -> tuple[int | None, str]:
    year = draw(st.one_of(st.none(), st.integers(1000, 2100)))
    if year is None:
        return None, ""
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    return year, draw(
        st.sampled_from([f"{year}", f"{year}-{month:02d}", f"{year}-{month:02d}-{day:02d}"])
    )


@st.composite
def records(draw: st.DrawFn, types: Sequence[str], min_authors: int = 0) -> WorkRecord:
    year, date = draw(dates())
    pages = draw(st.one_of(st.just(""), digits, st.builds("{}-{}".format, digits, digits)))
    article_number = draw(st.one_of(st.just(""), digits, st.builds("e{}".format, digits)))
    assume(pages != article_number or not pages)
    return WorkRecord(
        title=draw(text),
        type=draw(st.sampled_from(types)),
        abstract=draw(st.lists(text.filter(bool), max_size=3).map("\n\n".join)),
        container_title=draw(text),
        container_abbrev=draw(text),
        year=year,
        date=date,
        volume=draw(words(TEXT_CHARS, 8)),
        issue=draw(words(TEXT_CHARS, 8)),
        pages=pages,
        article_number=article_number,
        publisher=draw(text),
        language=draw(st.sampled_from(["", "en", "eng", "pl"])),
        doi=draw(st.one_of(st.just(""), doi)),
        pmid=draw(st.one_of(st.just(""), digits)),
        pmcid=draw(st.one_of(st.just(""), digits.map("PMC{}".format))),
        authors=tuple(
            draw(
                st.lists(
                    st.one_of(person, person, organisation), min_size=min_authors, max_size=100
                )
            )
        ),
        keywords=tuple(draw(st.lists(list_item, max_size=5, unique=True))),
    )


note = st.text(st.one_of(TEXT_CHARS, st.just("\n")), max_size=80).map(str.strip)
BIBTEX_TYPES = ["article-journal", "book", "chapter", "paper-conference", "thesis", "report"]
BIBTEX_TYPES += ["document", "manuscript", "pamphlet"]
BIBLATEX_TYPES = [*BIBTEX_TYPES, "webpage", "patent", "dataset", "software", "entry-encyclopedia"]


def entries(
    types: Sequence[str], max_size: int = 3, min_authors: int = 0
) -> st.SearchStrategy[list[BibEntry]]:
    entry = st.builds(
        BibEntry,
        record=records(types, min_authors),
        tags=st.lists(list_item, max_size=3, unique=True).map(tuple),
        notes=st.lists(note.filter(bool), max_size=1).map(tuple),
    )
    return st.lists(entry, min_size=1, max_size=max_size)


ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@ROUND_TRIP
@given(entries(BIBTEX_TYPES))
def test_bibtex_round_trip(generated: list[BibEntry]) -> None:
    result = round_trip(generated, write_bibtex)
    assert result.problems == []
    assert [comparable(entry) for entry in result.entries] == [comparable(e) for e in generated]


@ROUND_TRIP
@given(entries(BIBLATEX_TYPES))
def test_biblatex_round_trip(generated: list[BibEntry]) -> None:
    result = round_trip(generated, write_biblatex)
    assert result.problems == []
    assert [comparable(entry) for entry in result.entries] == [comparable(e) for e in generated]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries(BIBLATEX_TYPES, max_size=1, min_authors=90))
def test_up_to_100_authors_round_trip(generated: list[BibEntry]) -> None:
    for writer in WRITERS:
        [back] = round_trip(generated, writer).entries
        assert back.record.authors == generated[0].record.authors


@ROUND_TRIP
@given(entries(BIBTEX_TYPES, max_size=5))
def test_second_export_is_identical(generated: list[BibEntry]) -> None:
    first = write_bibtex(generated)
    assert write_bibtex(read_bibtex(first).entries) == first


FUZZ = settings(max_examples=300, deadline=None)


def only_format_error(text: str) -> None:
    try:
        result = read_bibtex(text)
    except FormatError:
        return
    assert all(isinstance(entry, BibEntry) for entry in result.entries)


@FUZZ
@given(st.text())
def test_fuzz_arbitrary_text(text: str) -> None:
    only_format_error(text)


@FUZZ
@given(st.text(st.sampled_from(list('@{}(),="#%\\ \nab1')), max_size=200))
def test_fuzz_bibtex_punctuation(text: str) -> None:
    only_format_error("@article{" + text)
    only_format_error(text)


FIELD_NAMES = "author title journal journaltitle booktitle shortjournal year month day date"
FIELD_NAMES += " volume number issue pages eid publisher school language doi url eprint"
FIELD_NAMES += " eprinttype pmid pmcid abstract keywords groups note annote subtitle"
field_value = st.one_of(
    st.text(max_size=30),
    st.text(st.sampled_from(list('{}\\"#,=@ and-~$%&0123456789²٣')), max_size=30),
)


@FUZZ
@given(
    st.lists(
        st.tuples(st.sampled_from(FIELD_NAMES.split()), field_value, st.sampled_from('{"')),
        max_size=6,
    ),
    st.sampled_from(["article", "book", "misc", "online", "set", "string", "comment"]),
)
def test_fuzz_known_fields(fields: list[tuple[str, str, str]], entry_type: str) -> None:
    body = ",\n".join(
        f"  {name} = {quote}{value}{'}' if quote == '{' else quote}"
        for name, value, quote in fields
    )
    only_format_error(f"@{entry_type}{{key,\n{body}\n}}\n")
    only_format_error(f"@{entry_type}{{key,\n{body.replace('{', '')}\n}}\n")


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 5), st.text(max_size=5)), max_size=8)
)
def test_fuzz_mutated_export(edits: list[tuple[int, int, str]]) -> None:
    text = write_bibtex([seed_entry(), BibEntry(WorkRecord(title="{x} & y", year=1999))])
    for position, deleted, inserted in edits:
        position %= len(text) + 1
        text = text[:position] + inserted + text[position + deleted :]
    only_format_error(text)


# Peers. The bibtex program and pybtex read what we write, bibtexparser reads the raw values
# the same way as pybtex.


def peer_values(text: str) -> dict[str, tuple[str, int]]:
    """key -> (raw title, number of authors), as pybtex parses the file."""
    database = pybtex.database.parse_string(text, "bibtex")
    return {
        key: (entry.fields.get("title", ""), len(entry.persons.get("author", [])))
        for key, entry in database.entries.items()
    }


def check_peers_parse(text: str, expected: Sequence[BibEntry]) -> None:
    pybtex_view = peer_values(text)
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    ours = read_bibtex(text).entries
    assert list(pybtex_view) == [entry.key for entry in library.entries]
    assert list(pybtex_view) == [entry.key for entry in ours]
    for entry, back, original in zip(library.entries, ours, expected, strict=True):
        raw_title = entry.fields_dict["title"].value if "title" in entry.fields_dict else ""
        pybtex_title, pybtex_authors = pybtex_view[entry.key]
        # pybtex collapses all whitespace, the no-break space included.
        assert pybtex_title.split() == raw_title.split()
        assert pybtex_authors == len(original.record.authors)
        assert back.record.title == original.record.title


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries(BIBTEX_TYPES, max_size=6))
def test_pybtex_and_bibtexparser_read_the_export(generated: list[BibEntry]) -> None:
    check_peers_parse(write_bibtex(generated), generated)


def test_pybtex_and_bibtexparser_read_the_seed() -> None:
    check_peers_parse(write_bibtex([seed_entry()]), [seed_entry()])
    check_peers_parse(write_biblatex([seed_entry()]), [seed_entry()])


def run_bibtex(text: str, tmp_path: Path) -> tuple[str, str]:
    """Run the real bibtex with the plain style over ``text``; return (.bbl, .blg)."""
    if shutil.which("bibtex") is None:
        pytest.skip("the bibtex program is not installed")
    (tmp_path / "refs.bib").write_text(text, encoding="utf-8")
    (tmp_path / "doc.aux").write_text("\\citation{*}\n\\bibstyle{plain}\n\\bibdata{refs}\n")
    process = subprocess.run(
        ["bibtex", "doc"], cwd=tmp_path, capture_output=True, timeout=60, check=False
    )
    log = (tmp_path / "doc.blg").read_text(encoding="utf-8", errors="replace")
    # 0: clean, 1: warnings (e.g. a missing required field), 2 and more: errors.
    assert process.returncode in (0, 1), log
    assert "error message" not in log, log
    return (tmp_path / "doc.bbl").read_text(encoding="utf-8", errors="replace"), log


def test_bibtex_program_formats_the_seed_and_awkward_entries(tmp_path: Path) -> None:
    awkward = BibEntry(
        WorkRecord(
            title="{DNA} & mRNA: 50% of $5 #1 under_score ~ ^ \\ -- '' ``",
            authors=(
                Author(name="World Health Organization"),
                Author(family="Golkar Narenji"),
                Author(family="Smith, Jr", given="John"),
                Author(family="Smith and Jones", given="A"),
                Author(family="-", given="-"),
            ),
            year=2020,
            pages="1-10",
            doi="10.1000/a{b}%c",
        ),
        key="awkward",
        notes=("A private note that must not be printed",),
    )
    bbl, _ = run_bibtex(write_bibtex([seed_entry(), awkward]), tmp_path)
    assert "\\bibitem{stefanska2023role}" in bbl and "\\bibitem{awkward}" in bbl
    assert "Stefańska" in bbl and "Podhorska-Okołów" in bbl
    assert "{Therapy-Recent}" in bbl  # protected from the style's sentence case
    assert "{mRNA:}" in bbl
    assert "private note" not in bbl  # notes go to annote, which styles do not print


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    generated=entries(BIBTEX_TYPES, max_size=8),
    crowded=entries(BIBTEX_TYPES, max_size=1, min_authors=100),
)
def test_bibtex_program_runs_on_generated_exports(
    generated: list[BibEntry], crowded: list[BibEntry], tmp_path_factory: pytest.TempPathFactory
) -> None:
    everything = generated + crowded
    bbl, _ = run_bibtex(write_bibtex(everything), tmp_path_factory.mktemp("bibtex"))
    assert len(re.findall(r"\\bibitem\{", bbl)) == len(everything)


# -- the reader's fast paths give what the general code gives ---------------------------------

_SOUP = st.lists(
    st.sampled_from([*"ab Z1é\u00a0\u3000\t\n\r\x0b\x1f{}$~`'!?-\\&%#_^\"", "and", "AND"]),
    max_size=40,
).map("".join)
_OLD_LATEX_CHARS = re.compile(r"[\\{}$~]|--|``|''|[!?]`")


@settings(max_examples=500, deadline=None)
@given(_SOUP)
def test_reading_fast_paths_agree_with_the_general_ones(value: str) -> None:
    # A value the substring tests call LaTeX-free has nothing _LATEX_CHARS would find.
    if not bibtex_module._may_hold_latex(value):
        assert _OLD_LATEX_CHARS.search(value) is None
    # Blank as the reader tells it (isspace) is blank as strip tells it.
    assert (bool(value) and not value.isspace()) == bool(value.strip())
    # Abstracts: one printable line, or the paragraph by paragraph reading.
    text = bibtex_module._decode(value)
    cleaned = bibtex_module._clean(text).replace("\r\n", "\n")
    paragraphs = bibtex_module._PARAGRAPH_BREAK.split(cleaned)
    slow = "\n\n".join(p for p in (bibtex_module._one_spaced(p).strip() for p in paragraphs) if p)
    assert bibtex_module._paragraphs(value) == slow
    # Name lists without braces: split at once, or word by word.
    unbraced = value.replace("{", "").replace("}", "")
    assert bibtex_module._split_names(unbraced) == bibtex_module._names_by_words(unbraced)
    # Cached one-line text is the text.
    assert bibtex_module._text(value) == (bibtex_module._one_line(value) if value else "")


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("Smith, A and Jones, B", ["Smith, A", "Jones, B"]),
        ("Smith, A AND Jones, B and\tand Lee", ["Smith, A", "Jones, B", "Lee"]),
        ("and Smith, A and", ["Smith, A"]),
        ("Anderson, A and Andrews, B", ["Anderson, A", "Andrews, B"]),
        ("Smith,\n  A  and  Jones", ["Smith, A", "Jones"]),
        ("Gal\u00a0and Pál", ["Gal\u00a0and Pál"]),  # a no-break space belongs to its word
    ],
)
def test_name_lists_split_at_and_words(value: str, names: list[str]) -> None:
    assert bibtex_module._split_names(value) == names
    assert bibtex_module._names_by_words(value) == names


def test_abstracts_keep_their_paragraphs_and_decode_latex() -> None:
    entry = read_one(
        "@article{k,\n  title = {T},\n  abstract = {First  part,\n  still first.\n\n"
        "Second -- with {DNA} and \\& more.},\n}\n"
    )
    assert entry.record.abstract == "First part, still first.\n\nSecond \u2013 with DNA and & more."
    entry = read_one("@article{k, title = {T}, abstract = {One  line,  spaced}}")
    assert entry.record.abstract == "One line, spaced"
