"""EndNote XML: EndNote's own layout, the seed review, round trips, the standard library's
parser as a peer, unsafe XML (external entities, entity bombs), bad input and fuzzing."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exodesk.core.records import Author, WorkRecord
from exodesk.default_library import review_from_facts
from exodesk.formats.base import BibEntry, FormatError, ReadResult
from exodesk.formats.endnote_xml import (
    MAX_FIELD_CHARS,
    REF_TYPES,
    looks_like,
    read_endnote_xml,
    write_endnote_xml,
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


def library(*records: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xml><records>\n'
        + "\n".join(records)
        + ("\n</records></xml>\n")
    )


# --- EndNote's layout ---------------------------------------------------------------------


def test_endnote_export() -> None:
    result = read_endnote_xml(fixture("endnote_library.xml"), source_name="library.xml")
    assert result.problems == []
    first, second = result.entries
    record = first.record
    assert (first.line, second.line) == (1, 2)
    assert record.title == REVIEW_TITLE  # inside <style> elements
    assert (record.pmid, record.doi) == ("36766698", "10.3390/cells12030356")  # NLM provider
    assert (record.year, record.date) == (2023, "2023-01-18")  # "Jan 18" with the year
    assert (record.pages, record.article_number) == ("356", "356")
    assert (record.volume, record.issue) == ("12", "3")
    assert (record.container_title, record.container_abbrev) == ("Cells", "Cells")
    assert record.authors[0] == Author(family="Stefańska", given="K.")
    assert len(record.authors) == 14
    assert record.keywords == ("Animals", "Carcinogenesis", "Drug Carriers/therapeutic use")
    assert record.abstract.startswith("Exosomes are biological nanoscale")
    assert first.tags == ("to read", "exosomes")
    assert first.notes == ("Synthetic research note & <markup>.",)

    book = second.record
    assert book.type == "chapter"
    assert book.title == "Synthetic record four"  # two style runs
    assert book.authors == (
        Author(name="Synthetic Consortium"),  # trailing comma
        Author(family="Ñúñez", given="Ana María"),  # "Given Family"
    )
    assert book.doi == "10.1234/synthetic.0004"  # from a doi.org address
    assert book.pmid == ""  # "WOS:..." is not a PMID
    assert book.pmcid == "PMC4"
    assert (book.year, book.date, book.publisher) == (2019, "2019-03-04", "Synthetic Press")
    assert second.notes == ("First synthetic note.", "Second synthetic note.")


def test_looks_like() -> None:
    assert looks_like(fixture("endnote_library.xml"))
    assert looks_like(write_endnote_xml([]))
    assert not looks_like(fixture("ris_wos.ris"))
    assert not looks_like(fixture("medline_pubmed.nbib"))
    assert not looks_like('<?xml version="1.0"?><html></html>')


# --- writing ------------------------------------------------------------------------------


def test_written_record_follows_endnote_order_and_parses_in_the_standard_library() -> None:
    entry = BibEntry(review(), key="k", tags=("to read", "b"), notes=("one", "two"))
    root = ET.fromstring(write_endnote_xml([entry]))  # the peer: any XML parser
    (record,) = root.findall("records/record")
    assert [child.tag for child in record] == [
        "rec-number", "ref-type", "contributors", "titles", "periodical", "volume", "number",
        "keywords", "dates", "publisher", "accession-num", "electronic-resource-num", "label",
        "notes", "language", "custom7",
    ]  # fmt: skip
    ref_type = record.find("ref-type")
    assert ref_type is not None
    assert (ref_type.get("name"), ref_type.text) == ("Journal Article", "17")
    assert record.findtext("titles/title") == REVIEW_TITLE
    assert record.findtext("contributors/authors/author") == "Stefańska, Katarzyna"
    assert record.findtext("accession-num") == "PMID: 36766698"
    assert record.findtext("label") == "to read; b"
    assert record.findtext("notes") == "one\n\n\u2042\n\ntwo"


def test_organisations_get_endnotes_trailing_comma() -> None:
    entry = BibEntry(WorkRecord(title="t", authors=(Author(name="World Health Organization"),)))
    text = write_endnote_xml([entry])
    assert "<author>World Health Organization,</author>" in text
    assert read_endnote_xml(text).entries[0].record.authors == entry.record.authors


def test_characters_xml_cannot_hold_are_dropped() -> None:
    entry = BibEntry(WorkRecord(title="a\x00b\x1fc\ufffed <&> ]]>"), notes=("x\r\ny",))
    (back,) = read_endnote_xml(write_endnote_xml([entry])).entries
    assert back.record.title == "abcd <&> ]]>"
    assert back.notes == ("x\ny",)


def test_seed_review_round_trip() -> None:
    record = review()
    entry = BibEntry(record, key="stefanska2023", tags=("to read",), notes=("Line one\n\nTwo",))
    (back,) = read_endnote_xml(write_endnote_xml([entry])).entries
    assert replace(back.record, source_line=None) == replace(
        record,
        subjects=(),
        authors=tuple(replace(author, affiliations=()) for author in record.authors),
    )
    assert (back.key, back.tags, back.notes) == ("", ("to read",), ("Line one\n\nTwo",))


# --- round trips --------------------------------------------------------------------------

LATEX = "{}\\&%$#_^~<>"
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
some_text = line_text.filter(bool)
block_text = st.text(st.one_of(TEXT_CHARS, st.just("\n")), max_size=200).map(str.strip)
name = st.text(NAME_CHARS, min_size=1, max_size=10)
names = st.lists(name, min_size=1, max_size=3).map(" ".join)
# A person without a given name keeps a one-word family name (see the module's lossy list).
person = st.builds(Author, family=names, given=names) | st.builds(Author, family=name)
organisation = st.builds(Author, name=some_text.filter(lambda text: not text.endswith(",")))
dois = st.from_regex(r"10\.[0-9]{4,9}/[-._;()/:A-Za-z0-9<>#&\[\]ąé]{1,30}", fullmatch=True)


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
    record = WorkRecord(
        title=title,
        type=draw(st.sampled_from(sorted(REF_TYPES))),
        abstract=draw(block_text),
        container_title=draw(line_text),
        container_abbrev=draw(line_text),
        year=year,
        date=date,
        volume=draw(line_text),
        issue=draw(line_text),
        pages=draw(line_text),
        article_number=draw(line_text),
        publisher=draw(line_text),
        language=draw(line_text),
        doi=draw(st.just("") | dois),
        pmid=pmid if title or pmid else "1",  # a record without title or identifier is skipped
        pmcid=draw(st.just("") | st.integers(1, 10**9).map(lambda n: f"PMC{n}")),
        authors=tuple(draw(st.lists(person | organisation, min_size=1, max_size=100))),
        keywords=tuple(draw(st.lists(some_text, max_size=4, unique=True))),
    )
    tags = st.lists(some_text.filter(lambda tag: ";" not in tag), max_size=3, unique=True)
    notes = st.lists(block_text.filter(lambda note: note and "\u2042" not in note), max_size=3)
    return BibEntry(
        record=record, key=draw(line_text), tags=tuple(draw(tags)), notes=tuple(draw(notes))
    )


def expected(entry: BibEntry) -> BibEntry:
    """What EndNote XML gives back: everything but the key (and subjects, ORCIDs...)."""
    return BibEntry(entry.record, tags=entry.tags, notes=entry.notes)


@PROPERTY
@given(st.lists(entries(), max_size=3))
def test_round_trip(original: list[BibEntry]) -> None:
    result = read_endnote_xml(write_endnote_xml(original))
    assert result.problems == []
    assert [comparable(entry) for entry in result.entries] == [
        comparable(expected(entry)) for entry in original
    ]
    lines = [entry.line or 0 for entry in result.entries]
    assert 0 not in lines and lines == sorted(set(lines))


@QUICK
@given(st.lists(entries(), min_size=1, max_size=3))
def test_standard_library_reads_every_export(original: list[BibEntry]) -> None:
    root = ET.fromstring(write_endnote_xml(original))
    records = root.findall("records/record")
    assert [record.findtext("titles/title") or "" for record in records] == [
        entry.record.title for entry in original
    ]
    assert [record.findtext("electronic-resource-num") or "" for record in records] == [
        entry.record.doi for entry in original
    ]


# --- unsafe XML ---------------------------------------------------------------------------


def test_external_entity_is_refused_and_the_file_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", "utf-8")
    text = (
        f'<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY e SYSTEM "{secret.as_uri()}">]>\n'
        "<xml><records><record><titles><title>&e;</title></titles></record></records></xml>"
    )
    with pytest.raises(FormatError, match=r"entities .* for safety") as error:
        read_endnote_xml(text, source_name="evil.xml")
    assert "TOP-SECRET" not in str(error.value)
    assert str(error.value).startswith("evil.xml: ")


def test_parameter_entity_is_refused() -> None:
    text = '<!DOCTYPE xml [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><xml><records/></xml>'
    with pytest.raises(FormatError, match="for safety"):
        read_endnote_xml(text)


def test_billion_laughs_is_refused_quickly() -> None:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    text = (
        f'<?xml version="1.0"?><!DOCTYPE xml [{"".join(levels)}]>'
        "<xml><records><record><titles><title>&lol9;</title></titles></record></records></xml>"
    )
    start = time.perf_counter()
    with pytest.raises(FormatError, match="for safety"):
        read_endnote_xml(text)
    assert time.perf_counter() - start < 1


def test_external_dtd_is_not_fetched() -> None:
    # expat reads no external DTD: the record is read without any network access.
    text = library("<record><titles><title>t</title></titles></record>").replace(
        "<xml>", '<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/endnote.dtd">\n<xml>', 1
    )
    assert read_endnote_xml(text).entries[0].record.title == "t"


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "  \n"])
def test_empty_file(text: str) -> None:
    with pytest.raises(FormatError, match="empty"):
        read_endnote_xml(text)


def test_binary_file() -> None:
    with pytest.raises(FormatError, match="binary"):
        read_endnote_xml("<xml>\x00\x01</xml>")


def test_truncated_file_names_its_line() -> None:
    text = fixture("endnote_library.xml")
    with pytest.raises(FormatError, match="truncated") as error:
        read_endnote_xml(text[: text.index("Synthetic Press")], source_name="cut.xml")
    assert error.value.line == 2
    assert str(error.value).startswith("cut.xml, line 2: ")


def test_malformed_xml_names_its_line() -> None:
    with pytest.raises(FormatError, match="not well-formed") as error:
        read_endnote_xml(library("<record>\n<titles><title>t</titel></titles></record>"))
    assert error.value.line == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("TY  - JOUR\nER  - \n", "not an XML file"),
        ('<?xml version="1.0"?><html><body/></html>', "not an EndNote XML file"),
        ("<xml><other/></xml>", "not an EndNote XML file"),
    ],
)
def test_other_formats(text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        read_endnote_xml(text)


def test_bad_records_inside_a_good_file_are_skipped_with_their_line() -> None:
    text = library(
        "<record><titles><title>Good one</title></titles></record>",  # line 3
        "<record><contributors><authors><author>Nobody, N</author></authors></contributors>"
        "</record>",  # 4: no title, no identifier
        "<record><titles><title>Bad DOI kept</title></titles>"
        "<electronic-resource-num>11.1/bad</electronic-resource-num>"
        "<dates><year>sometime</year></dates></record>",  # 5
        "<record><titles><title>Good two</title></titles></record>",
    )
    result = read_endnote_xml(text)
    assert [entry.record.title for entry in result.entries] == [
        "Good one",
        "Bad DOI kept",
        "Good two",
    ]
    assert [entry.line for entry in result.entries] == [3, 5, 6]
    assert [problem.line for problem in result.problems] == [4, 5, 5]
    messages = [problem.message for problem in result.problems]
    assert "neither a title nor" in messages[0]
    assert "ignored unreadable year 'sometime'; record kept" in messages
    assert "ignored invalid DOI: '11.1/bad' (expected 10.NNNN/suffix); record kept" in messages


def test_a_50_mb_field_skips_its_record_quickly() -> None:
    huge = "x" * (50 * 1024 * 1024)
    text = library(
        "<record><titles><title>a</title></titles></record>",
        f"<record><titles><title>Huge</title></titles><abstract>{huge}</abstract></record>",
        "<record><titles><title>b</title></titles></record>",
    )
    start = time.perf_counter()
    result = read_endnote_xml(text)
    assert time.perf_counter() - start < 10
    assert [entry.record.title for entry in result.entries] == ["a", "b"]
    (problem,) = result.problems
    assert problem.line == 4
    assert f"<abstract> is larger than {MAX_FIELD_CHARS:,} characters" in problem.message


# --- fuzzing ------------------------------------------------------------------------------


def read_or_format_error(text: str) -> None:
    try:
        result = read_endnote_xml(text)
    except FormatError:
        return
    assert isinstance(result, ReadResult)


@FUZZ
@given(st.text())
def test_fuzz_any_text(text: str) -> None:
    read_or_format_error(text)


@FUZZ
@given(st.binary(max_size=500))
def test_fuzz_bytes(data: bytes) -> None:
    read_or_format_error(data.decode("latin-1"))


ELEMENTS = ["record", "titles", "title", "authors", "author", "contributors", "dates", "year",
            "date", "pub-dates", "ref-type", "notes", "label", "accession-num", "custom2",
            "electronic-resource-num", "keywords", "keyword", "style"]  # fmt: skip


@st.composite
def xml_soup(draw: st.DrawFn, depth: int = 0) -> str:
    """Random nestings of EndNote's own elements, with random text and attributes."""
    tag = draw(st.sampled_from(ELEMENTS))
    attribute = draw(st.just("") | st.sampled_from([' name="Book"', ' name="x"', ' face="i"']))
    children = draw(st.lists(xml_soup(depth + 1), max_size=3)) if depth < 4 else []
    text = draw(
        st.text(st.characters(exclude_categories=["Cs"], exclude_characters="<&"), max_size=12)
    )
    return f"<{tag}{attribute}>{text}{''.join(children)}</{tag}>"


@QUICK
@given(st.lists(xml_soup(), max_size=4))
def test_fuzz_element_soup(records: list[str]) -> None:
    read_or_format_error(library(*records))


SNIPPETS = ["<", ">", "</record>", "<record>", "&amp;", "&", "<!ENTITY x 'y'>", "\x00",
            "<![CDATA[<record>]]>", "<!-- <record> -->", "\n", '"']  # fmt: skip


@FUZZ
@given(st.data())
def test_fuzz_mutated_files(data: st.DataObject) -> None:
    text = fixture("endnote_library.xml")
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(at, min(len(text), at + 40)))
        insert = data.draw(st.sampled_from(SNIPPETS) | st.text(max_size=8))
        text = text[:at] + insert + text[end:]
    read_or_format_error(text)
