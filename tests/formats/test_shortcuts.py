"""Shortcuts in the readers and writers (tests that skip work, written-out layouts) give
exactly what the plain code they replace gave; the plain code is kept here."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exodesk.core.records import Author, WorkRecord
from exodesk.formats import bibtex, csl_json, ris
from exodesk.formats.base import BibEntry

MANY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_SPECIALS = st.text(st.sampled_from(list("\\{}&%$#_~^`'!?@-\n \tabCD\u00e9\u03b2\u00a0")))


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


def _braced(latex: str) -> str:
    return f"{{{latex}}}" if latex else ""


def _entry_fields(entry: BibEntry, dialect: bibtex._Dialect) -> list[tuple[str, str]]:
    """Every field through the plain escape, as the writer did before it asked once per
    entry whether anything needs escaping."""
    record, biblatex = entry.record, dialect.biblatex
    escape = bibtex._escape
    if record.pages:
        pages = "--".join(escape(part) for part in record.pages.split("-"))
    else:
        pages = "" if biblatex else escape(record.article_number)
    identifiers = [("doi", _braced(bibtex._doi_latex(record.doi)) if record.doi else "")]
    if biblatex and record.pmid:
        identifiers += [("eprint", _braced(record.pmid)), ("eprinttype", "{pubmed}")]
    else:
        identifiers.append(("pmid", _braced(record.pmid)))
    identifiers.append(("pmcid", _braced(record.pmcid)))
    fields = [
        ("author", _braced(bibtex._authors_latex(record.authors))),
        ("title", _braced(_title_latex_word_by_word(record.title))),
        (dialect.container_field(record), _braced(escape(record.container_title))),
        ("shortjournal", _braced(escape(record.container_abbrev))),
        *[(n, v if n == "month" else _braced(v)) for n, v in bibtex._date_fields(record, biblatex)],
        ("volume", _braced(escape(record.volume))),
        ("number", _braced(escape(record.issue))),
        ("pages", _braced(pages)),
        ("eid", _braced(escape(record.article_number))),
        (dialect.publisher_field(record), _braced(escape(record.publisher))),
        ("type", _braced(dialect.subtype(record))),
        ("language", _braced(escape(record.language))),
        *identifiers,
        ("abstract", _braced(escape(record.abstract))),
        ("keywords", _braced(", ".join(escape(item) for item in (*record.keywords, *entry.tags)))),
        ("groups", _braced(", ".join(escape(tag) for tag in entry.tags))),
        ("annotation" if biblatex else "annote", _braced(escape("\n\n".join(entry.notes)))),
    ]
    return [(name, value) for name, value in fields if value]


def _write_by_lines(entries: Sequence[BibEntry], dialect: bibtex._Dialect) -> str:
    keys = bibtex.CitationKeyGenerator().fill_keys(
        [entry.key for entry in entries], [entry.record for entry in entries]
    )
    chunks = []
    for entry, key in zip(entries, keys, strict=True):
        lines = [f"@{dialect.entry_type(entry.record)}{{{key},"]
        lines += [f"  {name} = {value}," for name, value in _entry_fields(entry, dialect)]
        chunks.append("\n".join([*lines, "}\n"]))
    return "\n".join(chunks)


@MANY
@given(st.lists(_SPECIALS, max_size=4))
def test_one_question_for_joined_texts_is_one_per_text(texts: list[str]) -> None:
    joined = bibtex._TEXT_JOINER.join(texts)
    assert bibtex._needs_escape(joined) == any(bibtex._needs_escape(text) for text in texts)


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


def _tagged_values_plainly(entry: BibEntry) -> Iterator[tuple[str, str]]:
    """Every field of the entry in the order RIS files get them, as the writer had them."""
    record = entry.record
    yield "ID", entry.key
    for author in record.authors:
        yield "AU", ris._ris_author(author.family, author.given, author.name)
    yield "TI", record.title
    yield "T2", record.container_title
    yield "J2", record.container_abbrev
    yield "PY", str(record.year) if record.year is not None else ""
    yield "DA", record.date.replace("-", "/")
    yield "VL", record.volume
    yield "IS", record.issue
    yield from ris._page_values(record.pages)
    yield "C7", record.article_number
    yield "PB", record.publisher
    yield "LA", record.language
    yield "DO", record.doi
    yield "AN", f"PMID: {record.pmid}" if record.pmid else ""
    yield "C2", record.pmcid
    yield "AB", record.abstract
    for keyword in ris._unique(ris._one_line(term) for term in (*record.keywords, *entry.tags)):
        yield "KW", keyword
    for note in entry.notes:
        yield "N1", note


def _format_entry_plainly(entry: BibEntry) -> str:
    lines: list[str] = []
    for tag, value in _tagged_values_plainly(entry):
        if tag in ("AB", "N1"):
            lines.extend(ris._multiline(tag, ris._block(value)))
        elif ris._one_line(value):
            lines.append(f"{tag}  - {ris._one_line(value)}")
    return "\n".join(["TY  - " + ris.TYPES.get(entry.record.type, "GEN"), *lines, "ER  - ", ""])


@MANY
@given(_ENTRIES)
def test_ris_entries_are_written_as_before(entries: list[BibEntry]) -> None:
    assert ris.write_ris(entries) == "\n".join(_format_entry_plainly(e) for e in entries)


# -- CSL-JSON writer -----------------------------------------------------------------------


def _csl_item(entry: BibEntry, key: str) -> dict[str, object]:
    """The item as a dict, as the writer built it before it wrote the text directly."""
    record = entry.record
    parts = csl_json._date_parts(record)
    authors = [author for author in record.authors if author.name or author.family or author.given]
    item: dict[str, object] = {
        "id": key,
        "type": record.type or "document",
        "title": record.title,
        "author": [csl_json._write_author(author) for author in authors],
        "container-title": record.container_title,
        "container-title-short": record.container_abbrev,
        "issued": {"date-parts": [parts]} if parts else None,
        "volume": record.volume,
        "issue": record.issue,
        "page": record.pages or record.article_number,
        "number": record.article_number,
        "publisher": record.publisher,
        "language": record.language,
        "DOI": record.doi,
        "PMID": record.pmid,
        "PMCID": record.pmcid,
        "abstract": record.abstract,
        "keyword": ", ".join([*record.keywords, *entry.tags]),
        "note": "\n\n".join(entry.notes),
        "custom": {"tags": list(entry.tags)} if entry.tags else None,
    }
    return {name: value for name, value in item.items() if value}


@MANY
@given(_ENTRIES)
def test_csl_json_is_what_json_dumps_writes_for_the_items(entries: list[BibEntry]) -> None:
    keys = bibtex.CitationKeyGenerator().fill_keys(
        [entry.key for entry in entries], [entry.record for entry in entries]
    )
    items = [_csl_item(entry, key) for entry, key in zip(entries, keys, strict=True)]
    expected = json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    assert csl_json.write_csl_json(entries) == expected
