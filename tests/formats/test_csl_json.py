"""CSL-JSON: field mapping, bad items, round trips, fuzzing, and pandoc's citeproc as a peer."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from exodesk.core.records import Author, WorkRecord
from exodesk.formats.base import BibEntry, FormatError, ReadResult
from exodesk.formats.csl_json import (
    CSL_TYPES,
    MAX_FIELD_CHARS,
    looks_like,
    read_csl_json,
    write_csl_json,
)

DATA = Path(__file__).parent / "data"
SEED = Path(__file__).parents[2] / "resources" / "seed" / "review-36766698.json"


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
    return BibEntry(record, tags=("to read",), notes=("Cited in **chapter 2**.",))


def comparable(entry: BibEntry) -> tuple[WorkRecord, tuple[str, ...], tuple[str, ...]]:
    return replace(entry.record, source_line=None), entry.tags, entry.notes


def items(entries: Sequence[BibEntry]) -> list[dict]:
    return json.loads(write_csl_json(entries))


# --------------------------------------------------------------------------------------
# The review, exactly


def test_seed_review_round_trips_exactly() -> None:
    entry = seed_entry()
    result = read_csl_json(write_csl_json([entry]))
    assert result.problems == []
    [back] = result.entries
    assert back.key == "stefanska2023role"
    assert comparable(back) == comparable(entry)
    assert back.record.authors[10] == Author(family="Podhorska-Okołów", given="Marzenna")


def test_seed_review_as_csl_json() -> None:
    [item] = items([seed_entry()])
    assert item["id"] == "stefanska2023role"
    assert item["type"] == "article-journal"
    assert item["author"][0] == {"family": "Stefańska", "given": "Katarzyna"}
    assert len(item["author"]) == 14
    assert item["container-title"] == "Cells"
    assert item["issued"] == {"date-parts": [[2023, 1, 18]]}
    assert (item["volume"], item["issue"]) == ("12", "3")
    assert (item["page"], item["number"]) == ("356", "356")  # the article number, twice
    assert (item["DOI"], item["PMID"]) == ("10.3390/cells12030356", "36766698")
    assert item["keyword"] == "cancer, cancer therapies, drug resistance, exosomes, to read"
    assert item["custom"] == {"tags": ["to read"]}
    assert item["note"] == "Cited in **chapter 2**."
    assert "PMCID" not in item and "abstract" not in item  # empty variables are left out


def test_written_text_is_utf8_json_with_non_ascii_kept() -> None:
    text = write_csl_json([seed_entry()])
    assert "Stefańska" in text and text.endswith("\n")
    assert write_csl_json([]) == "[]\n"
    assert read_csl_json("[]\n") == ReadResult()


# --------------------------------------------------------------------------------------
# Reading what other tools write


def test_fixture_items() -> None:
    result = read_csl_json((DATA / "csl_items.json").read_text(encoding="utf-8"), source_name="x")
    review, raw_date, literal = result.entries
    record = review.record
    assert (review.key, review.line, record.source_line) == ("stefanska2023role", 2, 2)
    assert record.authors == (
        Author(family="Stefańska", given="Katarzyna"),
        Author(family="Józkowiak", given="Małgorzata"),
        Author(family="van Beethoven", given="Ludwig"),
        Author(family="Smith, Jr.", given="John"),
        Author(name="World Health Organization"),
    )
    assert (record.year, record.date, record.volume) == (2023, "2023-01-18", "12")
    assert (record.container_abbrev, record.doi) == ("Cells", "10.3390/cells12030356")
    assert record.keywords == ("cancer", "exosomes")
    assert review.notes == ("Zotero note",)
    assert (raw_date.key, raw_date.record.type) == ("42", "document")
    assert (raw_date.record.date, raw_date.record.pages) == ("2019-07", "10-20")
    assert (literal.record.year, literal.record.date) == (2018, "2018")
    assert [problem.describe("x") for problem in result.problems] == [
        "x, line 24: item skipped: not a CSL item (a JSON str, not an object)",
        "x, line 25: item '42': invalid DOI: 'not a doi' (expected 10.NNNN/suffix); "
        "identifier dropped",
        "x, line 33: item 'bad-author' skipped: 'author' is not a list",
    ]


def test_single_object_is_one_item() -> None:
    result = read_csl_json('{"id": "a", "type": "book", "title": "Alone"}')
    assert [(e.key, e.record.type, e.record.title) for e in result.entries] == [
        ("a", "book", "Alone")
    ]


@pytest.mark.parametrize(
    ("variable", "value", "attribute", "expected"),
    [
        ("issued", {"date-parts": [[2020]]}, "date", "2020"),
        ("issued", {"date-parts": [[2020, 13]]}, "date", "2020"),
        ("issued", {"date-parts": [["x"]]}, "year", None),
        ("issued", {"date-parts": [["²"]]}, "year", None),
        ("issued", {"date-parts": [[2020, "١"]]}, "date", "2020"),
        ("issued", {"raw": "2021-02-03"}, "date", "2021-02-03"),
        ("issued", "2020", "year", None),
        ("page", "12–19", "pages", "12-19"),
        ("page", 12, "pages", "12"),
        ("number", "e42", "article_number", "e42"),
        ("container-title-short", "J X", "container_abbrev", "J X"),
        ("journalAbbreviation", "J Y", "container_abbrev", "J Y"),
        ("keyword", "a; b, c", "keywords", ("a", "b", "c")),
        ("PMCID", "pmc77", "pmcid", "PMC77"),
        ("PMID", 36766698, "pmid", "36766698"),
        ("title", "  spaced\n  out ", "title", "spaced out"),
    ],
)
def test_variable_mapping(variable: str, value: object, attribute: str, expected: object) -> None:
    [entry] = read_csl_json(json.dumps([{"id": "k", variable: value}])).entries
    assert getattr(entry.record, attribute) == expected


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"title": ["a"]}, "'title' is not text"),
        ({"title": True}, "'title' is not text"),
        ({"author": [{"family": 1.5, "given": {}}]}, "'given' is not text"),
        ({"author": ["Smith"]}, "an author is not an object"),
        ({"custom": []}, "'custom' is not an object"),
        ({"custom": {"tags": "a"}}, "'custom.tags' is not a list of strings"),
        ({"title": "x" * (MAX_FIELD_CHARS + 1)}, "longer than 1,000,000 characters"),
    ],
)
def test_malformed_items_are_skipped(item: dict, reason: str) -> None:
    result = read_csl_json(json.dumps([{"id": "ok"}, item]))
    assert [entry.key for entry in result.entries] == ["ok"]
    [problem] = result.problems
    assert problem.line == 1 and reason in problem.message


def test_item_lines_follow_the_text() -> None:
    text = '[\n  {"id": "a"},\n\n  {"id": "b",\n   "title": "B"}, {"id": "c"}\n]'
    assert [entry.line for entry in read_csl_json(text).entries] == [2, 4, 5]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "empty", None),
        ("\n \n", "empty", None),
        ('[{"id": "a"}]\x00', "binary", None),
        ('[\n  {"id": "a"},\n  {"id": "b"\n]', "Expecting ',' delimiter", 4),
        ('[\n  {"id": "a"}\n  {"id": "b"}\n]', "expected ',' or ']'", 3),
        ('[\n  {"id": "a"},\n', "Expecting value", 3),
        ('[{"id": "a"}] trailing', "extra data", 1),
        ("TY  - JOUR", "Expecting value", 1),
        ("[" * 100_000, "nested too deeply", None),
        ("[" + "9" * 5000 + "]", "not valid JSON", None),
    ],
)
def test_unreadable_files_raise_format_error(text: str, message: str, line: int | None) -> None:
    with pytest.raises(FormatError, match=re.escape(message)) as caught:
        read_csl_json(text, source_name="in.json")
    assert caught.value.line == line
    assert caught.value.source_name == "in.json"


def test_50_mb_text_completes() -> None:
    result = read_csl_json(json.dumps([{"id": "big", "abstract": "word " * 10_000_000}]))
    assert result.entries == [] and "longer than" in result.problems[0].message


def test_looks_like() -> None:
    assert looks_like('[\n  {"id": "a", "type": "book"}\n]')
    assert looks_like('\ufeff{"title": "x"}')
    assert looks_like("[ ]")
    assert not looks_like("@article{k, title = {x}}")
    assert not looks_like('{"name": "package.json"}')


def test_tags_notes_and_keywords_conventions() -> None:
    entry = BibEntry(
        WorkRecord(title="T", keywords=("exosomes",)),
        tags=("exosomes", "to read"),
        notes=("first", "second"),
    )
    [item] = items([entry])
    assert item["keyword"] == "exosomes, exosomes, to read"
    assert item["custom"] == {"tags": ["exosomes", "to read"]}
    assert item["note"] == "first\n\nsecond"
    [back] = read_csl_json(write_csl_json([entry])).entries
    assert (back.record.keywords, back.tags, back.notes) == (
        ("exosomes",),
        ("exosomes", "to read"),
        ("first\n\nsecond",),
    )


@pytest.mark.parametrize(
    ("author", "written"),
    [
        (
            Author(family="Smith, Jr", given="John"),
            {"family": "Smith", "suffix": "Jr", "given": "John"},
        ),
        (Author(family="Smith , Jr", given="J"), {"family": "Smith , Jr", "given": "J"}),
        (Author(family="A, B, C"), {"family": "A, B, C"}),
        (Author(name="World Health Organization"), {"literal": "World Health Organization"}),
    ],
)
def test_names_are_written_and_read_back(author: Author, written: dict) -> None:
    entry = BibEntry(WorkRecord(title="T", authors=(author,)))
    assert items([entry])[0]["author"] == [written]
    assert read_csl_json(write_csl_json([entry])).entries[0].record.authors == (author,)


def test_ids_are_generated_like_bibtex_keys() -> None:
    record = seed_entry().record
    ids = [item["id"] for item in items([BibEntry(record), BibEntry(record, key="mine")])]
    assert ids == ["stefanska2023role", "mine"]


# --------------------------------------------------------------------------------------
# Generated records

TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]) | st.sampled_from("\n\t"),
    max_size=60,
).map(lambda text: re.sub(r"[ \t\n\r\f\v]+", " ", text).strip())
LIST_ITEM = TEXT.filter(lambda item: item and not set(item) & set(",;"))
person = st.builds(Author, family=TEXT.filter(bool), given=TEXT)
organisation = st.builds(Author, name=TEXT.filter(bool))
digits = st.integers(1, 10**9).map(str)


@st.composite
def records(draw: st.DrawFn) -> WorkRecord:
    year = draw(st.one_of(st.none(), st.integers(1, 9999)))
    date = ""
    if year is not None:
        month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
        date = draw(st.sampled_from([f"{year:04d}", f"{year:04d}-{month:02d}"]))
        date = draw(st.sampled_from([date, f"{year:04d}-{month:02d}-{day:02d}"]))
    pages = draw(st.one_of(st.just(""), digits, st.builds("{}-{}".format, digits, digits)))
    article_number = draw(st.one_of(st.just(""), digits))
    assume(not pages or pages != article_number)
    return WorkRecord(
        title=draw(TEXT),
        type=draw(st.sampled_from(sorted(CSL_TYPES))),
        abstract=draw(st.text(max_size=200).map(str.strip)),
        container_title=draw(TEXT),
        container_abbrev=draw(TEXT),
        year=year,
        date=date,
        volume=draw(TEXT),
        issue=draw(TEXT),
        pages=pages,
        article_number=article_number,
        publisher=draw(TEXT),
        language=draw(TEXT),
        doi=draw(
            st.one_of(st.just(""), st.from_regex(r"10\.[0-9]{4,9}/[!-~]{1,20}", fullmatch=True))
        ),
        pmid=draw(st.one_of(st.just(""), digits)),
        pmcid=draw(st.one_of(st.just(""), digits.map("PMC{}".format))),
        authors=tuple(draw(st.lists(st.one_of(person, person, organisation), max_size=100))),
        keywords=tuple(draw(st.lists(LIST_ITEM, max_size=5, unique=True))),
    )


entry = st.builds(
    BibEntry,
    record=records(),
    tags=st.lists(LIST_ITEM, max_size=3, unique=True).map(tuple),
    notes=st.lists(st.text(min_size=1).map(str.strip).filter(bool), max_size=1).map(tuple),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entry, min_size=1, max_size=4))
def test_round_trip(generated: list[BibEntry]) -> None:
    result = read_csl_json(write_csl_json(generated))
    assert result.problems == []
    assert [comparable(e) for e in result.entries] == [comparable(e) for e in generated]


def only_format_error(text: str) -> None:
    try:
        result = read_csl_json(text)
    except FormatError:
        return
    assert all(isinstance(entry, BibEntry) for entry in result.entries)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fuzz_arbitrary_text(text: str) -> None:
    only_format_error(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
CSL_KEYS = "id type title author issued page number DOI PMID PMCID keyword custom note"
CSL_KEYS += " container-title family given literal date-parts raw tags abstract volume"
csl_keys = st.sampled_from(CSL_KEYS.split())
csl_like = st.recursive(
    json_values,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(csl_keys, inner, max_size=6),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(csl_like)
def test_fuzz_json_shaped_like_csl(value: object) -> None:
    only_format_error(json.dumps(value))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 5), st.text(max_size=5)), max_size=8)
)
def test_fuzz_mutated_export(edits: list[tuple[int, int, str]]) -> None:
    text = write_csl_json([seed_entry()])
    for position, deleted, inserted in edits:
        position %= len(text) + 1
        text = text[:position] + inserted + text[position + deleted :]
    only_format_error(text)


# --------------------------------------------------------------------------------------
# Peer: pandoc's citeproc renders what we write


def render(text: str, tmp_path: Path) -> str:
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed")
    (tmp_path / "refs.json").write_text(text, encoding="utf-8")
    process = subprocess.run(
        ["pandoc", "--citeproc", "--bibliography=refs.json", "-t", "plain", "--wrap=none"],
        input='---\nnocite: "@*"\n---\n',
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert process.returncode == 0, process.stderr
    assert "WARNING" not in process.stderr, process.stderr
    return process.stdout


def test_pandoc_renders_every_title(tmp_path: Path) -> None:
    others = [
        BibEntry(
            WorkRecord(
                title="Exosomal lncRNAs in Łódź and Zürich",
                authors=(Author(name="World Health Organization"), Author("Dzięgiel", "Piotr")),
                year=2024,
                container_title="Front Oncol",
                pages="10-20",
            )
        ),
        BibEntry(WorkRecord(title="A book without authors", type="book", publisher="MDPI")),
        BibEntry(WorkRecord(title="Dataset of everything", type="dataset", year=1999)),
    ]
    output = render(write_csl_json([seed_entry(), *others]), tmp_path)
    flat = " ".join(output.split()).casefold()  # styles may change the case of titles
    for entry in [seed_entry(), *others]:
        assert entry.record.title.casefold() in flat
    assert "stefańska" in flat and "10.3390/cells12030356" in flat


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated=st.lists(entry, min_size=1, max_size=6))
def test_pandoc_renders_generated_exports(
    generated: list[BibEntry], tmp_path_factory: pytest.TempPathFactory
) -> None:
    output = render(write_csl_json(generated), tmp_path_factory.mktemp("pandoc"))
    assert output.strip()
